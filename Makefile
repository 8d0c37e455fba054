# ontrack — the two commands that matter are `make demo` and `make test`.
# Every target sets up what it needs from nothing and reuses what is already there.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install stack stack-down migrate test test-unit test-integration soak lint fmt openapi demo bench clean

install: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $(STAMP)

stack: install
	$(BIN)/ontrack stack up

stack-down: install
	$(BIN)/ontrack stack down

migrate: stack
	$(BIN)/ontrack db migrate

test-unit: install
	$(BIN)/pytest -m "not integration" -q

test-integration: migrate
	$(BIN)/pytest -m integration -q

test: migrate
	$(BIN)/pytest -q

# The 10-minute soak of tests/reliability (and the receivers down for 3 minutes); see
# docs/reliability.md. Not part of `make test`.
soak: migrate
	ONTRACK_SOAK=1 $(BIN)/pytest -m soak -q tests/reliability

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

# The API's OpenAPI document, committed; a test fails when it differs from what the API serves.
openapi: install
	$(BIN)/ontrack api openapi > schemas/openapi.json

fmt: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

demo: migrate
	$(BIN)/ontrack demo

# BENCH_ARGS: more options of `ontrack bench`, e.g. BENCH_ARGS="--plot docs/images/bench-scaling.png"
BENCH_ARGS ?=

bench: migrate
	$(BIN)/ontrack bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache

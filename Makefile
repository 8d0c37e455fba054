# ontrack — the two commands that matter are `make demo` and `make test`.
# Every target sets up what it needs from nothing and reuses what is already there.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install lock stack stack-down migrate test test-unit test-integration soak lint fmt openapi demo bench clean

# ontrack and its dev tools, every dependency at the version and hash of requirements-dev.lock
install: $(STAMP)

$(STAMP): pyproject.toml requirements-dev.lock
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --require-hashes -r requirements-dev.lock
	$(BIN)/pip install --quiet --no-deps -e .
	@touch $(STAMP)

# Pin pyproject.toml's dependencies again: requirements-dev.lock (everything, with the
# extras stack, dashboards, bench and dev), then requirements.lock (what the services need,
# the image installs it) at the same versions. From PyPI alone: the machine's own pip
# configuration (find-links, extra indexes, constraints) is left out. Existing pins are kept
# where pyproject still allows them; `make lock LOCK_ARGS=--upgrade` moves everything to the
# newest release.
PIP_COMPILE = env -u PIP_FIND_LINKS -u PIP_INDEX_URL -u PIP_EXTRA_INDEX_URL -u PIP_CONSTRAINT \
	PIP_CONFIG_FILE=/dev/null CUSTOM_COMPILE_COMMAND="make lock" $(BIN)/pip-compile --quiet \
	--generate-hashes --strip-extras --unsafe-package ontrack --index-url https://pypi.org/simple \
	--no-emit-index-url $(LOCK_ARGS)

lock: install
	$(PIP_COMPILE) --extra dev --output-file requirements-dev.lock pyproject.toml
	$(PIP_COMPILE) --constraint requirements-dev.lock --output-file requirements.lock \
		pyproject.toml

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
	$(BIN)/ontrack api openapi > services/data/schemas/openapi.json

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

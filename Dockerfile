# ontrack's image: one image, every service; the command picks it
#   docker build -t ontrack .
#   docker run ontrack api | worker | alerts | notify | db migrate | ...
#
# Two stages. `build` makes the wheel: the package with the data it reads at run time
# (catalogue, plans, rules, routes, schemas: services/data). The runtime stage installs the
# runtime dependencies pinned with their hashes in requirements.lock, then that wheel, and
# nothing else: no source tree, no compiler, neither the embedded stack's broker nor the
# dashboards' SDK (extras of development, not of production). Plans, rules and routes can be
# replaced by mounting other directories and pointing ONTRACK_PLANS_DIR, ONTRACK_RULES_DIR,
# ONTRACK_ROUTES_DIR (and ONTRACK_CATALOGUE_PATH) at them.
#
# Build it for linux/amd64: the runtime stage takes binary wheels only, and faust-streaming
# publishes none for arm64.
FROM python:3.11-slim-bookworm AS build

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /src
COPY pyproject.toml README.md LICENSE ./
COPY services services
RUN pip wheel --no-deps --wheel-dir /wheels .


FROM python:3.11-slim-bookworm

ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    MPLCONFIGDIR=/tmp/matplotlib \
    ONTRACK_API_HOST=0.0.0.0 \
    ONTRACK_WORKER_WEB_HOST=0.0.0.0 \
    ONTRACK_ALERTS_WEB_HOST=0.0.0.0 \
    ONTRACK_NOTIFY_WEB_HOST=0.0.0.0

RUN useradd --system --uid 10001 --user-group --home-dir /var/lib/ontrack --create-home ontrack
# Chinese glyphs for the charts of e-mails to Chinese receivers
RUN apt-get update && apt-get install -y --no-install-recommends fonts-wqy-microhei \
    && rm -rf /var/lib/apt/lists/*

# dependencies first, so a change of code does not reinstall them; every one pinned and
# checked against its hash, binary wheels only (nothing is compiled here)
COPY requirements.lock /tmp/requirements.lock
RUN pip install --require-hashes --only-binary :all: -r /tmp/requirements.lock \
    && rm /tmp/requirements.lock
COPY --from=build /wheels /tmp/wheels
RUN pip install --no-deps /tmp/wheels/*.whl && rm -rf /tmp/wheels

USER 10001:10001
# the stream worker keeps its Faust data directory in the working directory
WORKDIR /var/lib/ontrack
# api, worker, alerts, notify: HTTP with /healthz and /metrics
EXPOSE 8080 6066 6068 6069
ENTRYPOINT ["ontrack"]
CMD ["--help"]

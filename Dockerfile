# ontrack's image: one image, every service; the command picks it
#   docker build -t ontrack .
#   docker run ontrack api | worker | alerts | notify | db migrate | ...
#
# The package carries the data it reads (services/data: catalogue, plans, rules, routes,
# schemas); the tree is kept under /opt/ontrack and installed in editable mode. Plans,
# rules and routes can be replaced by mounting other directories and pointing
# ONTRACK_PLANS_DIR, ONTRACK_RULES_DIR, ONTRACK_ROUTES_DIR at them.
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

WORKDIR /opt/ontrack
# dependencies first, so a change of code does not reinstall them
COPY pyproject.toml README.md ./
COPY services/__init__.py services/__init__.py
RUN pip install -e . && rm -rf /opt/ontrack/*.egg-info
COPY services services
RUN pip install --no-deps -e . && python -m compileall -q services

USER 10001:10001
# the stream worker keeps its Faust data directory in the working directory
WORKDIR /var/lib/ontrack
# api, worker, alerts, notify: HTTP with /healthz and /metrics
EXPOSE 8080 6066 6068 6069
ENTRYPOINT ["ontrack"]
CMD ["--help"]

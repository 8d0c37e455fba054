"""The FastAPI application: wiring of routes, shared state and lifecycle."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime

from fastapi import Depends, FastAPI, Request, Response
from prometheus_client import CollectorRegistry

from services.api import actions as actions_api
from services.api import alerts as alerts_api
from services.api import keys, ops, readings, series
from services.api.auth import auth_problem, key_cache, require_reader
from services.api.contract.openapi import install_openapi
from services.api.contract.pages import add_pages
from services.api.contract.problems import FastJSON, install_problem_handlers
from services.api.metrics import IngestMetrics
from services.api.state import ApiState
from services.auth import AuthError, RateLimiter
from services.indicators.catalogue import load_catalogue
from services.ingest.keyring import load_batch_keys
from services.ingest.producer import ReadingsProducer
from services.ingest.signing import BatchKeys
from services.kafka_security import kafka_python_options
from services.settings import Settings
from services.storage import open_pool

__all__ = ["create_app"]


def _utcnow() -> datetime:
    return datetime.now(UTC)


def create_app(
    settings: Settings,
    *,
    now: Callable[[], datetime] = _utcnow,
    batch_keys: BatchKeys | None = None,
) -> FastAPI:
    """The API; every write needs an API key (there is no anonymous mode).

    Readings in (role ``ingest``), series, targets and alerts out (no key, so that the
    links in notifications open, unless ``public_reads`` is off: then any valid key), ack,
    resolve and silences (role ``operator`` or ``admin``). The batches it produces are
    signed with ``batch_keys`` (by default ``load_batch_keys``, at start-up).
    """
    state = ApiState(
        settings=settings,
        catalogue=load_catalogue(settings.catalogue_path),
        metrics=IngestMetrics.create(CollectorRegistry()),
        now=now,
        keys=key_cache(lambda: state.pool, settings.key_cache_seconds),
        limiter=RateLimiter(settings.rate_per_key, settings.rate_burst),
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        state.producer = ReadingsProducer(
            settings.kafka_bootstrap,
            settings.topic_readings,
            keys=batch_keys or load_batch_keys(settings),
            security=kafka_python_options(settings),
        )
        state.pool = await open_pool(settings.dsn, name="ontrack-api")
        try:
            yield
        finally:
            await state.keys.drain()
            state.producer.close()
            await state.pool.close()

    app = FastAPI(
        title="ontrack",
        version="1",
        summary="Readings in; indicators judged against their plan targets.",
        default_response_class=FastJSON,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    app.state.ontrack = state
    install_problem_handlers(app)
    app.add_exception_handler(AuthError, _auth_error)
    reads = [Depends(require_reader)]
    app.include_router(readings.router, tags=["readings"])
    app.include_router(keys.router, tags=["keys"])
    app.include_router(series.router, tags=["series"], dependencies=reads)
    app.include_router(alerts_api.router, tags=["targets", "alerts"], dependencies=reads)
    app.include_router(actions_api.router, tags=["on-call"])
    app.include_router(ops.router, tags=["ops"])
    add_pages(app)
    _add_timing(app, state)
    install_openapi(app)
    return app


async def _auth_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, AuthError)
    return auth_problem(exc)


def _add_timing(app: FastAPI, state: ApiState) -> None:
    @app.middleware("http")
    async def timing(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        start = time.perf_counter()
        response = await call_next(request)
        route = request.scope.get("route")
        path = getattr(route, "path", "unmatched")
        state.metrics.request_seconds.labels(
            path, request.method, str(response.status_code)
        ).observe(time.perf_counter() - start)
        return response

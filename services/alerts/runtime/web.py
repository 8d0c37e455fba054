"""A service's small HTTP port: ``/metrics`` (Prometheus), ``/livez``, ``/readyz``, ``/healthz``.

Used by the alert engine and the notifier. ``/livez`` answers while the process does;
``/readyz`` says whether it can do its job (``ready``: for both, the database answers);
``/healthz`` is the diagnostic (``health``: the engine's leadership and last evaluation,
the notifier's last pass over the outbox).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

__all__ = ["Ready", "start_web"]

Ready = Callable[[], Awaitable[dict[str, bool]]]
"""What readiness depends on, each check true when it answers."""


async def _no_checks() -> dict[str, bool]:
    return {}


async def start_web(
    host: str,
    port: int,
    registry: CollectorRegistry,
    health: Callable[[], tuple[bool, dict[str, Any]]],
    ready: Ready = _no_checks,
) -> web.AppRunner:
    """Serve until the returned runner is cleaned up. ``health`` says (ok, details)."""

    async def metrics(request: web.Request) -> web.Response:
        body = generate_latest(registry)
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})

    async def healthz(request: web.Request) -> web.Response:
        ok, details = health()
        body = {"status": "ok" if ok else "degraded", **details}
        return web.json_response(body, status=200 if ok else 503)

    async def livez(request: web.Request) -> web.Response:
        return web.json_response({"status": "alive"})

    async def readyz(request: web.Request) -> web.Response:
        checks = await ready()
        ok = all(checks.values())
        body = {"status": "ready" if ok else "not ready", "checks": checks}
        return web.json_response(body, status=200 if ok else 503)

    app = web.Application()
    app.router.add_get("/metrics", metrics)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/livez", livez)
    app.router.add_get("/readyz", readyz)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    return runner

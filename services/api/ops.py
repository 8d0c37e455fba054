"""The API's probes and metrics: ``/livez``, ``/readyz``, ``/healthz`` and ``/metrics``.

- ``/livez``: the process answers (nothing else is checked); restart it when it does not.
- ``/readyz``: it can do its job, accepting readings, which needs Kafka only: the producer's
  metadata request is answered. A database outage leaves it ready (keys checked recently
  stay valid, see services.auth.cache); send traffic elsewhere while it answers 503.
- ``/healthz``: the diagnostic, each dependency (Kafka, the database) and whether it answers;
  503 when one does not. Not a probe: a database outage is no reason to stop ingesting.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from services.api.contract import docs
from services.api.contract.problems import FastJSON
from services.api.models import Health, Liveness, Readiness
from services.api.state import ApiState
from services.storage import database_answers

__all__ = ["router"]

router = APIRouter()

CHECK_SECONDS = 2.0
"""How long a probe waits for a dependency before calling it down."""


async def _kafka(state: ApiState) -> bool:
    return state.producer is not None and await state.producer.reachable(CHECK_SECONDS)


async def _database(state: ApiState) -> bool:
    return await database_answers(state.pool, CHECK_SECONDS)


def _probe(model: type[Any], description: str, body: dict[str, Any]) -> dict[int | str, Any]:
    return {
        **docs.ok(model, description, body),
        503: {
            "model": model,
            "description": "Not so: the body says which check failed",
        },
    }


@router.get(
    "/livez",
    summary="Liveness: the process answers",
    operation_id="getLiveness",
    responses=docs.ok(Liveness, "The process is alive", {"status": "alive"}),
)
async def livez() -> FastJSON:
    return FastJSON({"status": "alive"})


@router.get(
    "/readyz",
    summary="Readiness: the API can accept readings (Kafka answers)",
    operation_id="getReadiness",
    responses=_probe(
        Readiness,
        "Ready: readings pushed now are accepted",
        {"status": "ready", "checks": {"kafka": True}},
    ),
)
async def readyz(request: Request) -> FastJSON:
    kafka = await _kafka(request.app.state.ontrack)
    body = {"status": "ready" if kafka else "not ready", "checks": {"kafka": kafka}}
    return FastJSON(body, status_code=200 if kafka else 503)


@router.get(
    "/healthz",
    summary="Diagnostic: does each dependency answer",
    operation_id="getHealth",
    responses=_probe(
        Health,
        "Every dependency answers",
        {"status": "ok", "checks": {"kafka": True, "database": True}},
    ),
)
async def healthz(request: Request) -> FastJSON:
    state: ApiState = request.app.state.ontrack
    checks = {"kafka": await _kafka(state), "database": await _database(state)}
    ok = all(checks.values())
    body = {"status": "ok" if ok else "degraded", "checks": checks}
    return FastJSON(body, status_code=200 if ok else 503)


@router.get(
    "/metrics",
    summary="Prometheus metrics (text exposition format)",
    operation_id="getMetrics",
    response_class=Response,
    responses={
        200: {
            "description": "The API's metrics in the Prometheus text format 0.0.4",
            "content": {
                "text/plain": {
                    "schema": {"type": "string"},
                    "example": "# HELP ontrack_readings_accepted_total Readings accepted and "
                    "durably in Kafka\n# TYPE ontrack_readings_accepted_total counter\n"
                    'ontrack_readings_accepted_total{indicator="air.pm25",provider="qd-emc"} 31.0\n',
                }
            },
        }
    },
)
async def metrics(request: Request) -> Response:
    registry = request.app.state.ontrack.metrics.registry
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

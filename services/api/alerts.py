"""``GET /v1/targets``, ``GET /v1/alerts`` and ``GET /v1/alerts/{fingerprint}``.

The handlers read what the alert engine wrote (views ``v_target_status`` and
``v_alerts``) through the API's pool at ``request.app.state.ontrack.pool``. Include with
``app.include_router(router, tags=["targets", "alerts"])``. Answers are rendered by orjson
(``FastJSON``); ``services.api.models`` states what they hold.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Query, Request
from psycopg_pool import AsyncConnectionPool

from services.api.contract import docs
from services.api.contract.problems import FastJSON
from services.api.models import AlertDetail, AlertList, TargetList
from services.api.params import PLAIN_TEXT, Fingerprint
from services.storage import OPEN_STATES, get_alert, list_alerts, list_targets

__all__ = ["router"]

router = APIRouter()

StatusName = Literal[
    "on_track", "at_risk", "off_track", "met", "missed", "no_data", "insufficient_data"
]
StateName = Literal["inactive", "pending", "firing", "resolved", "all"]
SeverityName = Literal["page", "ticket", "info"]
_READ_PROBLEMS = docs.problems(
    "unauthenticated", "invalid-request", "key-store-unavailable", "database-unavailable"
)
_EXAMPLE_ALERT: dict[str, Any] = {
    "fingerprint": "4be3c1a0d2f96e87",
    "rule": "off-trajectory-ticket",
    "kind": "off_trajectory",
    "severity": "ticket",
    "state": "firing",
    "subject": "port.sea_rail_teu.2025",
    "target": "port.sea_rail_teu.2025",
    "series": None,
    "labels": {"alertname": "off-trajectory-ticket", "family": "port"},
    "annotations": {"summary": "port.sea_rail_teu.2025 is 12.4 % behind its trajectory"},
    "latest_annotations": {"summary": "port.sea_rail_teu.2025 is 13.1 % behind its trajectory"},
    "since": "2025-02-16T00:00:00+00:00",
    "active_at": "2025-02-02T00:00:00+00:00",
    "fired_at": "2025-02-16T00:00:00+00:00",
    "resolved_at": None,
    "value": -12.4,
    "last_evaluated": "2025-03-01T00:00:00+00:00",
    "ack": None,
}


def _pool(request: Request) -> AsyncConnectionPool:
    state = getattr(request.app.state, "ontrack", None)
    pool = getattr(state, "pool", None)
    if not isinstance(pool, AsyncConnectionPool):
        raise HTTPException(503, "the database pool is not open yet; retry in a moment")
    return pool


def _target(row: dict[str, Any]) -> dict[str, Any]:
    explanation = row.get("explanation") or {}
    projection = None
    if row["projection_value"] is not None:
        projection = {
            "value": row["projection_value"],
            "low": row["projection_low"],
            "high": row["projection_high"],
            "at": row["projection_at"],
            "method": row["projection_method"],
            "probability_met": row["probability_met"],
        }
    return {
        "id": row["target_id"],
        "plan": row["plan_id"],
        "indicator": row["indicator"],
        "family": row["family"],
        "kind": row["kind"],
        "scope": row["scope"],
        "comparator": row["comparator"],
        "value": row["target_value"],
        "unit": row["unit"],
        "deadline": row["deadline"],
        "status": row["status"],
        "status_since": row["status_since"],
        "actual": row["actual"],
        "expected": row["expected"],
        "gap": row["gap"],
        "gap_pct": row["gap_pct"],
        "shortfall_pct": row["shortfall_pct"],
        "projection": projection,
        "pace": {
            "needed": row["pace_needed"],
            "recent": row["pace_recent"],
            "text": row["pace_text"],
        },
        "days_left": row["days_left"],
        "basis": row["basis"],
        "as_of": row["as_of"],
        "last_seen": row["last_seen"],
        "stale": row["stale"],
        "open_alerts": row["open_alerts"],
        "evaluated_at": row["evaluated_at"],
        "summary": explanation.get("summary", ""),
        "contributors": explanation.get("contributors", []),
    }


def _alert(row: dict[str, Any]) -> dict[str, Any]:
    ack = None
    if row["acked_by"] is not None:
        ack = {"by": row["acked_by"], "at": row["acked_at"], "note": row["ack_note"]}
    return {
        "fingerprint": row["fingerprint"],
        "rule": row["rule_id"],
        "kind": row["kind"],
        "severity": row["severity"],
        "state": row["state"],
        "subject": row["subject"],
        "target": row["target_id"],
        "series": row["series"],
        "labels": row["labels"],
        "annotations": row["annotations"],
        "latest_annotations": row.get("latest_annotations") or row["annotations"],
        "since": row["since"],
        "active_at": row["active_at"],
        "fired_at": row["fired_at"],
        "resolved_at": row["resolved_at"],
        "value": row["last_value"],
        "last_evaluated": row["last_eval"],
        "ack": ack,
    }


@router.get(
    "/v1/targets",
    summary="Every plan target: status, actual, expected, gap, projection",
    operation_id="listTargets",
    openapi_extra={"security": docs.KEY_OPTIONAL},
    responses={
        **docs.ok(TargetList, "The targets as the alert engine last judged them, by family"),
        **_READ_PROBLEMS,
    },
)
async def get_targets(
    request: Request,
    status: Annotated[StatusName | None, Query(description="Only targets in this status")] = None,
    family: Annotated[
        str | None, Query(pattern=PLAIN_TEXT, description="Only this family, e.g. air")
    ] = None,
    plan: Annotated[
        str | None, Query(pattern=PLAIN_TEXT, description="Only the targets of this plan id")
    ] = None,
) -> FastJSON:
    rows = await list_targets(_pool(request), status=status, family=family, plan=plan)
    return FastJSON({"count": len(rows), "targets": [_target(r) for r in rows]})


@router.get(
    "/v1/alerts",
    summary="Alerts, open ones (pending and firing) unless asked otherwise",
    operation_id="listAlerts",
    openapi_extra={"security": docs.KEY_OPTIONAL},
    responses={
        **docs.ok(
            AlertList,
            "Firing first, pages before tickets, newest first",
            {"count": 1, "alerts": [_EXAMPLE_ALERT]},
            links={
                "GetFirstAlert": (
                    "getAlert",
                    {"fingerprint": "$response.body#/alerts/0/fingerprint"},
                )
            },
        ),
        **_READ_PROBLEMS,
    },
)
async def get_alerts(
    request: Request,
    state: Annotated[
        list[StateName] | None, Query(description="States to list (repeatable); all for every one")
    ] = None,
    severity: Annotated[SeverityName | None, Query(description="Only this severity")] = None,
    limit: Annotated[int, Query(ge=1, le=10_000, description="At most this many")] = 1000,
) -> FastJSON:
    wanted = list(OPEN_STATES) if not state else [str(s) for s in state]
    if "all" in wanted:
        wanted = ["inactive", "pending", "firing", "resolved"]
    rows = await list_alerts(_pool(request), states=wanted, severity=severity, limit=limit)
    return FastJSON({"count": len(rows), "alerts": [_alert(r) for r in rows]})


@router.get(
    "/v1/alerts/{fingerprint}",
    summary="One alert: what it says and its full history",
    operation_id="getAlert",
    openapi_extra={"security": docs.KEY_OPTIONAL},
    responses={
        **docs.ok(
            AlertDetail,
            "The alert, why it fired and every transition, oldest first",
            links={
                name: (operation, {"fingerprint": "$response.body#/fingerprint"})
                for name, operation in (("AckAlert", "ackAlert"), ("ResolveAlert", "resolveAlert"))
            },
        ),
        **docs.problems(
            "unauthenticated",
            "not-found",
            "invalid-request",
            "key-store-unavailable",
            "database-unavailable",
        ),
    },
)
async def get_one_alert(request: Request, fingerprint: Fingerprint) -> FastJSON:
    row = await get_alert(_pool(request), fingerprint)
    if row is None:
        raise HTTPException(
            404,
            f"no alert with fingerprint {fingerprint!r}; list them with GET /v1/alerts?state=all",
        )
    return FastJSON({**_alert(row), "explanation": row["explanation"], "history": row["history"]})

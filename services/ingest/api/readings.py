"""``POST /v1/readings``: validate every record, send the valid ones to Kafka, report the rest."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import ORJSONResponse

from services.indicators.readings import Reading, RecordError, validate_record
from services.ingest.api.bodies import BodyError, RawRecord, parse_json
from services.ingest.api.state import ApiState
from services.ingest.errors import BrokerUnavailable

__all__ = ["router"]

router = APIRouter()

_BODY_DOC: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": {"$ref": "#/components/schemas/ReadingBatch"}},
        },
    }
}


def _problem(status: int, title: str, detail: str, **extra: Any) -> ORJSONResponse:
    headers = {k: v for k, v in extra.pop("headers", {}).items()}
    return ORJSONResponse(
        {"title": title, "status": status, "detail": detail, **extra},
        status_code=status,
        headers=headers,
        media_type="application/problem+json",
    )


def _error_dict(err: RecordError) -> dict[str, Any]:
    out: dict[str, Any] = {"index": err.index, "field": err.field, "message": err.message}
    if err.line is not None:
        out["line"] = err.line
    return out


@router.post(
    "/v1/readings", status_code=202, openapi_extra=_BODY_DOC, summary="Push a batch of readings"
)
async def post_readings(request: Request) -> ORJSONResponse:
    """Accept readings; answer 202 once every accepted one is durably in Kafka."""
    state: ApiState = request.app.state.ontrack
    body = await request.body()
    if len(body) > state.settings.max_body_bytes:
        return _problem(
            413,
            "body too large",
            f"the body is {len(body)} bytes; the limit is "
            f"{state.settings.max_body_bytes}: split it into smaller batches",
        )
    try:
        records = parse_json(body)
    except BodyError as exc:
        return _problem(400, "unreadable body", str(exc))
    if len(records) > state.settings.max_batch:
        return _problem(
            413,
            "batch too long",
            f"{len(records)} readings in one batch; the limit is "
            f"{state.settings.max_batch}: split it",
        )
    return await _accept(state, records)


async def _accept(state: ApiState, records: list[RawRecord]) -> ORJSONResponse:
    now = state.now()
    good: list[Reading] = []
    errors: list[RecordError] = []
    for rec in records:
        result = validate_record(rec.value, rec.index, state.catalogue, now, line=rec.line)
        if isinstance(result, Reading):
            good.append(result)
        else:
            errors.extend(result)
    assert state.producer is not None
    try:
        await state.producer.send(good, now)
    except BrokerUnavailable as exc:
        state.metrics.produce_errors.inc()
        return _problem(
            503,
            "broker unavailable",
            f"{exc}; nothing from this batch was accepted: retry it as it is",
            headers={"Retry-After": "5"},
        )
    rejected = len({e.index for e in errors})
    _count(state, good, errors)
    status = 202 if good or not records else 422
    return ORJSONResponse(
        {"accepted": len(good), "rejected": rejected, "errors": [_error_dict(e) for e in errors]},
        status_code=status,
    )


def _count(state: ApiState, good: list[Reading], errors: list[RecordError]) -> None:
    by_indicator: dict[str, int] = {}
    for r in good:
        by_indicator[r.indicator] = by_indicator.get(r.indicator, 0) + 1
    for indicator, n in by_indicator.items():
        state.metrics.accepted.labels("anonymous", indicator).inc(n)
    for e in errors:
        state.metrics.rejected.labels("anonymous", e.field or "record").inc()

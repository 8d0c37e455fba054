"""``POST /v1/readings``: check the key, read the body, judge every record, send the good ones.

The answer is 202 once every accepted reading is durably in Kafka, with the count of
readings accepted and rejected and an error per problem. A batch of which nothing is
accepted is answered 422 (same fields). Whole-request refusals:
401 no or bad key · 403 a role or a record outside the key's scope (nothing accepted) ·
400 unreadable body · 413 body or batch too large · 415 unsupported Content-Type or charset ·
429 the key's rate is exceeded (Retry-After) · 503 the broker or the key store did not
answer (Retry-After; nothing accepted, retry the batch as it is).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from fastapi import APIRouter, Request, Response

from services.api.accept import Judgement, judge, scope_errors
from services.api.auth import auth_problem, token_from
from services.api.contract import docs
from services.api.contract.problems import FastJSON, IngestResult, error_dicts, problem
from services.api.state import ApiState
from services.auth import ApiKey, AuthError
from services.ingest.bodies import BodyError, RawRecord, parse_body
from services.ingest.errors import BrokerUnavailable

__all__ = ["router"]

router = APIRouter()


@router.post(
    "/v1/readings",
    status_code=202,
    summary="Push a batch of readings (JSON, NDJSON or CSV)",
    operation_id="postReadings",
    openapi_extra={"security": docs.KEY_REQUIRED, "requestBody": docs.READINGS_BODY},
    responses={
        **docs.ok(
            IngestResult,
            "Every accepted reading is durably in Kafka; `errors` lists the refused ones",
            {"accepted": 1, "rejected": 0, "errors": []},
            status=202,
        ),
        **docs.problems(
            "unreadable-body",
            "unauthenticated",
            "forbidden",
            "outside-scope",
            "body-too-large",
            "batch-too-long",
            "unsupported-media-type",
            "unsupported-charset",
            "no-reading-accepted",
            "rate-limited",
            "broker-unavailable",
            "key-store-unavailable",
        ),
    },
)
async def post_readings(request: Request) -> Response:
    """Accept readings; answer 202 once every accepted one is durably in Kafka."""
    state: ApiState = request.app.state.ontrack
    try:
        key = await state.keys.authenticate(token_from(request.headers), "ingest")
    except AuthError as exc:
        state.metrics.auth_failures.labels(exc.reason).inc()
        return auth_problem(exc)
    try:
        body = await _read_body(request, state.settings.max_body_bytes)
        records = parse_body(request.headers.get("content-type"), body, state.settings.max_batch)
    except BodyError as exc:
        state.metrics.rejected.labels(key.provider, "body").inc()
        return problem(exc.title.replace(" ", "-"), str(exc))
    refused = _over_limits(state, key, len(records))
    if refused is not None:
        return refused
    outside = scope_errors(records, key)
    if outside:
        state.metrics.rejected.labels(key.provider, "scope").inc(len({e.index for e in outside}))
        return problem(
            "outside-scope",
            f"{len({e.index for e in outside})} reading(s) name an indicator or source this key "
            f"may not write ({key.scope.describe()}); nothing of this batch was accepted: "
            "remove them and send the batch again",
            errors=error_dicts(outside),
        )
    return await _accept(state, key, records)


async def _read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise _too_large(int(declared), limit)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise _too_large(size, limit)
        chunks.append(chunk)
    return b"".join(chunks)


def _too_large(size: int, limit: int) -> BodyError:
    return BodyError(
        f"the body is {'at least ' if size > limit else ''}{size} bytes; the limit is {limit} "
        "bytes: split it into smaller batches",
        413,
        "body too large",
    )


def _over_limits(state: ApiState, key: ApiKey, n: int) -> FastJSON | None:
    limiter = state.limiter
    if n > limiter.burst:
        state.metrics.rejected.labels(key.provider, "rate_limited").inc(n)
        return problem(
            "batch-too-long",
            f"{n} readings in one request; this key may send at most {limiter.burst} at once "
            f"({limiter.rate:g} per second on average): split the batch",
        )
    wait = limiter.check(key.id, n)
    if wait:
        state.metrics.rejected.labels(key.provider, "rate_limited").inc(max(n, 1))
        return problem(
            "rate-limited",
            f"this key may send {limiter.rate:g} readings per second (bursts of "
            f"{limiter.burst}); nothing of this batch was accepted: send it again in "
            f"{wait} s, and spread the load",
            headers={"Retry-After": str(wait)},
        )
    return None


async def _accept(state: ApiState, key: ApiKey, records: list[RawRecord]) -> FastJSON:
    now = state.now()
    result = judge(records, state.catalogue, now)
    assert state.producer is not None
    try:
        await state.producer.send(result.readings, now)
    except BrokerUnavailable as exc:
        state.metrics.produce_errors.inc()
        return problem(
            "broker-unavailable",
            f"{exc}; nothing from this batch was accepted: retry it as it is",
        )
    _count(state, key, result)
    body: dict[str, Any] = {
        "accepted": len(result.readings),
        "rejected": result.rejected,
        "errors": error_dicts(result.errors),
    }
    if len(result.readings) or not records:
        return FastJSON(body, status_code=202)
    return problem(
        "no-reading-accepted",
        f"all {len(records)} reading(s) were refused; fix what each error says and send them again",
        **body,
    )


def _count(state: ApiState, key: ApiKey, result: Judgement) -> None:
    for indicator, n in Counter(result.readings.indicator).items():
        state.metrics.accepted.labels(key.provider, indicator).inc(n)
    for e in result.errors:
        state.metrics.rejected.labels(key.provider, e.code).inc()

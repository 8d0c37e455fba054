"""What on-call people do over HTTP: acknowledge, resolve, silence.

``POST /v1/alerts/{fingerprint}/ack`` and ``/resolve`` take ``{"note": "..."}``;
``POST /v1/silences`` takes ``{"matchers", "starts_at", "ends_at", "comment"}``;
``GET /v1/silences`` lists them and ``DELETE /v1/silences/{id}`` expires one. Every
endpoint needs an API key with the role ``operator`` (or ``admin``); the key's provider
name is the actor written in the alert's history.

The handlers use what the API keeps at ``request.app.state.ontrack``: ``keys`` (the key
cache), ``pool``, ``now`` and ``settings`` (``routes_dir``, read once, for the resolved
notifications of a manual resolve). Include with
``app.include_router(actions_api.router, tags=["on-call"])``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from psycopg_pool import AsyncConnectionPool
from pydantic import BaseModel, Field

from services.alerts.engine import ActionError, AlertState
from services.alerts.notify import (
    AlertNotFound,
    MatcherError,
    RouteConfig,
    RouteFileError,
    Silence,
    SilenceNotFound,
    actions,
    list_silences,
    load_routes,
    parse_matcher,
)
from services.api.auth import token_from
from services.auth import AuthError

__all__ = ["ROLES", "router"]

ROLES = ("operator", "admin")
"""A key needs one of these roles to act on alerts."""

router = APIRouter()
_SECURITY: dict[str, Any] = {"security": [{"bearer": []}, {"apiKey": []}]}
Fingerprint = Annotated[str, Path(pattern=r"^[0-9a-f]{16}$", description="The alert's fingerprint")]


class NoteBody(BaseModel):
    note: str = Field(min_length=1, max_length=4000, description="Why: what you found or did")


class SilenceBody(BaseModel):
    matchers: list[str] = Field(
        min_length=1,
        description='Alertmanager-style matchers: "severity=page", "region=~\\"lao.*\\""',
    )
    starts_at: datetime | None = Field(
        None, description="Default: now (later: a maintenance window)"
    )
    ends_at: datetime
    comment: str = Field(min_length=1, max_length=4000)


@router.post(
    "/v1/alerts/{fingerprint}/ack", summary="Acknowledge an alert", openapi_extra=_SECURITY
)
async def ack_alert(request: Request, fingerprint: Fingerprint, body: NoteBody) -> Response:
    who, pool = await _caller(request)
    if isinstance(who, Response):
        return who
    assert pool is not None
    try:
        async with pool.connection() as conn:
            state = await actions.ack(conn, fingerprint, who, body.note, _now(request))
    except (AlertNotFound, ActionError) as exc:
        return _refused(exc)
    return _json(_alert(state))


@router.post(
    "/v1/alerts/{fingerprint}/resolve",
    summary="Resolve a firing alert by hand",
    openapi_extra=_SECURITY,
)
async def resolve_alert(request: Request, fingerprint: Fingerprint, body: NoteBody) -> Response:
    who, pool = await _caller(request)
    if isinstance(who, Response):
        return who
    assert pool is not None
    try:
        routes = _routes(request)
    except RouteFileError as exc:
        return problem(500, "routes invalid", str(exc))
    try:
        async with pool.connection() as conn:
            state, sent = await actions.resolve(
                conn, fingerprint, who, body.note, _now(request), routes
            )
    except (AlertNotFound, ActionError) as exc:
        return _refused(exc)
    notified = sorted({e.receiver for e in sent if e.id is not None and e.silenced_by is None})
    return _json({**_alert(state), "notified": notified})


@router.post(
    "/v1/silences",
    status_code=201,
    summary="Silence alerts matching labels",
    openapi_extra=_SECURITY,
)
async def add_silence(request: Request, body: SilenceBody) -> Response:
    who, pool = await _caller(request)
    if isinstance(who, Response):
        return who
    assert pool is not None
    now = _now(request)
    try:
        matchers = [parse_matcher(m) for m in body.matchers]
        starts = body.starts_at or now
        _aware(starts, body.ends_at)
        async with pool.connection() as conn:
            added = await actions.add_silence(
                conn, matchers, starts, body.ends_at, who, body.comment, now
            )
    except (MatcherError, ValueError) as exc:
        return problem(422, "invalid silence", f"{exc}; fix the silence and send it again")
    return _json({**_silence(added.silence, now), "alerts": list(added.alerts)}, 201)


@router.get("/v1/silences", summary="Silences in force or to come", openapi_extra=_SECURITY)
async def get_silences(
    request: Request,
    include_expired: Annotated[bool, Query(alias="all", description="Expired ones too")] = False,
) -> Response:
    who, pool = await _caller(request)
    if isinstance(who, Response):
        return who
    assert pool is not None
    now = _now(request)
    async with pool.connection() as conn:
        found = await list_silences(conn, now, include_expired=include_expired)
    return _json({"count": len(found), "silences": [_silence(s, now) for s in found]})


@router.delete("/v1/silences/{silence_id}", summary="Expire a silence now", openapi_extra=_SECURITY)
async def delete_silence(request: Request, silence_id: int) -> Response:
    who, pool = await _caller(request)
    if isinstance(who, Response):
        return who
    assert pool is not None
    now = _now(request)
    try:
        async with pool.connection() as conn:
            silence = await actions.expire_silence(conn, silence_id, who, now)
    except SilenceNotFound as exc:
        return problem(404, "not found", str(exc))
    return _json(_silence(silence, now))


async def _caller(request: Request) -> tuple[str | Response, AsyncConnectionPool | None]:
    """The actor (the key's provider) and the pool, or the answer refusing the request."""
    state = request.app.state.ontrack
    try:
        key = await state.keys.authenticate(token_from(request.headers), None)
    except AuthError as exc:
        headers = {"WWW-Authenticate": 'Bearer realm="ontrack"'} if exc.status == 401 else {}
        if exc.retriable:
            headers["Retry-After"] = "5"
        return problem(
            exc.status, _TITLES.get(exc.status, "unauthenticated"), str(exc), headers
        ), None
    if not any(key.has_role(role) for role in ROLES):
        detail = (
            f"the API key {key.id} of {key.provider} has the role(s) "
            f"{', '.join(key.roles) or 'none'}; acting on alerts needs operator: ask the "
            "operator of ontrack for such a key"
        )
        return problem(403, "forbidden", detail), None
    pool = state.pool
    if not isinstance(pool, AsyncConnectionPool):
        return problem(
            503, "starting", "the database pool is not open yet; retry in a moment"
        ), None
    return str(key.provider), pool


_TITLES = {401: "unauthenticated", 403: "forbidden", 503: "key store unavailable"}


def problem(
    status: int, title: str, detail: str, headers: dict[str, str] | None = None
) -> JSONResponse:
    """An RFC 9457 problem answer, as the rest of the API gives them."""
    body = {"title": title, "status": status, "detail": detail}
    return JSONResponse(body, status, headers=headers, media_type="application/problem+json")


def _json(data: dict[str, Any], status: int = 200) -> JSONResponse:
    return JSONResponse(jsonable_encoder(data), status)


def _routes(request: Request) -> RouteConfig:
    found: RouteConfig | None = getattr(request.app.state, "ontrack_routes", None)
    if found is None:
        found = load_routes(request.app.state.ontrack.settings.routes_dir)
        request.app.state.ontrack_routes = found
    return found


def _now(request: Request) -> datetime:
    now: datetime = request.app.state.ontrack.now()
    return now


def _aware(*moments: datetime) -> None:
    for moment in moments:
        if moment.utcoffset() is None:
            raise ValueError(f"{moment.isoformat()} has no time zone: add one, e.g. +08:00 or Z")


def _refused(exc: Exception) -> JSONResponse:
    if isinstance(exc, AlertNotFound):
        return problem(404, "not found", str(exc))
    return problem(409, "not possible now", str(exc))


def _alert(state: AlertState) -> dict[str, Any]:
    return {
        "fingerprint": state.fingerprint,
        "state": state.state.value,
        "acked_by": state.acked_by,
        "acked_at": state.acked_at,
        "ack_note": state.ack_note,
        "resolved_at": state.resolved_at,
        "resolved_by": state.resolved_by,
    }


def _silence(s: Silence, now: datetime) -> dict[str, Any]:
    return {
        "id": s.id,
        "matchers": [str(m) for m in s.matchers],
        "starts_at": s.starts_at,
        "ends_at": s.ends_at,
        "created_by": s.created_by,
        "comment": s.comment,
        "expired_at": s.expired_at,
        "expired_by": s.expired_by,
        "state": s.state(now),
    }

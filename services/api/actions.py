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

import re
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, Response
from psycopg_pool import AsyncConnectionPool
from pydantic import BaseModel, BeforeValidator, Field

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
from services.api.auth import auth_problem, token_from
from services.api.contract import docs
from services.api.contract.problems import FastJSON, problem
from services.api.models import (
    AlertActionResult,
    AlertResolved,
    SilenceCreated,
    SilenceInfo,
    SilenceList,
)
from services.api.params import Fingerprint
from services.auth import AuthError

__all__ = ["ROLES", "router"]

ROLES = ("operator", "admin")
"""A key needs one of these roles to act on alerts."""

router = APIRouter()
_SECURITY: dict[str, Any] = {"security": docs.KEY_REQUIRED}
_CALLER = ("unauthenticated", "forbidden", "key-store-unavailable", "database-unavailable")


def _text_only(value: object) -> object:
    if isinstance(value, (int, float)):
        raise ValueError("a time is an RFC 3339 text, e.g. 2026-11-22T20:00:00+08:00")
    return value


Moment = Annotated[datetime, BeforeValidator(_text_only)]
"""An RFC 3339 time (a number is not taken as a Unix time); the handler wants its offset."""
SilenceId = Annotated[int, Path(ge=1, le=2**63 - 1, description="The silence's id", examples=[7])]
# What parse_matcher reads: a label name, an operator, then a value (in quotes or not); no
# control characters. Whether a regex compiles only parse_matcher can say (422 then).
MATCHER_PATTERN = r"^ *[a-zA-Z_][a-zA-Z0-9_.]* *(?:=~|!~|!=|=)[^\x00-\x1f\x7f]*$"
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# Free text: at least one visible character, no NUL (PostgreSQL's text cannot hold it).
TEXT_PATTERN = r"^[^\x00]*\S[^\x00]*$"
_EXAMPLE_ACTION: dict[str, Any] = {
    "fingerprint": "4be3c1a0d2f96e87",
    "state": "firing",
    "acked_by": "plan-office-duty",
    "acked_at": "2026-11-22T08:05:00+00:00",
    "ack_note": "the port's feed is late; asked them to resend",
    "resolved_at": None,
    "resolved_by": None,
}
_EXAMPLE_SILENCE: dict[str, Any] = {
    "id": 7,
    "matchers": ["family=port", "severity=ticket"],
    "starts_at": "2026-11-22T08:00:00+00:00",
    "ends_at": "2026-11-22T20:00:00+00:00",
    "created_by": "plan-office-duty",
    "comment": "port feed maintenance",
    "expired_at": None,
    "expired_by": None,
    "state": "active",
}


class NoteBody(BaseModel):
    note: str = Field(
        min_length=1,
        max_length=4000,
        pattern=TEXT_PATTERN,
        description="Why: what you found or did",
        examples=["the port's feed is late; asked them to resend"],
    )


class SilenceBody(BaseModel):
    matchers: list[str] = Field(
        min_length=1,
        max_length=32,
        description='Alertmanager-style matchers: "severity=page", "region=~lao|shinan"',
        json_schema_extra={"items": {"type": "string", "pattern": MATCHER_PATTERN}},
        examples=[["family=port", "severity=ticket"]],
    )
    starts_at: Moment | None = Field(
        None, description="Default: now (later: a maintenance window); with a UTC offset"
    )
    ends_at: Moment = Field(
        description="After starts_at and after now; with a UTC offset",
        examples=["2030-12-31T20:00:00+08:00"],
    )
    comment: str = Field(
        min_length=1, max_length=4000, pattern=TEXT_PATTERN, examples=["port feed maintenance"]
    )


@router.post(
    "/v1/alerts/{fingerprint}/ack",
    summary="Acknowledge an alert",
    operation_id="ackAlert",
    openapi_extra=_SECURITY,
    responses={
        **docs.ok(AlertActionResult, "The alert, acknowledged", _EXAMPLE_ACTION),
        **docs.problems(
            *_CALLER, "unreadable-body", "not-found", "not-possible-now", "invalid-request"
        ),
    },
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
    operation_id="resolveAlert",
    openapi_extra=_SECURITY,
    responses={
        **docs.ok(
            AlertResolved,
            "The alert, resolved; `notified` names the receivers told so",
            {
                **_EXAMPLE_ACTION,
                "state": "resolved",
                "resolved_at": "2026-11-22T09:00:00+00:00",
                "resolved_by": "plan-office-duty",
                "notified": ["port-duty-mail"],
            },
        ),
        **docs.problems(
            *_CALLER,
            "unreadable-body",
            "not-found",
            "not-possible-now",
            "invalid-request",
            "routes-invalid",
        ),
    },
)
async def resolve_alert(request: Request, fingerprint: Fingerprint, body: NoteBody) -> Response:
    who, pool = await _caller(request)
    if isinstance(who, Response):
        return who
    assert pool is not None
    try:
        routes = _routes(request)
    except RouteFileError as exc:
        return problem("routes-invalid", str(exc))
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
    operation_id="createSilence",
    openapi_extra=_SECURITY,
    responses={
        **docs.ok(
            SilenceCreated,
            "The silence made; `alerts` lists the open alerts it matched",
            {**_EXAMPLE_SILENCE, "alerts": ["4be3c1a0d2f96e87"]},
            status=201,
            links={"ExpireSilence": ("expireSilence", {"silence_id": "$response.body#/id"})},
        ),
        **docs.problems(*_CALLER, "unreadable-body", "invalid-request", "invalid-silence"),
    },
)
async def add_silence(request: Request, body: SilenceBody) -> Response:
    who, pool = await _caller(request)
    if isinstance(who, Response):
        return who
    assert pool is not None
    now = _now(request)
    try:
        matchers = [_matcher(m) for m in body.matchers]
        starts = body.starts_at or now
        _aware(starts, body.ends_at)
        async with pool.connection() as conn:
            added = await actions.add_silence(
                conn, matchers, starts, body.ends_at, who, body.comment, now
            )
    except (MatcherError, ValueError) as exc:
        return problem("invalid-silence", f"{exc}; fix the silence and send it again")
    return _json({**_silence(added.silence, now), "alerts": list(added.alerts)}, 201)


@router.get(
    "/v1/silences",
    summary="Silences in force or to come",
    operation_id="listSilences",
    openapi_extra=_SECURITY,
    responses={
        **docs.ok(SilenceList, "The silences", {"count": 1, "silences": [_EXAMPLE_SILENCE]}),
        **docs.problems(*_CALLER, "invalid-request"),
    },
)
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


@router.delete(
    "/v1/silences/{silence_id}",
    summary="Expire a silence now",
    operation_id="expireSilence",
    openapi_extra=_SECURITY,
    responses={
        **docs.ok(
            SilenceInfo,
            "The silence, expired (expiring an expired one changes nothing)",
            {
                **_EXAMPLE_SILENCE,
                "state": "expired",
                "expired_at": "2026-11-22T10:00:00+00:00",
                "expired_by": "plan-office-duty",
            },
        ),
        **docs.problems(*_CALLER, "not-found", "invalid-request"),
    },
)
async def delete_silence(request: Request, silence_id: SilenceId) -> Response:
    who, pool = await _caller(request)
    if isinstance(who, Response):
        return who
    assert pool is not None
    now = _now(request)
    try:
        async with pool.connection() as conn:
            silence = await actions.expire_silence(conn, silence_id, who, now)
    except SilenceNotFound as exc:
        return problem("not-found", str(exc))
    return _json(_silence(silence, now))


async def _caller(request: Request) -> tuple[str | Response, AsyncConnectionPool | None]:
    """The actor (the key's provider) and the pool, or the answer refusing the request."""
    state = request.app.state.ontrack
    try:
        key = await state.keys.authenticate(token_from(request.headers), None)
    except AuthError as exc:
        return auth_problem(exc), None
    if not any(key.has_role(role) for role in ROLES):
        detail = (
            f"the API key {key.id} of {key.provider} has the role(s) "
            f"{', '.join(key.roles) or 'none'}; acting on alerts needs operator: ask the "
            "operator of ontrack for such a key"
        )
        return problem("forbidden", detail), None
    pool = state.pool
    if not isinstance(pool, AsyncConnectionPool):
        return problem(
            "database-unavailable", "the database pool is not open yet; retry in a moment"
        ), None
    return str(key.provider), pool


def _json(data: dict[str, Any], status: int = 200) -> FastJSON:
    return FastJSON(data, status)


def _routes(request: Request) -> RouteConfig:
    found: RouteConfig | None = getattr(request.app.state, "ontrack_routes", None)
    if found is None:
        found = load_routes(request.app.state.ontrack.settings.routes_dir)
        request.app.state.ontrack_routes = found
    return found


def _now(request: Request) -> datetime:
    now: datetime = request.app.state.ontrack.now()
    return now


def _matcher(text: str) -> Any:
    if _CONTROL.search(text):
        raise MatcherError(f"{text!r} holds a control character; write the matcher on one line")
    return parse_matcher(text)


def _aware(*moments: datetime) -> None:
    for moment in moments:
        if moment.utcoffset() is None:
            raise ValueError(f"{moment.isoformat()} has no time zone: add one, e.g. +08:00 or Z")


def _refused(exc: Exception) -> FastJSON:
    if isinstance(exc, AlertNotFound):
        return problem("not-found", str(exc))
    return problem("not-possible-now", str(exc))


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

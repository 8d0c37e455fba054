"""``GET /v1/keys/self``: what the calling key is and may write (clients check it at start)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from services.api.auth import auth_problem, token_from
from services.api.contract import docs
from services.api.contract.problems import FastJSON
from services.api.models import KeySelf
from services.api.state import ApiState
from services.auth import AuthError

__all__ = ["router"]

router = APIRouter()


@router.get(
    "/v1/keys/self",
    summary="The calling API key: provider, scope and roles",
    operation_id="getKeySelf",
    openapi_extra={"security": docs.KEY_REQUIRED},
    responses={
        **docs.ok(
            KeySelf,
            "The key that authenticated the request",
            {
                "id": "3f2a9c0d1e4b5a67",
                "provider": "qd-emc",
                "indicators": ["air.*"],
                "sources": ["qd-station-*"],
                "roles": ["ingest"],
                "created_at": "2026-11-01T09:30:00+00:00",
            },
        ),
        **docs.problems("unauthenticated", "key-store-unavailable"),
    },
)
async def key_self(request: Request) -> Response:
    state: ApiState = request.app.state.ontrack
    try:
        key = await state.keys.authenticate(token_from(request.headers), None)
    except AuthError as exc:
        state.metrics.auth_failures.labels(exc.reason).inc()
        return auth_problem(exc)
    return FastJSON(
        {
            "id": key.id,
            "provider": key.provider,
            "indicators": list(key.scope.indicators),
            "sources": list(key.scope.sources),
            "roles": list(key.roles),
            "created_at": key.created_at.isoformat(),
        }
    )

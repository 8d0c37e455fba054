"""Who is calling: the API key of a request, checked against ``api_keys`` through a cache."""

from __future__ import annotations

from collections.abc import Callable

import psycopg
from fastapi import Request
from psycopg_pool import AsyncConnectionPool
from starlette.datastructures import Headers

from services.api.contract.problems import FastJSON, problem
from services.auth import ApiKey, AuthError, AuthUnavailable, KeyCache
from services.storage import find_key, touch_key

__all__ = ["auth_problem", "key_cache", "require_reader", "token_from"]

_SLUGS = {401: "unauthenticated", 403: "forbidden", 503: "key-store-unavailable"}


def token_from(headers: Headers) -> str | None:
    """The token of ``Authorization: Bearer <token>``, or of ``X-API-Key: <token>``."""
    authorization = headers.get("authorization")
    if authorization:
        scheme, _, token = authorization.strip().partition(" ")
        return token.strip() if scheme.lower() == "bearer" else None
    key = headers.get("x-api-key")
    return key.strip() if key else None


def key_cache(pool: Callable[[], AsyncConnectionPool | None], ttl: float) -> KeyCache:
    """A KeyCache reading ``api_keys`` through the API's pool (given late: it opens at start-up)."""

    def open_pool() -> AsyncConnectionPool:
        found = pool()
        if found is None:
            raise AuthUnavailable("the API is starting; retry in a few seconds")
        return found

    async def fetch(key_id: str) -> ApiKey | None:
        try:
            async with open_pool().connection(timeout=5.0) as conn:
                return await find_key(conn, key_id)
        except psycopg.Error as exc:
            raise AuthUnavailable(
                f"the API keys cannot be checked right now ({str(exc).strip()}); "
                "retry in a few seconds"
            ) from exc

    async def touch(key_id: str) -> None:
        async with open_pool().connection(timeout=5.0) as conn:
            await touch_key(conn, key_id)

    return KeyCache(fetch, touch, ttl=ttl)


def auth_problem(exc: AuthError) -> FastJSON:
    """The answer refusing a request for its key: 401, 403 or 503 (retry)."""
    headers: dict[str, str] = {}
    if exc.status == 401:
        headers["WWW-Authenticate"] = 'Bearer realm="ontrack"'
    return problem(_SLUGS.get(exc.status, "unauthenticated"), str(exc), headers=headers)


async def require_reader(request: Request) -> None:
    """Reads (series, targets, alerts) are open, so that the links in notifications open;
    with ``public_reads`` off they need a valid key (any role). Raises an AuthError."""
    state = request.app.state.ontrack
    if not state.settings.public_reads:
        await state.keys.authenticate(token_from(request.headers), None)

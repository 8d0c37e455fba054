"""The ``api_keys`` table: store, find, list, revoke and mark keys as used."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from psycopg import AsyncConnection

from services.auth import ApiKey, Scope

__all__ = ["find_key", "insert_key", "list_keys", "revoke_key", "touch_key"]

Conn = AsyncConnection[Any]

_INSERT = """
INSERT INTO api_keys (id, hash, provider, indicators, sources, roles, note)
VALUES (%s, %s, %s, %s, %s, %s, %s)
RETURNING id, hash, provider, indicators, sources, roles, created_at, revoked_at,
          last_used_at, note
"""

_FIND = """
SELECT id, hash, provider, indicators, sources, roles, created_at, revoked_at, last_used_at, note
FROM api_keys WHERE id = %s
"""

_LIST = """
SELECT id, hash, provider, indicators, sources, roles, created_at, revoked_at, last_used_at, note
FROM api_keys
WHERE (%(provider)s::text IS NULL OR provider = %(provider)s)
  AND (%(all)s OR revoked_at IS NULL)
ORDER BY provider, created_at
"""

_REVOKE = """
UPDATE api_keys SET revoked_at = now() WHERE id = %s AND revoked_at IS NULL
RETURNING id, hash, provider, indicators, sources, roles, created_at, revoked_at,
          last_used_at, note
"""

_TOUCH = """
UPDATE api_keys SET last_used_at = now()
WHERE id = %s AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')
"""


def _key(row: Sequence[Any]) -> ApiKey:
    key_id, hash_, provider, indicators, sources, roles, created, revoked, used, note = row
    return ApiKey(
        id=key_id,
        hash=bytes(hash_),
        provider=provider,
        scope=Scope(tuple(indicators), tuple(sources)),
        roles=tuple(roles),
        created_at=created,
        revoked_at=revoked,
        last_used_at=used,
        note=note,
    )


async def insert_key(
    conn: Conn,
    key_id: str,
    hash_: bytes,
    provider: str,
    scope: Scope,
    roles: Sequence[str],
    note: str | None = None,
) -> ApiKey:
    params = (key_id, hash_, provider, list(scope.indicators), list(scope.sources), list(roles))
    cur = await conn.execute(_INSERT, (*params, note))
    row = await cur.fetchone()
    assert row is not None
    return _key(row)


async def find_key(conn: Conn, key_id: str) -> ApiKey | None:
    cur = await conn.execute(_FIND, [key_id])
    row = await cur.fetchone()
    return _key(row) if row is not None else None


async def list_keys(
    conn: Conn, *, provider: str | None = None, include_revoked: bool = False
) -> list[ApiKey]:
    cur = await conn.execute(_LIST, {"provider": provider, "all": include_revoked})
    return [_key(row) for row in await cur.fetchall()]


async def revoke_key(conn: Conn, key_id: str) -> ApiKey | None:
    """Revoke a key; the revoked key, or None if there is no such active key."""
    cur = await conn.execute(_REVOKE, [key_id])
    row = await cur.fetchone()
    return _key(row) if row is not None else None


async def touch_key(conn: Conn, key_id: str) -> None:
    """Record that a key was used (the row changes at most once a minute)."""
    await conn.execute(_TOUCH, [key_id])

"""The async connection pool every service uses."""

from __future__ import annotations

import psycopg
from psycopg_pool import AsyncConnectionPool

__all__ = ["connect_pool", "database_answers", "open_pool"]

CONNECT_TIMEOUT = 5  # seconds; libpq's connect_timeout (a refused connection fails at once)


async def open_pool(
    dsn: str, *, min_size: int = 1, max_size: int = 8, name: str = "ontrack"
) -> AsyncConnectionPool:
    pool = AsyncConnectionPool(
        dsn,
        min_size=min_size,
        max_size=max_size,
        name=name,
        open=False,
        kwargs={"application_name": name},
        timeout=10.0,
    )
    await pool.open(wait=False)
    return pool


async def connect_pool(
    dsn: str, *, min_size: int = 1, max_size: int = 8, name: str = "ontrack"
) -> AsyncConnectionPool:
    """A pool for work that needs the database now (a command, a service starting): one
    connection is made first, so a server that cannot be reached is a psycopg
    OperationalError saying why at once, not a PoolTimeout after the pool's ten seconds.
    (Services that keep running through an outage open theirs with :func:`open_pool`.)"""
    probe = await psycopg.AsyncConnection.connect(
        dsn, connect_timeout=CONNECT_TIMEOUT, application_name=name
    )
    await probe.close()
    return await open_pool(dsn, min_size=min_size, max_size=max_size, name=name)


async def database_answers(pool: AsyncConnectionPool | None, within: float = 2.0) -> bool:
    """Whether the database answers ``SELECT 1`` through ``pool`` within ``within`` seconds
    (the readiness of the services that need it)."""
    if pool is None:
        return False
    try:
        async with pool.connection(timeout=within) as conn:
            await conn.execute("SELECT 1")
    except Exception:  # noqa: BLE001 - any failure means "does not answer"
        return False
    return True

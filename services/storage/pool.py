"""The async connection pool every service uses."""

from __future__ import annotations

from psycopg_pool import AsyncConnectionPool

__all__ = ["open_pool"]


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

"""The async connection pool every service uses."""

from __future__ import annotations

from psycopg_pool import AsyncConnectionPool

__all__ = ["database_answers", "open_pool"]


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

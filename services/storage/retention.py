"""Raw-data retention: drop whole chunks of ``observations`` older than the horizon.

TimescaleDB's Apache edition has ``drop_chunks`` but no retention-policy jobs, so the stream
workers call this on a schedule; an advisory lock lets one worker at a time do it. The
rollups are kept forever.
"""

from __future__ import annotations

from datetime import timedelta

from psycopg_pool import AsyncConnectionPool

__all__ = ["drop_old_chunks"]

_LOCK_KEY = 0x6F6E74726574  # "ontret"


async def drop_old_chunks(pool: AsyncConnectionPool, older_than: timedelta) -> list[str]:
    """Drop the chunks whose data is all older than ``older_than``; return their names."""
    async with pool.connection() as conn, conn.transaction():
        got = await (
            await conn.execute("SELECT pg_try_advisory_xact_lock(%s)", [_LOCK_KEY])
        ).fetchone()
        if not got or not got[0]:
            return []  # another worker is at it
        cur = await conn.execute(
            "SELECT drop_chunks('observations', older_than => now() - %s::interval)", [older_than]
        )
        return [str(r[0]) for r in await cur.fetchall()]

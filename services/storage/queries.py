"""Read queries shared by the API and the CLI."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from psycopg_pool import AsyncConnectionPool

__all__ = ["Observation", "read_series"]

_SERIES = """
SELECT ts, value, region, labels, reading_id, raw_value, raw_unit, received_at, stored_at
FROM observations
WHERE indicator = %(indicator)s AND source = %(source)s
  AND ts >= %(start)s AND ts < %(end)s
ORDER BY ts DESC
LIMIT %(limit)s
"""


@dataclass(frozen=True, slots=True)
class Observation:
    ts: datetime
    value: float
    region: str | None
    labels: dict[str, str]
    id: str | None
    raw_value: float | None
    raw_unit: str | None
    received_at: datetime
    stored_at: datetime


async def read_series(
    pool: AsyncConnectionPool,
    indicator: str,
    source: str,
    start: datetime,
    end: datetime,
    limit: int,
) -> list[Observation]:
    """The newest ``limit`` observations of one series in [start, end), oldest first."""
    params = {"indicator": indicator, "source": source, "start": start, "end": end, "limit": limit}
    async with pool.connection() as conn:
        cur = await conn.execute(_SERIES, params)
        rows = await cur.fetchall()
    return [Observation(*row) for row in reversed(rows)]

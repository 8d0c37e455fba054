"""Mirror the indicator catalogue into the ``indicators`` table, which SQL (rollups, views) joins."""

from __future__ import annotations

from psycopg_pool import AsyncConnectionPool

from services.indicators.catalogue import Catalogue

__all__ = ["sync_catalogue"]

_UPSERT = """
INSERT INTO indicators (id, name, name_zh, family, unit, kind, combine, cadence, derived,
                        range_min, range_max)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s::interval, %s, %s, %s)
ON CONFLICT (id) DO UPDATE SET
    name = EXCLUDED.name, name_zh = EXCLUDED.name_zh, family = EXCLUDED.family,
    unit = EXCLUDED.unit, kind = EXCLUDED.kind, combine = EXCLUDED.combine,
    cadence = EXCLUDED.cadence, derived = EXCLUDED.derived, range_min = EXCLUDED.range_min,
    range_max = EXCLUDED.range_max, updated_at = now()
WHERE (indicators.name, indicators.name_zh, indicators.family, indicators.unit, indicators.kind,
       indicators.combine, indicators.cadence, indicators.derived, indicators.range_min,
       indicators.range_max)
      IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.name_zh, EXCLUDED.family, EXCLUDED.unit,
                        EXCLUDED.kind, EXCLUDED.combine, EXCLUDED.cadence, EXCLUDED.derived,
                        EXCLUDED.range_min, EXCLUDED.range_max)
"""


async def sync_catalogue(pool: AsyncConnectionPool, catalogue: Catalogue) -> None:
    rows = [
        (i.id, i.name, i.name_zh, i.family, i.unit, i.kind, i.combine, i.cadence, i.derived,
         i.range.min, i.range.max)
        for i in catalogue
    ]  # fmt: skip
    async with pool.connection() as conn, conn.cursor() as cur:
        await cur.executemany(_UPSERT, rows)

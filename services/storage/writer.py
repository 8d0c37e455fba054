"""Store readings: COPY a batch into a staging table, then one upsert on (indicator, source, ts).

A redelivered batch changes nothing (rows whose value did not change are not touched); a
revised value replaces the old one. ``write`` returns the keys of rows that changed.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import orjson
import psycopg
from psycopg_pool import AsyncConnectionPool

from services.indicators.readings import Reading
from services.storage.errors import StorageError, StorageUnavailable

__all__ = ["ChangedRow", "ObservationWriter", "Received"]

ChangedRow = tuple[str, str, datetime]
Received = tuple[Reading, datetime]  # a reading and when ingest accepted it

_STAGE = """
CREATE TEMP TABLE IF NOT EXISTS observations_stage (
    seq bigint, indicator text, source text, ts timestamptz, value double precision,
    region text, labels jsonb, reading_id text, raw_value double precision, raw_unit text,
    received_at timestamptz
) ON COMMIT DELETE ROWS
"""

_COPY = (
    "COPY observations_stage (seq, indicator, source, ts, value, region, labels, reading_id,"
    " raw_value, raw_unit, received_at) FROM STDIN"
)

_UPSERT = """
INSERT INTO observations AS o
    (indicator, source, ts, value, region, labels, reading_id, raw_value, raw_unit, received_at)
SELECT DISTINCT ON (indicator, source, ts)
    indicator, source, ts, value, region, labels, reading_id, raw_value, raw_unit, received_at
FROM observations_stage
ORDER BY indicator, source, ts, seq DESC
ON CONFLICT (indicator, source, ts) DO UPDATE SET
    value = EXCLUDED.value, region = EXCLUDED.region, labels = EXCLUDED.labels,
    reading_id = EXCLUDED.reading_id, raw_value = EXCLUDED.raw_value,
    raw_unit = EXCLUDED.raw_unit, received_at = EXCLUDED.received_at, stored_at = now()
WHERE (o.value, o.region, o.labels) IS DISTINCT FROM (EXCLUDED.value, EXCLUDED.region, EXCLUDED.labels)
RETURNING o.indicator, o.source, o.ts
"""


class ObservationWriter:
    """Writes batches of readings in one transaction each."""

    def __init__(self, pool: AsyncConnectionPool) -> None:
        self.pool = pool

    async def write(self, batch: Sequence[Received]) -> list[ChangedRow]:
        if not batch:
            return []
        try:
            async with self.pool.connection() as conn, conn.transaction():
                await conn.execute(_STAGE)
                async with conn.cursor() as cur:
                    async with cur.copy(_COPY) as copy:
                        for seq, (reading, received_at) in enumerate(batch):
                            await copy.write_row(_row(seq, reading, received_at))
                    await cur.execute(_UPSERT)
                    return [(str(a), str(b), c) for a, b, c in await cur.fetchall()]
        except (psycopg.OperationalError, psycopg.errors.AdminShutdown) as exc:
            raise StorageUnavailable(f"database unavailable: {str(exc).strip()}") from exc
        except psycopg.Error as exc:
            raise StorageError(f"storing {len(batch)} readings failed: {exc}") from exc


def _row(seq: int, r: Reading, received_at: datetime) -> tuple[object, ...]:
    labels = orjson.dumps(dict(r.labels)).decode() if r.labels else "{}"
    return (
        seq,
        r.indicator,
        r.source,
        r.ts,
        r.value,
        r.region,
        labels,
        r.id,
        r.raw_value,
        r.raw_unit,
        received_at,
    )

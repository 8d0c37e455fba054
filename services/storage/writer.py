"""Store readings: COPY a batch into a staging table, one upsert on (indicator, source, ts),
then refresh the rollups the changed rows touch — all in one transaction.

A redelivered batch changes nothing (rows whose value did not change are not touched); a
revised value replaces the old one and its rollups follow. ``write`` reports which series
changed and over which time span, for the ``aggregates`` topic.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import orjson
import psycopg
from psycopg_pool import AsyncConnectionPool

from services.indicators.readings import Reading
from services.storage import rollups
from services.storage.errors import StorageError, StorageUnavailable

__all__ = ["ObservationWriter", "Received", "SeriesChange"]

Received = tuple[Reading, datetime]  # a reading and when ingest accepted it


@dataclass(frozen=True, slots=True)
class SeriesChange:
    """Rows of one series inserted or revised by a write, and the span of their timestamps."""

    indicator: str
    source: str
    rows: int
    first_ts: datetime
    last_ts: datetime


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
WITH up AS (
    INSERT INTO observations AS o
        (indicator, source, ts, value, region, labels, reading_id, raw_value, raw_unit,
         received_at)
    SELECT DISTINCT ON (indicator, source, ts)
        indicator, source, ts, value, region, labels, reading_id, raw_value, raw_unit,
        received_at
    FROM observations_stage
    ORDER BY indicator, source, ts, seq DESC
    ON CONFLICT (indicator, source, ts) DO UPDATE SET
        value = EXCLUDED.value, region = EXCLUDED.region, labels = EXCLUDED.labels,
        reading_id = EXCLUDED.reading_id, raw_value = EXCLUDED.raw_value,
        raw_unit = EXCLUDED.raw_unit, received_at = EXCLUDED.received_at, stored_at = now()
    WHERE (o.value, o.region, o.labels)
          IS DISTINCT FROM (EXCLUDED.value, EXCLUDED.region, EXCLUDED.labels)
    RETURNING o.indicator, o.source, o.ts, coalesce(o.labels->>'arrives_as' = 'increment', false)
)
INSERT INTO changed_keys (indicator, source, ts, increment) SELECT * FROM up
"""

_SUMMARY = """
SELECT indicator, source, count(*), min(ts), max(ts) FROM changed_keys GROUP BY indicator, source
"""


class ObservationWriter:
    """Writes batches of readings, and their rollups, in one transaction each."""

    def __init__(self, pool: AsyncConnectionPool, *, calendar_tz: str = "Asia/Shanghai") -> None:
        self.pool = pool
        self.calendar_tz = calendar_tz

    async def write(self, batch: Sequence[Received]) -> list[SeriesChange]:
        if not batch:
            return []
        try:
            async with self.pool.connection() as conn, conn.transaction():
                return await self._write(conn, batch)
        except (psycopg.OperationalError, psycopg.errors.AdminShutdown) as exc:
            raise StorageUnavailable(f"database unavailable: {str(exc).strip()}") from exc
        except psycopg.Error as exc:
            raise StorageError(f"storing {len(batch)} readings failed: {exc}") from exc

    async def _write(
        self, conn: psycopg.AsyncConnection[tuple[object, ...]], batch: Sequence[Received]
    ) -> list[SeriesChange]:
        async with conn.cursor() as cur:
            # Calendar arithmetic (bucket + '1 month') must happen in the plans' time zone.
            await cur.execute("SELECT set_config('TimeZone', %s, true)", [self.calendar_tz])
            await cur.execute(_STAGE)
            await cur.execute(rollups.CHANGED_KEYS)
            async with cur.copy(_COPY) as copy:
                for seq, (reading, received_at) in enumerate(batch):
                    await copy.write_row(_row(seq, reading, received_at))
            await cur.execute(_UPSERT)
            await cur.execute(_SUMMARY)
            summary = [
                SeriesChange(str(a), str(b), int(str(n)), t0, t1)  # type: ignore[arg-type]
                for a, b, n, t0, t1 in await cur.fetchall()
            ]
            if summary:
                await rollups.refresh(cur, self.calendar_tz)
        return summary


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

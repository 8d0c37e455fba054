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
from sys import intern

import orjson
import psycopg
from psycopg_pool import AsyncConnectionPool

from services.indicators.city import CITY_TZ_NAME
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


# Labels are staged as text (binary COPY of jsonb would need them as Python objects) and
# cast once in the upsert.
_STAGE = """
CREATE TEMP TABLE IF NOT EXISTS observations_stage_b (
    seq bigint, indicator text, source text, ts timestamptz, value double precision,
    region text, labels text, reading_id text, raw_value double precision, raw_unit text,
    received_at timestamptz
) ON COMMIT DELETE ROWS
"""

_COPY = (
    "COPY observations_stage_b (seq, indicator, source, ts, value, region, labels, reading_id,"
    " raw_value, raw_unit, received_at) FROM STDIN (FORMAT BINARY)"
)
_COPY_TYPES = (
    "int8", "text", "text", "timestamptz", "float8", "text", "text", "text", "float8", "text",
    "timestamptz",
)  # fmt: skip

_UPSERT = """
WITH up AS (
    INSERT INTO observations AS o
        (indicator, source, ts, value, region, labels, reading_id, raw_value, raw_unit,
         received_at)
    SELECT DISTINCT ON (indicator, source, ts)
        indicator, source, ts, value, region, labels::jsonb, reading_id, raw_value, raw_unit,
        received_at
    FROM observations_stage_b
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

    def __init__(self, pool: AsyncConnectionPool, *, calendar_tz: str = CITY_TZ_NAME) -> None:
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
                copy.set_types(_COPY_TYPES)
                for seq, (reading, received_at) in enumerate(batch):
                    await copy.write_row(_row(seq, reading, received_at))
            await cur.execute(_UPSERT)
            await cur.execute(_SUMMARY)
            summary = await _changes(cur)
            if summary:
                await rollups.refresh(cur, self.calendar_tz)
        return summary


async def _changes(cur: psycopg.AsyncCursor[tuple[object, ...]]) -> list[SeriesChange]:
    """The summary rows as changes, a few thousand rows at a time (not a list of every row
    besides them): names interned, equal instants shared — the summary has a row per
    series of the batch."""
    instants: dict[datetime, datetime] = {}
    out = []
    while rows := await cur.fetchmany(2000):
        for indicator, source, n, t0, t1 in rows:
            assert isinstance(t0, datetime) and isinstance(t1, datetime)
            first = instants.setdefault(t0, t0)
            last = instants.setdefault(t1, t1)
            out.append(SeriesChange(intern(str(indicator)), str(source), int(str(n)), first, last))
    return out


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

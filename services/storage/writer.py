"""Store readings: COPY a batch into a staging table, one statement that upserts it on
(indicator, source, ts) and merges what it inserted into the rollups, then the rollups that
cannot be merged and the city rows — all in one transaction.

A redelivered batch changes nothing (rows whose value did not change are not touched); a
revised value replaces the old one and its rollups follow. ``write`` reports which series
changed and over which time span, for the ``aggregates`` topic.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import repeat
from sys import intern
from zoneinfo import ZoneInfo

import orjson
import psycopg
from psycopg_pool import AsyncConnectionPool

from services.indicators.city import CITY_TZ_NAME
from services.indicators.columns import ReadingColumns
from services.indicators.readings import Reading
from services.storage import rollups
from services.storage.errors import ReadingsRefused, StorageError, StorageUnavailable
from services.storage.ytd import year_to_date

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
# cast once in the upsert; a raw value equal to the value is staged as NULL.
_STAGE = """
CREATE TEMP TABLE IF NOT EXISTS observations_stage_d (
    seq bigint, indicator text, source text, ts timestamptz, value double precision,
    region text, labels text, reading_id text, raw_value double precision, raw_unit text,
    received_at timestamptz, cumulative double precision
) ON COMMIT DELETE ROWS
"""

_COPY = (
    "COPY observations_stage_d (seq, indicator, source, ts, value, region, labels, reading_id,"
    " raw_value, raw_unit, received_at, cumulative) FROM STDIN (FORMAT BINARY)"
)
_COPY_TYPES = (
    "int8", "text", "text", "timestamptz", "float8", "text", "text", "text", "float8", "text",
    "timestamptz", "float8",
)  # fmt: skip


# For this transaction: calendar arithmetic (bucket + '1 month', date_trunc) in the plans'
# time zone; memory for the hash tables of a batch (the aggregate ``last`` is counted at 8 kB a
# group: with the default 4 MB, a batch of 20 000 readings spills to disk); no JIT compilation
# (its compiling took a fifth of the server's time for a batch, and saved nothing).
_SETTINGS = """
SELECT set_config('TimeZone', %s, true), set_config('work_mem', '256MB', true),
       set_config('jit', 'off', true)
"""


# A batch at least this large is written as two halves, split by series, each in its own
# transaction on its own connection, then the city rows of every bucket it touched in a third:
# a backlog drains on two of the database's cores instead of one (docs/performance.md). The
# halves touch no row in common (a series' rows and rollups are all in one half); a half
# stored before a failure changes nothing when the batch comes again, and the city rows are
# recomputed from every bucket the batch holds, changed or not, so they are right again too.
SPLIT_ABOVE = 20_000
# Below this many readings, a batch's hours are merged by the upsert without first looking up
# each series' latest hour (live feeds add to hours that exist: 500 look-ups a batch for
# nothing, a sixth of the statement for a batch of 600 readings over 500 stations).
FRONTIER_ABOVE = 2_000


class ObservationWriter:
    """Writes batches of readings, and their rollups, in one transaction each (a large one
    in two halves and a third transaction for the city rows)."""

    def __init__(self, pool: AsyncConnectionPool, *, calendar_tz: str = CITY_TZ_NAME) -> None:
        self.pool = pool
        self.calendar_tz = calendar_tz
        self.zone = ZoneInfo(calendar_tz)

    async def write(self, batch: ReadingColumns | Sequence[Received]) -> list[SeriesChange]:
        """Store ``batch`` (columns, or readings each with when it was received)."""
        columns = batch if isinstance(batch, ReadingColumns) else ReadingColumns.of(batch)
        if not len(columns):
            return []
        try:
            if len(columns) >= SPLIT_ABOVE and self.pool.max_size >= 2:
                return await self._write_halves(columns)
            async with self.pool.connection() as conn, conn.transaction():
                return await self._write(conn, columns)
        except ReadingsRefused:
            raise
        except (psycopg.OperationalError, psycopg.errors.AdminShutdown) as exc:
            raise StorageUnavailable(f"database unavailable: {str(exc).strip()}") from exc
        except psycopg.Error as exc:
            raise StorageError(f"storing {len(columns)} readings failed: {exc}") from exc

    async def _write(
        self, conn: psycopg.AsyncConnection[tuple[object, ...]], batch: ReadingColumns
    ) -> list[SeriesChange]:
        async with conn.cursor() as cur:
            summary, recompute = await self._merge(conn, cur, batch)
            if summary:
                if recompute:
                    await rollups.recompute(cur)
                await rollups.city(cur)
        return summary

    async def _merge(
        self,
        conn: psycopg.AsyncConnection[tuple[object, ...]],
        cur: psycopg.AsyncCursor[tuple[object, ...]],
        batch: ReadingColumns,
    ) -> tuple[list[SeriesChange], bool]:
        """Stage the batch and run its statement: the changes, and whether some bucket is
        left to recompute."""
        await cur.execute(_SETTINGS, [self.calendar_tz])
        await cur.execute(_STAGE)
        await cur.execute(rollups.CHANGED)
        cumulative: Iterable[float | None] = repeat(None)
        ytd = await year_to_date(cur, batch, self.zone)
        if ytd is not None:
            batch, cumulative = ytd.readings, ytd.cumulative
        async with cur.copy(_COPY) as copy:
            copy.set_types(_COPY_TYPES)
            for row in _rows(batch, cumulative):
                await copy.write_row(row)
        insert = rollups.INSERT_BATCH if len(batch) >= FRONTIER_ABOVE else rollups.INSERT_FEW
        try:
            async with conn.transaction():  # a savepoint: all new, or none of it
                await cur.execute(insert)
        except psycopg.errors.UniqueViolation:
            await cur.execute(rollups.MERGE_BATCH)
        return await _changes(cur)

    async def _write_halves(self, batch: ReadingColumns) -> list[SeriesChange]:
        halves = [h for h in _halves(batch) if h]
        done = await asyncio.gather(
            *(self._write_half(batch.pick(rows)) for rows in halves), return_exceptions=True
        )
        refused = [
            (rows[i], reason)
            for rows, result in zip(halves, done, strict=True)
            if isinstance(result, ReadingsRefused)
            for i, reason in result.refusals
        ]
        if refused:
            raise ReadingsRefused(sorted(refused))
        for result in done:
            if isinstance(result, BaseException):
                raise result
        summary: list[SeriesChange] = []
        touched: list[tuple[object, ...]] = []
        for changes, buckets in done:  # type: ignore[misc]
            summary += changes
            touched += buckets
        async with self.pool.connection() as conn, conn.transaction(), conn.cursor() as cur:
            await cur.execute(_SETTINGS, [self.calendar_tz])
            await cur.execute(rollups.CHANGED)
            await cur.execute(
                rollups.NOTE_BUCKETS, [[t[0] for t in touched], [t[1] for t in touched]]
            )
            await rollups.city(cur)
        return summary

    async def _write_half(
        self, batch: ReadingColumns
    ) -> tuple[list[SeriesChange], list[tuple[object, ...]]]:
        """One half: its rows and source rollups; every hour bucket it holds (for the city)."""
        async with self.pool.connection() as conn, conn.transaction(), conn.cursor() as cur:
            summary, recompute = await self._merge(conn, cur, batch)
            if recompute:
                await rollups.recompute(cur)
            await cur.execute(rollups.STAGED_BUCKETS)
            return summary, await cur.fetchall()


def _halves(batch: ReadingColumns) -> tuple[list[int], list[int]]:
    """The positions of the batch in two halves, every series in one of them."""
    sides = [hash(key) & 1 for key in zip(batch.indicator, batch.source, strict=True)]
    return (
        [i for i, side in enumerate(sides) if not side],
        [i for i, side in enumerate(sides) if side],
    )


def _rows(b: ReadingColumns, cumulative: Iterable[float | None]) -> Iterable[tuple[object, ...]]:
    """The COPY rows of a batch, made as they are sent."""
    labels: Iterable[str | None] = (
        repeat(None) if not any(b.labels) else [_json(x) for x in b.labels]
    )
    region: Iterable[str | None] = repeat(None) if not any(b.region) else b.region
    ids: Iterable[str | None] = repeat(None) if not any(b.reading_id) else b.reading_id
    return zip(
        range(len(b)),
        b.indicator,
        b.source,
        b.ts,
        b.value,
        region,
        labels,
        ids,
        b.raw_value,
        b.raw_unit,
        b.received_at,
        cumulative,
        strict=False,  # the constant columns repeat without end
    )


def _json(labels: Mapping[str, str] | None) -> str | None:
    return None if labels is None else orjson.dumps(dict(labels)).decode()


async def _changes(
    cur: psycopg.AsyncCursor[tuple[object, ...]],
) -> tuple[list[SeriesChange], bool]:
    """The summary rows as changes, a few thousand rows at a time (not a list of every row
    besides them): names interned, equal instants shared — the summary has a row per
    series of the batch; and whether some bucket is left to recompute."""
    instants: dict[datetime, datetime] = {}
    out = []
    recompute = False
    while rows := await cur.fetchmany(2000):
        for indicator, source, n, t0, t1, again in rows:
            assert isinstance(t0, datetime) and isinstance(t1, datetime)
            first = instants.setdefault(t0, t0)
            last = instants.setdefault(t1, t1)
            out.append(SeriesChange(intern(str(indicator)), str(source), int(str(n)), first, last))
            recompute = recompute or bool(again)
    return out, recompute

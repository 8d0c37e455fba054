"""Year-to-date readings of a batch into flows, against what is stored (same transaction).

For every series and calendar year a batch brings year-to-date totals for (label
``arrives_as=ytd``), the writer locks that series-year (a transaction-scoped advisory lock:
two workers never difference the same year at once), reads its stored totals and flows, and
lets ``services.indicators.ytd.difference`` decide: each figure's value becomes its flow and
its total is kept (``cumulative``); a stored figure whose flow changes (the one after a late
or revised figure) is written again with its new flow, everything else of it as stored; a
figure whose flow would be implausible is refused (``ReadingsRefused``: nothing is stored, the
stream dead-letters it and writes the rest). The rows that change then go through the
writer's upsert like any other, and their rollups follow.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from typing import cast

from psycopg import AsyncCursor

from services.indicators.columns import ReadingColumns
from services.indicators.readings import ARRIVES_AS_LABEL
from services.indicators.ytd import Describe, Plausible, difference, year_of
from services.storage.errors import ReadingsRefused

__all__ = ["YTD", "Ytd", "year_to_date"]

YTD = "ytd"

# The stored figures of the series-years concerned: each series and year read by its key
# (a LATERAL look-up per pair), in order.
_STORED = """
SELECT k.indicator, k.source, o.ts, o.cumulative, o.value, o.region, o.labels, o.reading_id,
       o.raw_value, o.raw_unit, o.received_at
FROM unnest(%(indicators)s::text[], %(sources)s::text[], %(starts)s::timestamptz[],
            %(ends)s::timestamptz[]) AS k (indicator, source, start, stop)
CROSS JOIN LATERAL (
    SELECT * FROM observations o
    WHERE o.indicator = k.indicator AND o.source = k.source
      AND o.ts >= k.start AND o.ts < k.stop AND o.cumulative IS NOT NULL
    OFFSET 0
) o
"""

_INDICATORS = """
SELECT id, range_min, range_max, unit, extract(epoch FROM cadence) FROM indicators
WHERE id = ANY(%s)
"""

_LOCK = "SELECT pg_advisory_xact_lock(hashtextextended(k, 20)) FROM unnest(%s::text[]) AS k"


@dataclass(slots=True)
class Ytd:
    """A batch whose year-to-date figures are flows now, with their totals (``cumulative``,
    None for every other reading); stored figures whose flow changed are appended."""

    readings: ReadingColumns
    cumulative: list[float | None]


async def year_to_date(
    cur: AsyncCursor[tuple[object, ...]], batch: ReadingColumns, tz: tzinfo
) -> Ytd | None:
    """The batch with its year-to-date figures differenced; None if it has none. Raises
    ReadingsRefused (positions in ``batch``) for figures whose flow would be implausible."""
    if not any(batch.labels):  # the usual batch: no labels at all
        return None
    positions = [
        i for i, labels in enumerate(batch.labels) if labels and labels.get(ARRIVES_AS_LABEL) == YTD
    ]
    if not positions:
        return None
    incoming: dict[tuple[str, str], list[int]] = defaultdict(list)
    for i in positions:
        incoming[(batch.indicator[i], batch.source[i])].append(i)
    years = sorted(
        {
            (ind, src, year_of(batch.ts[i], tz))
            for (ind, src), rows in incoming.items()
            for i in rows
        }
    )
    await cur.execute(_LOCK, [[f"ytd/{ind}/{src}/{y}" for ind, src, y in years]])
    stored = await _stored(cur, years, tz)
    await cur.execute(_INDICATORS, [sorted({ind for ind, _ in incoming})])
    known = {
        str(ind): (
            Plausible(
                _bound(low, -math.inf),
                _bound(high, math.inf),
                timedelta(seconds=float(period)),  # type: ignore[arg-type]
            ),
            str(unit),
        )
        for ind, low, high, unit, period in await cur.fetchall()
    }
    out = Ytd(batch.take(0, len(batch)), [None] * len(batch))
    keep = [True] * len(batch)
    for i in positions:
        keep[i] = False  # each figure taken is put back with its flow
    refused: list[tuple[int, str]] = []
    for (ind, src), rows in incoming.items():
        mine = stored.get((ind, src), {})
        plausible, unit = known.get(ind, (Plausible(-math.inf, math.inf), ""))
        got = difference(
            {ts: (row.total, row.flow) for ts, row in mine.items()},
            [(batch.ts[i], batch.value[i]) for i in rows],
            plausible=plausible,
            tz=tz,
            describe=Describe(f"{ind}/{src}", unit, tz),
        )
        refused += [(rows[r.position], r.reason) for r in got.refused]
        for position, flow in got.flows.items():
            i = rows[position]
            keep[i] = True
            out.cumulative[i] = batch.value[i]
            raw = batch.raw_value[i]
            out.readings.raw_value[i] = batch.value[i] if raw is None else raw
            out.readings.value[i] = flow
        for ts, flow in got.revised.items():
            _append(out, mine[ts], ind, src, ts, flow)
    if refused:
        raise ReadingsRefused(sorted(refused))
    if not all(keep):
        kept = [i for i, k in enumerate(keep) if k] + list(range(len(batch), len(out.cumulative)))
        out = Ytd(out.readings.pick(kept), [out.cumulative[i] for i in kept])
    return out


@dataclass(frozen=True, slots=True)
class _Row:
    total: float
    flow: float
    region: str | None
    labels: dict[str, str]
    reading_id: str | None
    raw_value: float | None
    raw_unit: str | None
    received_at: datetime


async def _stored(
    cur: AsyncCursor[tuple[object, ...]], years: Sequence[tuple[str, str, int]], tz: tzinfo
) -> dict[tuple[str, str], dict[datetime, _Row]]:
    starts = [datetime(y, 1, 1, tzinfo=tz) for _, _, y in years]
    ends = [datetime(y + 1, 1, 1, tzinfo=tz) for _, _, y in years]
    await cur.execute(
        _STORED,
        {
            "indicators": [ind for ind, _, _ in years],
            "sources": [src for _, src, _ in years],
            "starts": starts,
            "ends": ends,
        },
    )
    out: dict[tuple[str, str], dict[datetime, _Row]] = defaultdict(dict)
    for (
        ind,
        src,
        ts,
        total,
        flow,
        region,
        labels,
        rid,
        raw,
        raw_unit,
        received,
    ) in await cur.fetchall():
        assert isinstance(ts, datetime) and isinstance(received, datetime)
        out[(str(ind), str(src))][ts] = _Row(
            float(total),  # type: ignore[arg-type]
            float(flow),  # type: ignore[arg-type]
            region,  # type: ignore[arg-type]
            dict(labels),  # type: ignore[call-overload]
            rid,  # type: ignore[arg-type]
            raw,  # type: ignore[arg-type]
            raw_unit,  # type: ignore[arg-type]
            received,
        )
    return out


def _append(out: Ytd, row: _Row, ind: str, src: str, ts: datetime, flow: float) -> None:
    """A stored figure again, with its new flow and everything else as stored."""
    c = out.readings
    c.indicator.append(ind)
    c.source.append(src)
    c.ts.append(ts)
    c.value.append(flow)
    c.region.append(row.region)
    c.labels.append(row.labels)
    c.reading_id.append(row.reading_id)
    c.raw_value.append(row.total if row.raw_value is None else row.raw_value)
    c.raw_unit.append(cast(str, row.raw_unit))  # None stays NULL
    c.received_at.append(row.received_at)
    out.cumulative.append(row.total)


def _bound(value: object, default: float) -> float:
    return default if value is None else float(value)  # type: ignore[arg-type]

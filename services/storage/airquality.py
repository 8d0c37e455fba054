"""Read the day's pollutant concentrations from the rollups; store the derived daily AQI."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

import orjson
from psycopg import AsyncConnection

from services.indicators.aqi import DAILY_BREAKPOINTS, DailyAqi

__all__ = ["DayInputs", "day_inputs", "store_days"]

POLLUTANTS = tuple(DAILY_BREAKPOINTS)
MIN_HOURS = 20

# A station's daily mean counts with at least MIN_HOURS hourly values (GB 3095-2012); the
# city's is the mean of its stations' valid daily means (HJ 663-2013), not of every reading.
_DAY_MEANS = """
SELECT source, (bucket AT TIME ZONE %(tz)s)::date AS day, indicator, mean
FROM rollups
WHERE width = 'day' AND indicator = ANY(%(pollutants)s) AND source = ANY(%(sources)b)
  AND source <> '*' AND count >= %(min_hours)s
  AND bucket >= %(start)s AND bucket < %(end)s
UNION ALL
SELECT '*', (bucket AT TIME ZONE %(tz)s)::date, indicator, avg(mean)
FROM rollups
WHERE %(city)s AND width = 'day' AND indicator = ANY(%(pollutants)s) AND source <> '*'
  AND count >= %(min_hours)s AND bucket >= %(start)s AND bucket < %(end)s
GROUP BY bucket, indicator
"""

_O3_HOURS = """
SELECT source, (bucket AT TIME ZONE %(tz)s)::date AS day,
       extract(hour FROM bucket AT TIME ZONE %(tz)s)::int AS hour, mean
FROM rollups
WHERE width = 'hour' AND indicator = 'air.o3' AND source = ANY(%(sources)b)
  AND bucket >= %(start)s AND bucket < %(end)s
"""

# Every day in one statement (arrays, one element a day: a statement per day cost a round
# trip each, a tenth of a second for the 2 000 station-days of a large batch; the arrays sent
# binary: as text each element went through an escaping regex); a day whose
# figures did not change is left as it is.
_UPSERT = """
INSERT INTO air_quality_days AS a (scope, day, aqi, primary_pollutants, good, heavy, pollutants)
SELECT scope, day, aqi, coalesce(string_to_array(nullif(prim, ''), ','), '{}'), good, heavy,
       pollutants::jsonb
FROM unnest(%b::text[], %b::date[], %b::int[], %b::text[], %b::bool[], %b::bool[], %b::text[])
     AS d (scope, day, aqi, prim, good, heavy, pollutants)
ON CONFLICT (scope, day) DO UPDATE SET
    aqi = EXCLUDED.aqi, primary_pollutants = EXCLUDED.primary_pollutants,
    good = EXCLUDED.good, heavy = EXCLUDED.heavy, pollutants = EXCLUDED.pollutants,
    updated_at = now()
WHERE (a.aqi, a.primary_pollutants, a.good, a.heavy, a.pollutants)
      IS DISTINCT FROM (EXCLUDED.aqi, EXCLUDED.primary_pollutants, EXCLUDED.good,
                        EXCLUDED.heavy, EXCLUDED.pollutants)
"""


@dataclass(slots=True)
class DayInputs:
    """What one scope (station, or '*' for the city) measured on one day.

    ``o3_hours`` is empty when the day has no hourly O3 (most stations measure none).
    """

    means: dict[str, float] = field(default_factory=dict)
    o3_hours: Sequence[float | None] = ()


async def day_inputs(
    conn: AsyncConnection[tuple[object, ...]],
    sources: Sequence[str],
    start: datetime,
    end: datetime,
    tz: str,
) -> dict[tuple[str, date], DayInputs]:
    params = {
        "tz": tz,
        "pollutants": list(POLLUTANTS),
        "sources": list(sources),
        "start": start,
        "end": end,
        "min_hours": MIN_HOURS,
        "city": "*" in sources,
    }
    out: dict[tuple[str, date], DayInputs] = defaultdict(DayInputs)
    cur = await conn.execute(_DAY_MEANS, params)
    for source, day, indicator, mean in await cur.fetchall():
        out[(str(source), day)].means[str(indicator)] = float(mean)  # type: ignore[index, arg-type]
    cur = await conn.execute(_O3_HOURS, params)
    for source, day, hour, mean in await cur.fetchall():
        inputs = out[(str(source), day)]  # type: ignore[index]
        if not inputs.o3_hours:
            inputs.o3_hours = [None] * 24
        inputs.o3_hours[int(hour)] = float(mean)  # type: ignore[index, arg-type, call-overload]
    return out


async def store_days(
    conn: AsyncConnection[tuple[object, ...]],
    days: Iterable[tuple[str, date, DailyAqi, dict[str, float]]],
) -> int:
    """Store the daily AQI of (scope, day)s; how many were given."""
    rows = [
        (scope, day, a.aqi, ",".join(a.primary), a.good, a.heavy, orjson.dumps(conc).decode())
        for scope, day, a, conc in days
    ]
    if rows:
        await conn.execute(_UPSERT, [list(column) for column in zip(*rows, strict=True)])
    return len(rows)

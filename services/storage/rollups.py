"""Keep the calendar rollups in step with the observations a transaction just changed.

The writer fills the temp table ``changed_keys`` (indicator, source, ts, increment) from
its upsert; ``refresh`` then recomputes, inside the same transaction, every bucket those
rows touch: hour from the observations, day from hours, month from days, year from months,
and the city-wide rows (source ``*``) of each width from the source rows. Recomputing
instead of adding makes redelivery, late data and revisions all land on the same numbers.

Stocks sent as increments (label ``arrives_as=increment``) roll up to running totals: a
change to such a series also refreshes every later bucket of it.

A source row keeps the region its newest reading names. The city rows of an indicator with
one city-wide source (``combine = single``) leave out the sources that report for a region:
the West Coast New Area's urbanisation rate or count of tech SMEs is that area's figure,
judged by its regional targets, not a part to add to the city's. Where sources are parts
of the city (stations, terminals, districts: ``mean``, ``sum``) a regional source is one.
"""

from __future__ import annotations

from typing import Final

from psycopg import AsyncCursor, sql

__all__ = ["CHANGED_KEYS", "WIDTHS", "refresh"]

WIDTHS: Final = (("hour", "1 hour"), ("day", "1 day"), ("month", "1 month"), ("year", "1 year"))

CHANGED_KEYS: Final = """
CREATE TEMP TABLE IF NOT EXISTS changed_keys (
    indicator text, source text, ts timestamptz, increment boolean
) ON COMMIT DELETE ROWS
"""

# Later hours of increment series whose running total moves with an earlier change.
_CASCADE_INCREMENTS: Final = """
INSERT INTO changed_keys (indicator, source, ts, increment)
SELECT r.indicator, r.source, r.bucket, true
FROM (SELECT indicator, source, min(ts) AS since FROM changed_keys WHERE increment
      GROUP BY indicator, source) m
JOIN rollups r ON r.indicator = m.indicator AND r.width = 'hour' AND r.source = m.source
              AND r.bucket > m.since
"""

_BOUNDS: Final = """
SELECT date_trunc('hour', min(ts)), date_trunc('hour', max(ts)) + interval '1 hour'
FROM changed_keys
"""

_UPSERT_TAIL: Final = sql.SQL("""
ON CONFLICT (indicator, width, source, bucket) DO UPDATE SET
    count = EXCLUDED.count, sum = EXCLUDED.sum, min = EXCLUDED.min, max = EXCLUDED.max,
    mean = EXCLUDED.mean, last = EXCLUDED.last, last_ts = EXCLUDED.last_ts,
    sources = EXCLUDED.sources, region = EXCLUDED.region, updated_at = now()
""")

_HOUR: Final = (
    sql.SQL("""
WITH k AS (
    SELECT indicator, source, time_bucket('1 hour'::interval, ts, %(tz)s) AS bucket,
           bool_or(increment) AS increment
    FROM changed_keys GROUP BY 1, 2, 3
)
INSERT INTO rollups (indicator, width, source, bucket, count, sum, min, max, mean, last,
                     last_ts, sources, region)
SELECT k.indicator, 'hour', k.source, k.bucket, count(*), sum(o.value), min(o.value),
       max(o.value), avg(o.value),
       CASE WHEN k.increment THEN (
           SELECT sum(t.value) FROM observations t
           WHERE t.indicator = k.indicator AND t.source = k.source
             AND t.ts < k.bucket + '1 hour'::interval)
       ELSE last(o.value, o.ts) END,
       max(o.ts), 1, last(o.region, o.ts)
FROM k
JOIN observations o ON o.indicator = k.indicator AND o.source = k.source
                   AND time_bucket('1 hour'::interval, o.ts, %(tz)s) = k.bucket  -- a hash key
                   AND o.ts >= k.bucket AND o.ts < k.bucket + '1 hour'::interval
                   AND o.ts >= %(lo)s AND o.ts < %(hi)s  -- constant bounds: chunk exclusion
GROUP BY k.indicator, k.source, k.bucket, k.increment
""")
    + _UPSERT_TAIL
)

_FROM_CHILD: Final = (
    sql.SQL("""
WITH k AS (
    SELECT DISTINCT indicator, source, time_bucket(%(step)s::interval, ts, %(tz)s) AS bucket
    FROM changed_keys
)
INSERT INTO rollups (indicator, width, source, bucket, count, sum, min, max, mean, last,
                     last_ts, sources, region)
SELECT k.indicator, %(width)s, k.source, k.bucket, sum(r.count), sum(r.sum), min(r.min),
       max(r.max), sum(r.sum) / sum(r.count), last(r.last, r.last_ts), max(r.last_ts), 1,
       last(r.region, r.last_ts)
FROM k
JOIN rollups r ON r.indicator = k.indicator AND r.width = %(child)s AND r.source = k.source
              AND time_bucket(%(step)s::interval, r.bucket, %(tz)s) = k.bucket  -- a hash key
              AND r.bucket >= k.bucket AND r.bucket < k.bucket + %(step)s::interval
GROUP BY k.indicator, k.source, k.bucket
""")
    + _UPSERT_TAIL
)

# City rows of levels and flows: combine the source rows of the same bucket.
_CITY: Final = (
    sql.SQL("""
WITH k AS (
    SELECT DISTINCT indicator, time_bucket(%(step)s::interval, ts, %(tz)s) AS bucket
    FROM changed_keys
)
INSERT INTO rollups (indicator, width, source, bucket, count, sum, min, max, mean, last,
                     last_ts, sources)
SELECT r.indicator, %(width)s, '*', r.bucket, sum(r.count), sum(r.sum), min(r.min), max(r.max),
       CASE WHEN i.combine = 'mean' THEN avg(r.mean) ELSE sum(r.mean) END,
       CASE WHEN i.combine = 'mean' THEN avg(r.last) ELSE sum(r.last) END,
       max(r.last_ts), count(*)
FROM k
JOIN indicators i ON i.id = k.indicator
                 AND NOT (i.kind IN ('stock', 'capacity') AND i.combine <> 'mean')
JOIN rollups r ON r.indicator = k.indicator AND r.width = %(width)s AND r.bucket = k.bucket
              AND r.source <> '*'
              AND (i.combine <> 'single' OR r.region IS NULL)  -- a region's own figure
GROUP BY r.indicator, r.bucket, i.combine
""")
    + _UPSERT_TAIL
)

# City rows of summed stocks: every source's last known level, carried forward.
_CITY_STOCK: Final = (
    sql.SQL("""
WITH k AS (
    SELECT c.indicator, min(time_bucket(%(step)s::interval, c.ts, %(tz)s)) AS since
    FROM changed_keys c
    JOIN indicators i ON i.id = c.indicator  -- only stocks: skip the buckets of the others
                     AND i.kind IN ('stock', 'capacity') AND i.combine <> 'mean'
    GROUP BY c.indicator
),
stock AS (
    SELECT k.* FROM k JOIN indicators i ON i.id = k.indicator
    WHERE i.kind IN ('stock', 'capacity') AND i.combine <> 'mean'
),
b AS (
    SELECT DISTINCT r.indicator, r.bucket FROM stock
    JOIN rollups r ON r.indicator = stock.indicator AND r.width = %(width)s
                  AND r.source <> '*' AND r.bucket >= stock.since
),
s AS (  -- the sources that make the city's figure (a region's own figure does not)
    SELECT r.indicator, r.source FROM stock
    JOIN indicators i ON i.id = stock.indicator
    JOIN rollups r ON r.indicator = stock.indicator AND r.width = %(width)s AND r.source <> '*'
    GROUP BY r.indicator, r.source, i.combine
    HAVING i.combine <> 'single' OR bool_and(r.region IS NULL)
),
x AS (
    SELECT b.indicator, b.bucket, l.*
    FROM b JOIN s ON s.indicator = b.indicator
    JOIN LATERAL (
        SELECT r.bucket AS at, r.count, r.sum, r.last, r.last_ts FROM rollups r
        WHERE r.indicator = b.indicator AND r.width = %(width)s AND r.source = s.source
          AND r.bucket <= b.bucket
        ORDER BY r.bucket DESC LIMIT 1
    ) l ON true
)
INSERT INTO rollups (indicator, width, source, bucket, count, sum, min, max, mean, last,
                     last_ts, sources)
SELECT indicator, %(width)s, '*', bucket,
       coalesce(sum(count) FILTER (WHERE at = bucket), 0),
       coalesce(sum(sum) FILTER (WHERE at = bucket), 0),
       min(last), max(last), sum(last), sum(last), max(last_ts), count(*)
FROM x GROUP BY indicator, bucket
""")
    + _UPSERT_TAIL
)


# These statements touch few rows, but their cost estimates grow with the rollups table:
# past PostgreSQL's jit_above_cost each execution compiled itself first. Measured on the
# demo's database two years in (250 000 rollup rows, a batch of air readings): the hourly
# city-stock statement took 1.0 s, 0.95 s of it JIT compilation; without JIT, 2 ms.
_NO_JIT: Final = "SET LOCAL jit = off"


async def refresh(cur: AsyncCursor[tuple[object, ...]], tz: str) -> None:
    """Recompute every rollup the rows in ``changed_keys`` touch (same transaction)."""
    await cur.execute(_NO_JIT)
    await cur.execute(_CASCADE_INCREMENTS)
    await cur.execute(_BOUNDS)
    bounds = await cur.fetchone()
    if bounds is None or bounds[0] is None:
        return
    await cur.execute(_HOUR, {"tz": tz, "lo": bounds[0], "hi": bounds[1]})
    for (width, step), (child, _) in zip(WIDTHS[1:], WIDTHS[:-1], strict=True):
        await cur.execute(_FROM_CHILD, {"tz": tz, "width": width, "child": child, "step": step})
    for width, step in WIDTHS:
        params = {"tz": tz, "width": width, "step": step}
        await cur.execute(_CITY, params)
        await cur.execute(_CITY_STOCK, params)

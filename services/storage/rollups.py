"""Keep the calendar rollups in step with the observations a transaction just changed.

One statement (``INSERT_BATCH`` or ``MERGE_BATCH``) stores the staged batch in
``observations`` and, from the rows it inserted or revised, merges every bucket (hour, day,
month, year) touched only by *inserted* rows of a series: count and sum added, min and max
widened, ``last`` taken if later. A bucket that holds a *revised* row (a value replaced)
cannot be merged, nor any bucket of a stock sent as increments (label
``arrives_as=increment``: its ``last`` is the running total, which each increment moves in
every later bucket); the statement notes those hours in the temp table ``changed_hours``,
and ``refresh`` recomputes them in the same transaction: hour from the observations, day from
hours, month from days, year from months (increment series from the first changed hour on).
Then the city-wide rows (source ``*``) of every hour bucket the batch touched, noted in
``changed_buckets``, and of the day, month and year it lies in, are recomputed from the source
rows.

Merging and recomputing land on the same rows: counts exactly, sums up to the order in which
floating-point additions were made (tests/integration/storage/test_rollups.py compares them
with SQL over the raw observations after redelivery, late data and revisions). A redelivered
row changes nothing (the upsert skips rows whose value did not change, so nothing is merged
twice); concurrent writers of one bucket serialise on the row lock of the upsert.

Buckets are the city's calendar: ``date_trunc`` in the session's time zone, which the writer
sets to the city's for its transaction (the buckets of ``time_bucket(..., timezone)``, at
half the cost). Every read of ``rollups`` or ``observations`` is a look-up by key, written as
a subquery per row (scalar, or LATERAL with an aggregate, LIMIT or ``OFFSET 0``) so that no
plan reads those tables whole: the planner has no statistics of the writer's temp tables, and
chose hash joins over every rollup (EXPLAIN ANALYZE, docs/performance.md).

A source row keeps the region its newest reading names. The city rows of an indicator with
one city-wide source (``combine = single``) leave out the sources that report for a region:
the West Coast New Area's urbanisation rate or count of tech SMEs is that area's figure,
judged by its regional targets, not a part to add to the city's. Where sources are parts
of the city (stations, terminals, districts: ``mean``, ``sum``) a regional source is one.
Merging keeps the region of the later ``last``. City rows are upserted, never deleted: a
source of such a figure that names a region only later (a source reports for one region, or
for none) leaves the city rows it was counted in as they were.
"""

from __future__ import annotations

from typing import Final

from psycopg import AsyncCursor, sql

__all__ = [
    "CHANGED",
    "INSERT_BATCH",
    "INSERT_FEW",
    "MERGE_BATCH",
    "NOTE_BUCKETS",
    "STAGED_BUCKETS",
    "WIDTHS",
    "city",
    "recompute",
]

WIDTHS: Final = (("hour", "1 hour"), ("day", "1 day"), ("month", "1 month"), ("year", "1 year"))

# Hours to recompute (a revised row, or an increment), and every hour bucket touched.
CHANGED: Final = """
CREATE TEMP TABLE IF NOT EXISTS changed_hours (
    indicator text, source text, bucket timestamptz, increment boolean
) ON COMMIT DELETE ROWS;
CREATE TEMP TABLE IF NOT EXISTS changed_buckets (
    indicator text, bucket timestamptz
) ON COMMIT DELETE ROWS
"""

# The staged batch into ``observations``, two ways; either returns the rows it inserted or
# revised. The general one upserts (the last of equal keys wins; an unchanged row is left
# alone). The other only inserts, and fails on a key that exists (the writer then falls back
# to the general one): when every key is new, as when feeds run, it costs a third less.
_UPSERT_OBSERVATIONS: Final = """
    INSERT INTO observations AS o
        (indicator, source, ts, value, region, labels, reading_id, raw_value, raw_unit,
         received_at, cumulative)
    SELECT DISTINCT ON (indicator, source, ts)
        indicator, source, ts, value, region, coalesce(labels::jsonb, '{}'), reading_id,
        coalesce(raw_value, value), raw_unit, received_at, cumulative
    FROM observations_stage_d
    ORDER BY indicator, source, ts, seq DESC
    ON CONFLICT (indicator, source, ts) DO UPDATE SET
        value = EXCLUDED.value, region = EXCLUDED.region, labels = EXCLUDED.labels,
        reading_id = EXCLUDED.reading_id, raw_value = EXCLUDED.raw_value,
        raw_unit = EXCLUDED.raw_unit, received_at = EXCLUDED.received_at,
        cumulative = EXCLUDED.cumulative, stored_at = now()
    WHERE (o.value, o.region, o.labels, o.cumulative)
          IS DISTINCT FROM (EXCLUDED.value, EXCLUDED.region, EXCLUDED.labels, EXCLUDED.cumulative)
    RETURNING o.indicator, o.source, o.ts, o.value, o.region, o.xmax <> 0 AS revised,
              coalesce(o.labels->>'arrives_as' = 'increment', false) AS increment
"""

_INSERT_OBSERVATIONS: Final = """
    INSERT INTO observations
        (indicator, source, ts, value, region, labels, reading_id, raw_value, raw_unit,
         received_at, cumulative)
    SELECT indicator, source, ts, value, region, coalesce(labels::jsonb, '{}'), reading_id,
           coalesce(raw_value, value), raw_unit, received_at, cumulative
    FROM observations_stage_d
),
up AS (  -- every staged row, as inserted (read from the stage: no RETURNING to hold them)
    SELECT indicator, source, ts, value, region, false AS revised,
           coalesce(labels::jsonb->>'arrives_as' = 'increment', false) AS increment
    FROM observations_stage_d
"""

# What the rows returned (``up``) add to each width, per series and bucket; the hours to
# recompute and every hour touched, noted.
_AGGREGATE: Final = """
h AS (
    SELECT indicator, source, date_trunc('hour', ts) AS bucket, count(*) AS count,
           sum(value) AS sum, min(value) AS min, max(value) AS max, last(value, ts) AS last,
           min(ts) AS first_ts, max(ts) AS last_ts, last(region, ts) AS region,
           bool_or(revised OR increment) AS recompute, bool_or(increment) AS increment
    FROM up GROUP BY 1, 2, 3
),
again AS (
    INSERT INTO changed_hours (indicator, source, bucket, increment)
    SELECT indicator, source, bucket, increment FROM h WHERE recompute
),
touched AS (
    INSERT INTO changed_buckets (indicator, bucket) SELECT DISTINCT indicator, bucket FROM h
),
d AS (
    SELECT indicator, source, date_trunc('day', bucket) AS bucket, sum(count) AS count,
           sum(sum) AS sum, min(min) AS min, max(max) AS max, last(last, last_ts) AS last,
           max(last_ts) AS last_ts, last(region, last_ts) AS region,
           bool_or(recompute) AS recompute
    FROM h GROUP BY 1, 2, 3
),
m AS (
    SELECT indicator, source, date_trunc('month', bucket) AS bucket, sum(count) AS count,
           sum(sum) AS sum, min(min) AS min, max(max) AS max, last(last, last_ts) AS last,
           max(last_ts) AS last_ts, last(region, last_ts) AS region,
           bool_or(recompute) AS recompute
    FROM d GROUP BY 1, 2, 3
),
y AS (
    SELECT indicator, source, date_trunc('year', bucket) AS bucket, sum(count) AS count,
           sum(sum) AS sum, min(min) AS min, max(max) AS max, last(last, last_ts) AS last,
           max(last_ts) AS last_ts, last(region, last_ts) AS region,
           bool_or(recompute) AS recompute
    FROM m GROUP BY 1, 2, 3
),
"""

_MERGE_INTO: Final = """
merged AS (
    INSERT INTO rollups AS r (indicator, width, source, bucket, count, sum, min, max, mean,
                              last, last_ts, sources, region)
    SELECT indicator, width, source, bucket, count, sum, min, max, sum / count, last,
           last_ts, 1, region
    FROM (SELECT 'hour' AS width, indicator, source, bucket, count, sum, min, max, last,
                 last_ts, region FROM {hours} NOT recompute
          UNION ALL SELECT 'day', indicator, source, bucket, count, sum, min, max, last,
                           last_ts, region FROM d WHERE NOT recompute
          UNION ALL SELECT 'month', indicator, source, bucket, count, sum, min, max, last,
                           last_ts, region FROM m WHERE NOT recompute
          UNION ALL SELECT 'year', indicator, source, bucket, count, sum, min, max, last,
                           last_ts, region FROM y WHERE NOT recompute) w
    ON CONFLICT (indicator, width, source, bucket) DO UPDATE SET
        count = r.count + EXCLUDED.count, sum = r.sum + EXCLUDED.sum,
        min = least(r.min, EXCLUDED.min), max = greatest(r.max, EXCLUDED.max),
        mean = (r.sum + EXCLUDED.sum) / (r.count + EXCLUDED.count),
        last = CASE WHEN EXCLUDED.last_ts >= r.last_ts THEN EXCLUDED.last ELSE r.last END,
        region = CASE WHEN EXCLUDED.last_ts >= r.last_ts THEN EXCLUDED.region
                      ELSE r.region END,
        last_ts = greatest(r.last_ts, EXCLUDED.last_ts), updated_at = now()
)
"""

# Beside the insert-only path: hours later than the latest hour bucket of their series are
# new, and are inserted without the upsert's look-up of each key (which costs as much as the
# insert itself; a bucket another writer inserts meanwhile fails the statement, and the
# writer falls back to ``MERGE_BATCH``); the other buckets are merged by the upsert.
_SPLIT: Final = """
f AS MATERIALIZED (  -- each series' latest hour bucket: the key before (series, hour, ∞)
    SELECT s.indicator, s.source, l.source IS NOT DISTINCT FROM s.source AS seen, l.bucket
    FROM (SELECT DISTINCT indicator, source FROM h) s
    LEFT JOIN LATERAL (
        SELECT r.indicator, r.width, r.source, r.bucket FROM rollups r
        WHERE (r.indicator, r.width, r.source, r.bucket)
              < (s.indicator, 'hour', s.source, 'infinity'::timestamptz)
        ORDER BY r.indicator DESC, r.width DESC, r.source DESC, r.bucket DESC
        LIMIT 1
    ) l ON l.indicator = s.indicator AND l.width = 'hour'
),
hf AS (
    SELECT h.*, NOT f.seen OR h.bucket > f.bucket AS new
    FROM h JOIN f ON f.indicator = h.indicator AND f.source = h.source
),
fresh AS (
    INSERT INTO rollups (indicator, width, source, bucket, count, sum, min, max, mean, last,
                         last_ts, sources, region)
    SELECT indicator, 'hour', source, bucket, count, sum, min, max, sum / count, last,
           last_ts, 1, region
    FROM hf WHERE new AND NOT recompute
),
"""

_SUMMARY: Final = """
SELECT indicator, source, sum(count), min(first_ts), max(last_ts), bool_or(recompute)
FROM h GROUP BY indicator, source
"""

# The batch's statement: the batch into the observations, what it added merged into every
# width, the changed hours noted; a row per changed series: rows, first and last ts, and
# whether some of its buckets are left for ``refresh``. The first is for a batch whose keys
# are all new, the second for any batch.
INSERT_BATCH: Final = sql.SQL("WITH stored AS ({}), {} {} {} {}").format(
    sql.SQL(_INSERT_OBSERVATIONS),
    sql.SQL(_AGGREGATE),
    sql.SQL(_SPLIT),
    sql.SQL(_MERGE_INTO).format(hours=sql.SQL("hf WHERE NOT new AND")),
    sql.SQL(_SUMMARY),
)
# A batch of few readings a series (live feeds: each batch adds to the hours that exist)
# gains nothing from looking up each series' latest hour first.
INSERT_FEW: Final = sql.SQL("WITH stored AS ({}), {} {} {}").format(
    sql.SQL(_INSERT_OBSERVATIONS),
    sql.SQL(_AGGREGATE),
    sql.SQL(_MERGE_INTO).format(hours=sql.SQL("h WHERE")),
    sql.SQL(_SUMMARY),
)
MERGE_BATCH: Final = sql.SQL("WITH up AS ({}), {} {} {}").format(
    sql.SQL(_UPSERT_OBSERVATIONS),
    sql.SQL(_AGGREGATE),
    sql.SQL(_MERGE_INTO).format(hours=sql.SQL("h WHERE")),
    sql.SQL(_SUMMARY),
)

_RECOMPUTED: Final = sql.SQL("""
ON CONFLICT (indicator, width, source, bucket) DO UPDATE SET
    count = EXCLUDED.count, sum = EXCLUDED.sum, min = EXCLUDED.min, max = EXCLUDED.max,
    mean = EXCLUDED.mean, last = EXCLUDED.last, last_ts = EXCLUDED.last_ts,
    sources = EXCLUDED.sources, region = EXCLUDED.region, updated_at = now()
""")

# Later hours of increment series, whose running total moves with an earlier change.
_CASCADE_INCREMENTS: Final = """
INSERT INTO changed_hours (indicator, source, bucket, increment)
SELECT m.indicator, m.source, l.bucket, true
FROM (SELECT indicator, source, min(bucket) AS since FROM changed_hours WHERE increment
      GROUP BY indicator, source) m
CROSS JOIN LATERAL (
    SELECT r.bucket FROM rollups r
    WHERE r.indicator = m.indicator AND r.width = 'hour' AND r.source = m.source
      AND r.bucket > m.since
    OFFSET 0
) l
"""

_HOUR: Final = (
    sql.SQL("""
INSERT INTO rollups (indicator, width, source, bucket, count, sum, min, max, mean, last,
                     last_ts, sources, region)
SELECT k.indicator, 'hour', k.source, k.bucket, a.count, a.sum, a.min, a.max, a.mean, a.last,
       a.last_ts, 1, a.region
FROM (SELECT DISTINCT indicator, source, bucket FROM changed_hours) k
CROSS JOIN LATERAL (
    SELECT count(*), sum(o.value), min(o.value), max(o.value), avg(o.value),
           CASE WHEN bool_or(o.labels->>'arrives_as' = 'increment') THEN (
               SELECT sum(t.value) FROM observations t
               WHERE t.indicator = k.indicator AND t.source = k.source
                 AND t.ts < k.bucket + '1 hour'::interval)
           ELSE last(o.value, o.ts) END,
           max(o.ts), last(o.region, o.ts)
    FROM observations o
    WHERE o.indicator = k.indicator AND o.source = k.source
      AND o.ts >= k.bucket AND o.ts < k.bucket + '1 hour'::interval
) a (count, sum, min, max, mean, last, last_ts, region)
WHERE a.count > 0
""")
    + _RECOMPUTED
)

_FROM_CHILD: Final = (
    sql.SQL("""
INSERT INTO rollups (indicator, width, source, bucket, count, sum, min, max, mean, last,
                     last_ts, sources, region)
SELECT k.indicator, %(width)s, k.source, k.bucket, a.count, a.sum, a.min, a.max, a.mean,
       a.last, a.last_ts, 1, a.region
FROM (SELECT DISTINCT indicator, source, date_trunc(%(width)s, bucket) AS bucket
      FROM changed_hours) k
CROSS JOIN LATERAL (
    SELECT sum(r.count), sum(r.sum), min(r.min), max(r.max), sum(r.sum) / sum(r.count),
           last(r.last, r.last_ts), max(r.last_ts), last(r.region, r.last_ts)
    FROM rollups r
    WHERE r.indicator = k.indicator AND r.width = %(child)s AND r.source = k.source
      AND r.bucket >= k.bucket AND r.bucket < k.bucket + %(step)s::interval
) a (count, sum, min, max, mean, last, last_ts, region)
WHERE a.count > 0
""")
    + _RECOMPUTED
)

# City rows of levels and flows: combine the source rows of the same bucket, every width.
_CITY: Final = (
    sql.SQL("""
WITH k AS (
    SELECT DISTINCT c.indicator, i.combine, w.width, w.bucket
    FROM changed_buckets c
    JOIN indicators i ON i.id = c.indicator
                     AND NOT (i.kind IN ('stock', 'capacity') AND i.combine <> 'mean')
    CROSS JOIN LATERAL (VALUES ('hour', c.bucket), ('day', date_trunc('day', c.bucket)),
                               ('month', date_trunc('month', c.bucket)),
                               ('year', date_trunc('year', c.bucket))) AS w (width, bucket)
)
INSERT INTO rollups (indicator, width, source, bucket, count, sum, min, max, mean, last,
                     last_ts, sources)
SELECT k.indicator, k.width, '*', k.bucket, a.*
FROM k CROSS JOIN LATERAL (
    SELECT sum(r.count), sum(r.sum), min(r.min), max(r.max),
           CASE WHEN k.combine = 'mean' THEN avg(r.mean) ELSE sum(r.mean) END,
           CASE WHEN k.combine = 'mean' THEN avg(r.last) ELSE sum(r.last) END,
           max(r.last_ts), count(*)
    FROM rollups r
    WHERE r.indicator = k.indicator AND r.width = k.width AND r.bucket = k.bucket
      AND r.source <> '*'
      AND (k.combine <> 'single' OR r.region IS NULL)  -- a region's own figure
) a (count, sum, min, max, mean, last, last_ts, sources)
WHERE a.sources > 0
""")
    + _RECOMPUTED
)

# City rows of summed stocks: every source's last known level, carried forward.
_CITY_STOCK: Final = (
    sql.SQL("""
WITH stock AS (
    SELECT c.indicator, i.combine, min(date_trunc(%(width)s, c.bucket)) AS since
    FROM changed_buckets c
    JOIN indicators i ON i.id = c.indicator
                     AND i.kind IN ('stock', 'capacity') AND i.combine <> 'mean'
    GROUP BY c.indicator, i.combine
),
b AS (
    SELECT DISTINCT stock.indicator, l.bucket FROM stock CROSS JOIN LATERAL (
        SELECT r.bucket FROM rollups r
        WHERE r.indicator = stock.indicator AND r.width = %(width)s AND r.source <> '*'
          AND r.bucket >= stock.since
        OFFSET 0) l
),
s AS (  -- the sources that make the city's figure (a region's own figure does not)
    SELECT DISTINCT stock.indicator, l.source FROM stock CROSS JOIN LATERAL (
        SELECT r.source FROM rollups r
        WHERE r.indicator = stock.indicator AND r.width = %(width)s AND r.source <> '*'
        GROUP BY r.source
        HAVING stock.combine <> 'single' OR bool_and(r.region IS NULL)) l
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
    + _RECOMPUTED
)


# Every hour bucket of the staged batch, changed or not (the city rows of a batch written in
# halves are recomputed afterwards from these), and noting them for ``city``.
STAGED_BUCKETS: Final = """
SELECT DISTINCT indicator, date_trunc('hour', ts) FROM observations_stage_d
"""
NOTE_BUCKETS: Final = """
INSERT INTO changed_buckets (indicator, bucket)
SELECT DISTINCT * FROM unnest(%s::text[], %s::timestamptz[])
"""


async def recompute(cur: AsyncCursor[tuple[object, ...]]) -> None:
    """After the batch's statement: recompute the buckets it could not merge (noted in
    ``changed_hours``), hour from the observations and each width from the one below."""
    await cur.execute(_CASCADE_INCREMENTS)
    await cur.execute(_HOUR)
    for (width, step), (child, _) in zip(WIDTHS[1:], WIDTHS[:-1], strict=True):
        await cur.execute(_FROM_CHILD, {"width": width, "child": child, "step": step})


async def city(cur: AsyncCursor[tuple[object, ...]]) -> None:
    """The city rows of every bucket noted in ``changed_buckets``, from the source rows."""
    await cur.execute(_CITY)
    for width, _ in WIDTHS:
        await cur.execute(_CITY_STOCK, {"width": width})

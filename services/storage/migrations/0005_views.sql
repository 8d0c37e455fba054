-- What the dashboards (and the API) read: the plan targets and their trajectories as
-- published from plans/ (`ontrack dashboards publish`), and views and functions over the
-- rollups, so every panel is one short SELECT and shares its definition with the API.
--
-- Calendar arithmetic (which local day or year a bucket falls in) uses calendar_tz(),
-- the plans' time zone, like the rollups themselves.

CREATE FUNCTION calendar_tz() RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT 'Asia/Shanghai'::text $$;

COMMENT ON FUNCTION calendar_tz() IS
    'Time zone of the plans'' calendar (local days, months and years); the rollups use the same.';

-- ── plan targets and trajectories ──────────────────────────────────────────────────────
-- Written by services/dashboards/targets.py from the plan catalogue; the trajectory is
-- computed by services/indicators/trajectory.py (one definition), one point per local day.
CREATE TABLE plan_targets (
    id                 text PRIMARY KEY,
    plan_id            text             NOT NULL,
    indicator          text             NOT NULL,
    family             text             NOT NULL,
    name               text             NOT NULL,
    comparator         text             NOT NULL CHECK (comparator IN ('>=', '<=')),
    value              double precision NOT NULL,
    unit               text             NOT NULL,
    deadline           date             NOT NULL,
    deadline_at        timestamptz      NOT NULL,
    kind               text             NOT NULL
                       CHECK (kind IN ('level-mean', 'ratio', 'flow', 'stock', 'capacity', 'growth')),
    scope              text             NOT NULL,
    baseline_value     double precision,
    baseline_date      date,
    baseline_from_data boolean          NOT NULL DEFAULT false,
    reported_met       boolean          NOT NULL DEFAULT false,
    source_clause      text             NOT NULL DEFAULT '',
    published_at       timestamptz      NOT NULL DEFAULT now()
);

CREATE INDEX plan_targets_family_idx ON plan_targets (family);

COMMENT ON TABLE plan_targets IS
    'The plan catalogue (plans/*.yaml) as last published, values in canonical units.';

CREATE TABLE target_trajectory (
    target_id text             NOT NULL REFERENCES plan_targets (id) ON DELETE CASCADE,
    ts        timestamptz      NOT NULL,
    expected  double precision NOT NULL,
    PRIMARY KEY (target_id, ts)
);

COMMENT ON TABLE target_trajectory IS
    'Where each target''s indicator is expected to be, in the sense of its kind (year-to-date '
    'for flows, annual mean so far for level-means), at the start of every local day from the '
    'baseline to the deadline.';

-- ── values of a rollup in the sense of its indicator's kind ────────────────────────────
CREATE FUNCTION rollup_value(
    kind text, mean double precision, total double precision, last double precision
) RETURNS double precision
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE
        WHEN kind = 'flow' THEN total
        WHEN kind IN ('stock', 'capacity', 'growth') THEN last
        ELSE mean
    END
$$;

COMMENT ON FUNCTION rollup_value(text, double precision, double precision, double precision) IS
    'A bucket''s value: the total for flows, the last value for stocks, capacities and growth '
    'rates, the mean for levels and ratios.';

-- The rollup width a panel should read for Grafana's $__interval_ms: the finest width
-- whose buckets are at least as long as the interval between two points.
CREATE FUNCTION rollup_width(interval_ms bigint) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE
        WHEN interval_ms <= 3600000 THEN 'hour'
        WHEN interval_ms <= 86400000 THEN 'day'
        WHEN interval_ms <= 2678400000 THEN 'month'
        ELSE 'year'
    END
$$;

CREATE VIEW city_rollups AS
SELECT r.indicator, i.family, i.name, i.unit, i.kind, r.width, r.bucket,
       rollup_value(i.kind, r.mean, r.sum, r.last) AS value,
       r.mean, r.sum, r.min, r.max, r.last, r.last_ts, r.count, r.sources, r.updated_at
FROM rollups r
JOIN indicators i ON i.id = r.indicator
WHERE r.source = '*';

COMMENT ON VIEW city_rollups IS
    'City-wide rollups with the indicator''s family, unit and kind; value by kind.';

CREATE VIEW source_rollups AS
SELECT r.indicator, i.family, i.name, i.unit, i.kind, r.source, r.width, r.bucket,
       rollup_value(i.kind, r.mean, r.sum, r.last) AS value,
       r.mean, r.sum, r.min, r.max, r.last, r.last_ts, r.count, r.updated_at
FROM rollups r
JOIN indicators i ON i.id = r.indicator
WHERE r.source <> '*';

COMMENT ON VIEW source_rollups IS
    'Rollups of each series (station, terminal, district, operator), value by kind.';

-- One value per local day for the city: the day's rollup by kind, and the indicators the
-- stream derives from the daily AQI (good-air days as 100/0 so that their mean is the
-- share of good days in %, heavily polluted days as 1/0 so that their sum counts them).
CREATE VIEW city_daily AS
SELECT indicator, family, bucket AS day, value, last, false AS flag
FROM city_rollups
WHERE width = 'day'
UNION ALL
SELECT x.indicator, 'air', (a.day::timestamp AT TIME ZONE calendar_tz()), x.value, x.value,
       x.flag
FROM air_quality_days a
CROSS JOIN LATERAL (VALUES
    ('air.aqi_daily', a.aqi::double precision, false),
    ('air.good_days_ratio', CASE WHEN a.good THEN 100.0 ELSE 0.0 END, true),
    ('air.heavy_pollution_days', CASE WHEN a.heavy THEN 1.0 ELSE 0.0 END, true)
) AS x (indicator, value, flag)
WHERE a.scope = 'city';

COMMENT ON VIEW city_daily IS
    'City value per local day (value by kind, and the day''s last value); flag = a 0/100 or '
    '0/1 day flag derived from the daily AQI.';

-- ── the actual value of a target over time ─────────────────────────────────────────────
-- As services/indicators/measure.py defines it, as of the end of each day with data up to
-- the deadline: flows — the sum of the year so far; level-means and ratios counted in
-- days — the mean of the year's daily values so far (over the last 365 days while the
-- year has fewer than 30); stocks, capacities, growth and reported ratios — the day's
-- latest value. City scope only (regional targets have no city rollups).
CREATE FUNCTION target_actual(p_target text, p_from timestamptz, p_to timestamptz)
RETURNS TABLE (ts timestamptz, actual double precision)
LANGUAGE sql STABLE AS $$
    WITH t AS (
        SELECT * FROM plan_targets WHERE id = p_target AND scope = 'city'
    ),
    d AS (
        SELECT c.day, c.value, c.last, t.kind,
               (t.kind = 'level-mean' OR (t.kind = 'ratio' AND c.flag)) AS as_mean,
               extract(year FROM c.day AT TIME ZONE calendar_tz()) AS yr
        FROM t
        JOIN city_daily c ON c.indicator = t.indicator
        WHERE c.day < t.deadline_at AND c.day < p_to
    ),
    w AS (
        SELECT day, kind, as_mean, value, last,
               sum(value) OVER ytd AS ytd_sum,
               avg(value) OVER ytd AS ytd_mean,
               count(*) OVER ytd AS ytd_days,
               avg(value) OVER (ORDER BY day RANGE BETWEEN '364 days' PRECEDING AND CURRENT ROW)
                   AS trailing_mean
        FROM d
        WINDOW ytd AS (PARTITION BY yr ORDER BY day)
    )
    SELECT day,
           CASE
               WHEN kind = 'flow' THEN ytd_sum
               WHEN as_mean THEN CASE WHEN ytd_days >= 30 THEN ytd_mean ELSE trailing_mean END
               ELSE last
           END
    FROM w
    WHERE day >= p_from
    ORDER BY day
$$;

COMMENT ON FUNCTION target_actual(text, timestamptz, timestamptz) IS
    'Actual value of a target by kind at the end of each day with data (see measure.py).';

CREATE FUNCTION target_expected(p_target text, p_from timestamptz, p_to timestamptz)
RETURNS TABLE (ts timestamptz, expected double precision)
LANGUAGE sql STABLE AS $$
    SELECT ts, expected FROM target_trajectory
    WHERE target_id = p_target AND ts >= p_from AND ts <= p_to
    ORDER BY ts
$$;

-- Everything a chart of one target draws, in Grafana's long time-series format
-- (time, metric, value): actual, trajectory, the target itself as a level from the start
-- of the range (or of the trajectory) to the deadline, and the alert engine's projection
-- (target_status, 0004) as lines from the last actual value to the deadline.
CREATE FUNCTION target_chart(p_target text, p_from timestamptz, p_to timestamptz)
RETURNS TABLE ("time" timestamptz, metric text, value double precision)
LANGUAGE sql STABLE AS $$
    SELECT ts, 'actual', actual FROM target_actual(p_target, p_from, p_to)
    UNION ALL
    SELECT ts, 'trajectory', expected FROM target_expected(p_target, p_from, p_to)
    UNION ALL
    SELECT x.at, 'target', t.value
    FROM plan_targets t
    CROSS JOIN LATERAL (VALUES (greatest(p_from, (
        SELECT min(ts) FROM target_trajectory WHERE target_id = t.id))), (t.deadline_at)) AS x (at)
    WHERE t.id = p_target AND x.at IS NOT NULL AND x.at <= t.deadline_at
    UNION ALL
    SELECT x.at, x.metric, x.value
    FROM target_status s
    CROSS JOIN LATERAL (VALUES
        (s.as_of, 'projection', s.actual), (s.projection_at, 'projection', s.projection_value),
        (s.as_of, 'projection low', s.actual), (s.projection_at, 'projection low', s.projection_low),
        (s.as_of, 'projection high', s.actual), (s.projection_at, 'projection high', s.projection_high)
    ) AS x (at, metric, value)
    WHERE s.target_id = p_target AND s.projection_method IS DISTINCT FROM 'final'
      AND s.as_of IS NOT NULL AND s.projection_at IS NOT NULL AND x.value IS NOT NULL
    ORDER BY 1, 2
$$;

COMMENT ON FUNCTION target_chart(text, timestamptz, timestamptz) IS
    'Series of a target chart (time, metric, value): actual, trajectory, target, projection.';

-- ── the alert engine's judgement, for the overview (target_status and alerts: 0004) ────
-- Every target, published or judged: before the engine's first evaluation of a published
-- target its status is NULL ("not evaluated") and days_left is counted here the way
-- services/indicators/assess.py counts it (whole days to the end of the deadline day).
CREATE VIEW target_overview AS
SELECT coalesce(s.target_id, p.id) AS target_id,
       coalesce(s.plan_id, p.plan_id) AS plan_id,
       coalesce(s.family, p.family) AS family,
       coalesce(s.indicator, p.indicator) AS indicator,
       coalesce(i.name, p.name) AS name,
       coalesce(s.kind, p.kind) AS kind,
       coalesce(s.scope, p.scope) AS scope,
       s.status, s.actual, s.expected, s.gap, s.gap_pct,
       coalesce(s.comparator, p.comparator) AS comparator,
       coalesce(s.target_value, p.value) AS target_value,
       coalesce(s.unit, p.unit) AS unit,
       coalesce(s.deadline, p.deadline) AS deadline,
       coalesce(s.days_left,
                greatest(0, floor(extract(epoch FROM p.deadline_at - now()) / 86400))::int)
           AS days_left,
       s.projection_value, s.projection_low, s.projection_high, s.probability_met,
       s.pace_text, s.as_of, s.last_seen, s.stale, s.status_since, s.evaluated_at,
       coalesce(s.open_alerts, 0) AS open_alerts,
       CASE s.status
           WHEN 'off_track' THEN 1 WHEN 'at_risk' THEN 2 WHEN 'missed' THEN 3
           WHEN 'no_data' THEN 4 WHEN 'on_track' THEN 5 WHEN 'met' THEN 6 ELSE 7
       END AS severity_rank
FROM v_target_status s
FULL JOIN plan_targets p ON p.id = s.target_id AND p.scope = s.scope
LEFT JOIN indicators i ON i.id = coalesce(s.indicator, p.indicator);

COMMENT ON VIEW target_overview IS
    'Every target with its status (NULL until first judged); severity_rank orders the worst first.';

CREATE VIEW target_status_counts AS
SELECT st.status, count(s.target_id) AS targets
FROM unnest(ARRAY['on_track', 'at_risk', 'off_track', 'met', 'missed', 'no_data'])
     AS st (status)
LEFT JOIN target_status s ON s.status = st.status
GROUP BY st.status;

COMMENT ON VIEW target_status_counts IS 'How many targets are in each status (0 included).';

-- Open (pending or firing) alerts at every step of [from, to], by severity and state:
-- the state of each alert at t is that of its newest transition at or before t.
CREATE FUNCTION alert_timeline(p_from timestamptz, p_to timestamptz, p_step interval)
RETURNS TABLE ("time" timestamptz, severity text, state text, alerts bigint)
LANGUAGE sql STABLE AS $$
    WITH steps AS (
        SELECT g AS t FROM generate_series(p_from, p_to, greatest(p_step, interval '1 minute')) g
    ),
    at_step AS (
        SELECT s.t, e.fingerprint, e.to_state, e.severity
        FROM steps s
        CROSS JOIN LATERAL (
            SELECT DISTINCT ON (ev.fingerprint) ev.fingerprint, ev.to_state, ev.severity
            FROM v_alert_events ev
            WHERE ev.at <= s.t
            ORDER BY ev.fingerprint, ev.at DESC
        ) e
    )
    SELECT t, coalesce(severity, 'unknown'), to_state, count(*)
    FROM at_step
    WHERE to_state IN ('pending', 'firing')
    GROUP BY t, severity, to_state
    ORDER BY 1, 2, 3
$$;

COMMENT ON FUNCTION alert_timeline(timestamptz, timestamptz, interval) IS
    'Open alerts (pending, firing) by severity at each step of a time range.';

-- ── feed health ────────────────────────────────────────────────────────────────────────
-- How late a series is, against its indicator's cadence: fresh within 1.5 cadences, late
-- within 3, silent beyond (the Prometheus rule OntrackFeedSilent uses the same 3).
CREATE FUNCTION feed_state(age interval, cadence interval) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE
        WHEN age <= cadence * 1.5 THEN 'fresh'
        WHEN age <= cadence * 3 THEN 'late'
        ELSE 'silent'
    END
$$;

CREATE VIEW feed_freshness AS
SELECT DISTINCT ON (r.indicator, r.source)
       r.indicator, i.family, r.source, r.last_ts, r.updated_at AS stored_at, i.cadence,
       now() - r.last_ts AS age,
       extract(epoch FROM now() - r.last_ts) AS age_seconds,
       feed_state(now() - r.last_ts, i.cadence) AS state
FROM rollups r
JOIN indicators i ON i.id = r.indicator
WHERE r.width = 'year' AND r.source <> '*'
ORDER BY r.indicator, r.source, r.bucket DESC;

COMMENT ON VIEW feed_freshness IS
    'Per series: newest reading, when the stream last stored one, age and state vs cadence.';

CREATE VIEW feed_volume AS
SELECT r.indicator, i.family, r.width, r.bucket, sum(r.count) AS readings,
       count(*) AS sources
FROM rollups r
JOIN indicators i ON i.id = r.indicator
WHERE r.source <> '*'
GROUP BY r.indicator, i.family, r.width, r.bucket;

COMMENT ON VIEW feed_volume IS
    'Readings stored per indicator and bucket, and how many sources sent them.';

-- ── air quality ────────────────────────────────────────────────────────────────────────
CREATE VIEW air_quality_city AS
SELECT (a.day::timestamp AT TIME ZONE calendar_tz()) AS day, a.aqi, a.primary_pollutants,
       a.good, a.heavy,
       CASE
           WHEN a.aqi <= 50 THEN 'excellent'
           WHEN a.aqi <= 100 THEN 'good'
           WHEN a.aqi <= 150 THEN 'lightly polluted'
           WHEN a.aqi <= 200 THEN 'moderately polluted'
           WHEN a.aqi <= 300 THEN 'heavily polluted'
           ELSE 'severely polluted'
       END AS category
FROM air_quality_days a
WHERE a.scope = 'city';

COMMENT ON VIEW air_quality_city IS
    'The city''s daily AQI (HJ 633-2012) with its category, good and heavy flags.';

CREATE FUNCTION air_quality_summary(p_from timestamptz, p_to timestamptz)
RETURNS TABLE (days bigint, good_days bigint, heavy_days bigint, good_ratio double precision)
LANGUAGE sql STABLE AS $$
    SELECT count(*), count(*) FILTER (WHERE good), count(*) FILTER (WHERE heavy),
           100.0 * count(*) FILTER (WHERE good) / nullif(count(*), 0)
    FROM air_quality_city
    WHERE day >= p_from AND day < p_to
$$;

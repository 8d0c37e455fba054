-- Whether the data under each judgement is enough to judge (the engine's
-- explanation->actual->validity), in target_overview beside its basis; what the latest
-- evaluation says of each open alert (latest_annotations, 0013) in v_alerts_open too, as in
-- v_alerts (a view of `SELECT *` keeps the columns it was made with); and the actual value
-- the charts draw (target_actual, 0005) as the engine now takes it
-- (services/indicators/measure.py, services/alerts/snapshot):
-- * the mean of an hourly-measured indicator (PM2.5) rests on valid days only: each day the
--   mean of the stations with at least 20 hourly values that day (GB 3095-2012);
-- * a target of average yearly growth ("年均增长", growth_average_from) is the compound
--   average of the yearly growth of each year after its base year so far, each year's rate
--   being its latest value.

ALTER TABLE plan_targets ADD COLUMN growth_average_from integer;

COMMENT ON COLUMN plan_targets.growth_average_from IS
    'Growth targets of an average yearly growth: the base year (the rates of the years after it are compounded).';

CREATE FUNCTION average_growth(rates double precision[]) RETURNS double precision
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE
        WHEN count(*) = 0 THEN NULL
        WHEN bool_or(1 + r / 100 <= 0) THEN -100.0
        ELSE (exp(avg(ln(1 + r / 100))) - 1) * 100
    END
    FROM unnest(rates) AS r
$$;

COMMENT ON FUNCTION average_growth(double precision[]) IS
    'The compound average of yearly growth rates in % ((∏(1 + r/100))^(1/n) − 1); −100 when a year lost everything.';

CREATE OR REPLACE FUNCTION target_actual(p_target text, p_from timestamptz, p_to timestamptz)
RETURNS TABLE (ts timestamptz, actual double precision)
LANGUAGE sql STABLE AS $$
    WITH t AS (
        SELECT p.*, (p.kind = 'level-mean' AND i.cadence <= interval '1 hour') AS valid_days_only
        FROM plan_targets p
        JOIN indicators i ON i.id = p.indicator
        WHERE p.id = p_target AND p.scope = 'city'
    ),
    valid AS (
        SELECT r.bucket AS day, avg(r.mean) AS value, avg(r.last) AS last, false AS flag
        FROM t
        JOIN rollups r ON r.indicator = t.indicator
        WHERE t.valid_days_only AND r.width = 'day' AND r.source <> '*' AND r.count >= 20
        GROUP BY r.bucket
    ),
    days AS (
        SELECT day, value, last, flag FROM valid
        UNION ALL
        SELECT c.day, c.value, c.last, c.flag
        FROM t
        JOIN city_daily c ON c.indicator = t.indicator
        WHERE NOT t.valid_days_only
    ),
    d AS (
        SELECT c.day, c.value, c.last, t.kind, t.growth_average_from AS base,
               (t.kind = 'level-mean' OR (t.kind = 'ratio' AND c.flag)) AS as_mean,
               extract(year FROM c.day AT TIME ZONE calendar_tz())::int AS yr
        FROM t
        CROSS JOIN days c
        WHERE c.day < t.deadline_at AND c.day < p_to
    ),
    -- each year's latest rate, for the compound average of the years before a day's own
    final AS (
        SELECT DISTINCT ON (yr) yr, last FROM d ORDER BY yr, day DESC
    ),
    w AS (
        SELECT day, kind, base, as_mean, value, last, yr,
               sum(value) OVER ytd AS ytd_sum,
               avg(value) OVER ytd AS ytd_mean,
               count(*) OVER ytd AS ytd_days,
               avg(value) OVER (ORDER BY day RANGE BETWEEN '364 days' PRECEDING AND CURRENT ROW)
                   AS trailing_mean
        FROM d
        WINDOW ytd AS (PARTITION BY yr ORDER BY day)
    ),
    a AS (
        SELECT day,
               CASE
                   WHEN kind = 'flow' THEN ytd_sum
                   WHEN as_mean THEN CASE WHEN ytd_days >= 30 THEN ytd_mean ELSE trailing_mean END
                   WHEN kind = 'growth' AND base IS NOT NULL THEN CASE
                       WHEN yr <= base THEN NULL
                       ELSE average_growth(array(
                           SELECT f.last FROM final f WHERE f.yr > base AND f.yr < w.yr
                           ORDER BY f.yr) || last)
                   END
                   ELSE last
               END AS actual
        FROM w
        WHERE day >= p_from
    )
    SELECT day, actual FROM a WHERE actual IS NOT NULL ORDER BY day
$$;

COMMENT ON FUNCTION target_actual(text, timestamptz, timestamptz) IS
    'Actual value of a target by kind at the end of each day with data (see measure.py): '
    'valid days only for a mean of hourly measurements, compounded for average yearly growth.';

CREATE OR REPLACE VIEW target_overview AS
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
           WHEN 'no_data' THEN 4 WHEN 'insufficient_data' THEN 4 WHEN 'on_track' THEN 5 WHEN 'met' THEN 6 ELSE 7
       END AS severity_rank,
       s.basis, s.pace_needed, s.pace_recent, s.projection_method,
       s.explanation->'actual'->>'validity' AS validity
FROM v_target_status s
FULL JOIN plan_targets p ON p.id = s.target_id AND p.scope = s.scope
LEFT JOIN indicators i ON i.id = coalesce(s.indicator, p.indicator);

COMMENT ON COLUMN target_overview.validity IS
    'Whether the data is enough to judge the target, or why its year cannot be judged (the engine''s sentence).';

CREATE OR REPLACE VIEW v_alerts_open AS
SELECT * FROM v_alerts WHERE state IN ('pending', 'firing');

-- A flow's chart draws its year to date (target_actual, 0014): the sum since 1 January, against
-- the trajectory's own year to date. Its projection is of the deadline year's total, so it is
-- drawn over that year: from the last actual value when that falls in the deadline year, else
-- from nothing on the year's first day. Drawn from the last value of an earlier year (a yearly
-- report's whole year, or a year before a multi-year deadline), it read as that year's total
-- sitting far above the new year's path. (A whole year's measure is as of the instant the year
-- ended, the next one's first: that counts as an earlier year.)
CREATE OR REPLACE FUNCTION target_chart(p_target text, p_from timestamptz, p_to timestamptz)
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
    CROSS JOIN LATERAL (SELECT date_trunc('year', (s.projection_at - interval '1 microsecond')
                                   AT TIME ZONE calendar_tz()) AT TIME ZONE calendar_tz()) AS y (start)
    CROSS JOIN LATERAL (SELECT CASE WHEN s.kind = 'flow' AND s.as_of <= y.start
                                    THEN y.start ELSE s.as_of END,
                               CASE WHEN s.kind = 'flow' AND s.as_of <= y.start
                                    THEN 0 ELSE s.actual END) AS o (at, value)
    CROSS JOIN LATERAL (VALUES
        (o.at, 'projection', o.value), (s.projection_at, 'projection', s.projection_value),
        (o.at, 'projection low', o.value), (s.projection_at, 'projection low', s.projection_low),
        (o.at, 'projection high', o.value), (s.projection_at, 'projection high', s.projection_high)
    ) AS x (at, metric, value)
    WHERE s.target_id = p_target AND s.projection_method IS DISTINCT FROM 'final'
      AND s.as_of IS NOT NULL AND s.projection_at IS NOT NULL AND x.value IS NOT NULL
    ORDER BY 1, 2
$$;

COMMENT ON FUNCTION target_chart(text, timestamptz, timestamptz) IS
    'Series of a target chart (time, metric, value): actual, trajectory, target, projection (a flow''s over its deadline year).';

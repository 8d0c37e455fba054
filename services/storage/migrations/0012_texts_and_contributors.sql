-- What people read, in each language, and which sources pull a target off: the indicators'
-- Chinese names, each target's name, unit, goal and citation per language (written with
-- plan_targets by `ontrack dashboards publish` and the alert engine as it starts), the
-- contributors the engine stores in each status's explanation as rows, and numbers as text.

ALTER TABLE indicators ADD COLUMN name_zh text NOT NULL DEFAULT '';

COMMENT ON COLUMN indicators.name_zh IS 'The indicator''s Chinese name, as the plans write it.';

-- How one language shows a target (services/dashboards/words.py): stored values divided by
-- ``scale`` are in ``unit`` (万标准箱, million TEU, %); ``goal`` states the target in them;
-- ``citation`` is the plan's title and clause, ``quote`` the plan's own sentence.
CREATE TABLE target_texts (
    target_id  text             NOT NULL REFERENCES plan_targets (id) ON DELETE CASCADE,
    lang       text             NOT NULL,
    label      text             NOT NULL,
    unit       text             NOT NULL,
    scale      double precision NOT NULL CHECK (scale > 0),
    goal       text             NOT NULL,
    plan_title text             NOT NULL,
    clause     text             NOT NULL,
    citation   text             NOT NULL,
    quote      text             NOT NULL,
    PRIMARY KEY (target_id, lang)
);

COMMENT ON TABLE target_texts IS
    'Each published target''s name, display unit and scale, goal and citation, per language.';

-- The sources pulling hardest against each target at the last evaluation, worst first, as
-- the alert engine stores them in target_status.explanation (services/alerts/engine/
-- contributors.py): effect < 0 pulls the target off, in the target's unit.
CREATE VIEW target_contributors AS
SELECT s.target_id, s.scope, s.family, s.indicator, s.status, s.unit, c.rank::int AS rank,
       c.item->>'source' AS source,
       (c.item->>'value')::double precision AS value,
       (c.item->>'share')::double precision AS share,
       (c.item->>'change')::double precision AS change,
       (c.item->>'effect')::double precision AS effect,
       coalesce(c.item->>'text', '') AS text,
       s.evaluated_at
FROM target_status s
CROSS JOIN LATERAL jsonb_array_elements(
    CASE jsonb_typeof(s.explanation->'contributors')
        WHEN 'array' THEN s.explanation->'contributors' ELSE '[]'::jsonb
    END
) WITH ORDINALITY AS c (item, rank);

COMMENT ON VIEW target_contributors IS
    'Per target, the sources pulling it off hardest (rank 1 first): value, share, change, effect.';

-- A number for a sentence: whole above 100 with thousands grouped, else one or two decimals,
-- no trailing zeros (3,243; 27.4; 0.35).
CREATE FUNCTION num_text(x double precision) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE
        WHEN x IS NULL OR x = 'NaN'::double precision
             OR x IN ('Infinity'::double precision, '-Infinity'::double precision) THEN NULL
        WHEN abs(x) >= 100 THEN to_char(round(x::numeric), 'FM999,999,999,999,999,990')
        WHEN abs(x) >= 10 THEN trim_scale(round(x::numeric, 1))::text
        ELSE trim_scale(round(x::numeric, 2))::text
    END
$$;

-- The views of 0005 with what the dashboards now show besides: the indicators' Chinese
-- names, and on what data and at what pace each target stands (columns added at the end).
CREATE OR REPLACE VIEW city_rollups AS
SELECT r.indicator, i.family, i.name, i.unit, i.kind, r.width, r.bucket,
       rollup_value(i.kind, r.mean, r.sum, r.last) AS value,
       r.mean, r.sum, r.min, r.max, r.last, r.last_ts, r.count, r.sources, r.updated_at,
       i.name_zh
FROM rollups r
JOIN indicators i ON i.id = r.indicator
WHERE r.source = '*';

CREATE OR REPLACE VIEW source_rollups AS
SELECT r.indicator, i.family, i.name, i.unit, i.kind, r.source, r.width, r.bucket,
       rollup_value(i.kind, r.mean, r.sum, r.last) AS value,
       r.mean, r.sum, r.min, r.max, r.last, r.last_ts, r.count, r.updated_at,
       i.name_zh
FROM rollups r
JOIN indicators i ON i.id = r.indicator
WHERE r.source <> '*';

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
           WHEN 'no_data' THEN 4 WHEN 'on_track' THEN 5 WHEN 'met' THEN 6 ELSE 7
       END AS severity_rank,
       s.basis, s.pace_needed, s.pace_recent, s.projection_method
FROM v_target_status s
FULL JOIN plan_targets p ON p.id = s.target_id AND p.scope = s.scope
LEFT JOIN indicators i ON i.id = coalesce(s.indicator, p.indicator);

-- alert_timeline (0005) with transitions at the same instant taken in lifecycle order: an
-- alert whose rule has no `for` goes pending and firing in one evaluation, and is firing.
CREATE OR REPLACE FUNCTION alert_timeline(p_from timestamptz, p_to timestamptz, p_step interval)
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
            ORDER BY ev.fingerprint, ev.at DESC,
                     array_position(ARRAY['inactive', 'pending', 'firing', 'resolved'],
                                    ev.to_state) DESC
        ) e
    )
    SELECT t, coalesce(severity, 'unknown'), to_state, count(*)
    FROM at_step
    WHERE to_state IN ('pending', 'firing')
    GROUP BY t, severity, to_state
    ORDER BY 1, 2, 3
$$;

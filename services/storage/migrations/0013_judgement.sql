-- Judgements people can trust (docs/alerting.md):
-- * a status for a period whose data is not enough to judge (GB 3095 validity, a flow's
--   missing months, a stale final value): insufficient_data, never met or missed;
-- * when each target was first judged (the no_data rule waits two reporting intervals
--   after the later of its plan's start and that instant);
-- * an alert keeps what it said when it fired (annotations), with the latest evaluation's
--   words beside it (latest_annotations).

ALTER TABLE target_status DROP CONSTRAINT target_status_status_check;
ALTER TABLE target_status ADD CONSTRAINT target_status_status_check CHECK (status IN
    ('on_track', 'at_risk', 'off_track', 'met', 'missed', 'no_data', 'insufficient_data'));
ALTER TABLE target_status ADD COLUMN first_evaluated_at timestamptz;
UPDATE target_status SET first_evaluated_at = coalesce(status_since, evaluated_at);

ALTER TABLE alerts ADD COLUMN latest_annotations jsonb NOT NULL DEFAULT '{}'::jsonb;
UPDATE alerts SET latest_annotations = annotations;
COMMENT ON COLUMN alerts.annotations IS
    'What the alert said when it last fired (or, while pending, what it says now): kept as it was.';
COMMENT ON COLUMN alerts.latest_annotations IS 'What the latest evaluation says of it.';

CREATE OR REPLACE VIEW v_alerts AS
SELECT a.fingerprint, a.rule_id, a.kind, a.severity, a.subject, a.state, a.labels,
       a.annotations, a.labels->>'target' AS target_id, a.labels->>'series' AS series,
       a.since, a.active_at, a.fired_at, a.resolved_at, a.last_value, a.last_eval,
       a.acked_by, a.acked_at, a.ack_note, a.explanation, a.updated_at, a.latest_annotations
FROM alerts a;

CREATE OR REPLACE VIEW target_status_counts AS
SELECT st.status, count(s.target_id) AS targets
FROM unnest(ARRAY['on_track', 'at_risk', 'off_track', 'met', 'missed', 'no_data',
                  'insufficient_data']) AS st (status)
LEFT JOIN target_status s ON s.status = st.status
GROUP BY st.status;

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
       s.basis, s.pace_needed, s.pace_recent, s.projection_method
FROM v_target_status s
FULL JOIN plan_targets p ON p.id = s.target_id AND p.scope = s.scope
LEFT JOIN indicators i ON i.id = coalesce(s.indicator, p.indicator);

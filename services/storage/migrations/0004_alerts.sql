-- The alert engine's state: where each target stands, every alert's lifecycle state, and
-- the full history of its transitions. Written by services/alerts (one transaction per
-- evaluation); read by the API, the CLI and dashboards through the views at the end.

-- Current judgement of each target (one row per target id and scope), replaced at every
-- evaluation. ``status_since`` is when ``status`` last changed.
CREATE TABLE target_status (
    target_id          text             NOT NULL,
    scope              text             NOT NULL,
    plan_id            text             NOT NULL,
    indicator          text             NOT NULL,
    family             text             NOT NULL,
    kind               text             NOT NULL,
    comparator         text             NOT NULL CHECK (comparator IN ('>=', '<=')),
    target_value       double precision NOT NULL,
    unit               text             NOT NULL,
    deadline           date             NOT NULL,
    status             text             NOT NULL CHECK (status IN
                           ('on_track', 'at_risk', 'off_track', 'met', 'missed', 'no_data')),
    actual             double precision,
    expected           double precision,
    gap                double precision,
    gap_pct            double precision,
    shortfall_pct      double precision,
    projection_value   double precision,
    projection_low     double precision,
    projection_high    double precision,
    projection_at      timestamptz,
    projection_method  text,
    probability_met    double precision,
    pace_needed        double precision,
    pace_recent        double precision,
    pace_text          text             NOT NULL DEFAULT '',
    days_left          integer          NOT NULL,
    basis              text             NOT NULL DEFAULT '',
    as_of              timestamptz,
    last_seen          timestamptz,
    stale              boolean          NOT NULL DEFAULT false,
    evaluated_at       timestamptz      NOT NULL,
    status_since       timestamptz      NOT NULL,
    explanation        jsonb            NOT NULL DEFAULT '{}'::jsonb,
    PRIMARY KEY (target_id, scope)
);

COMMENT ON TABLE target_status IS
    'Where each plan target stands at the last evaluation: actual vs expected, gap, projection, pace.';

-- One row per alert (a rule applied to one target or series) that ever left ``inactive``:
-- everything needed to restore services.alerts.lifecycle.AlertState, plus what the alert
-- says about itself (annotations, explanation) as of its last evaluation.
CREATE TABLE alerts (
    fingerprint        text             PRIMARY KEY,
    rule_id            text             NOT NULL,
    kind               text             NOT NULL,
    severity           text             NOT NULL,
    subject            text             NOT NULL,
    labels             jsonb            NOT NULL DEFAULT '{}'::jsonb,
    annotations        jsonb            NOT NULL DEFAULT '{}'::jsonb,
    state              text             NOT NULL CHECK (state IN
                           ('inactive', 'pending', 'firing', 'resolved')),
    since              timestamptz      NOT NULL,
    active_at          timestamptz,
    fired_at           timestamptz,
    resolved_at        timestamptz,
    last_value         double precision,
    last_eval          timestamptz,
    recover_count      integer          NOT NULL DEFAULT 0,
    recovering_since   timestamptz,
    breaching          boolean          NOT NULL DEFAULT false,
    resolved_by        text,
    hold               boolean          NOT NULL DEFAULT false,
    acked_by           text,
    acked_at           timestamptz,
    ack_note           text,
    explanation        jsonb            NOT NULL DEFAULT '{}'::jsonb,
    created_at         timestamptz      NOT NULL DEFAULT now(),
    updated_at         timestamptz      NOT NULL DEFAULT now()
);

CREATE INDEX alerts_open_idx ON alerts (state, severity) WHERE state IN ('pending', 'firing');
CREATE INDEX alerts_subject_idx ON alerts (subject);

COMMENT ON TABLE alerts IS
    'Current lifecycle state of every alert that ever became pending; the key is its fingerprint.';

-- Every lifecycle transition, kept as history. Unique on (fingerprint, at, to_state): an
-- evaluation repeated at the same instant writes nothing new.
CREATE TABLE alert_events (
    fingerprint        text             NOT NULL,
    at                 timestamptz      NOT NULL,
    from_state         text             NOT NULL,
    to_state           text             NOT NULL,
    value              double precision,
    reason             text             NOT NULL,
    actor              text,
    note               text,
    recorded_at        timestamptz      NOT NULL DEFAULT now(),
    CONSTRAINT alert_events_key UNIQUE (fingerprint, at, to_state)
);

SELECT create_hypertable('alert_events', by_range('at', INTERVAL '30 days'));

COMMENT ON TABLE alert_events IS
    'Alert lifecycle transitions (pending, firing, resolved...), with the value and the reason.';

-- The views the API, the CLI and dashboards share.

CREATE VIEW v_target_status AS
SELECT s.target_id, s.scope, s.plan_id, s.indicator, s.family, s.kind, s.comparator,
       s.target_value, s.unit, s.deadline, s.status, s.actual, s.expected, s.gap, s.gap_pct,
       s.shortfall_pct, s.projection_value, s.projection_low, s.projection_high,
       s.projection_at, s.projection_method, s.probability_met, s.pace_needed, s.pace_recent,
       s.pace_text, s.days_left, s.basis, s.as_of, s.last_seen, s.stale, s.evaluated_at,
       s.status_since, s.explanation,
       (SELECT count(*) FROM alerts a
        WHERE a.subject = s.target_id AND a.state IN ('pending', 'firing'))::int
           AS open_alerts
FROM target_status s;

CREATE VIEW v_alerts AS
SELECT a.fingerprint, a.rule_id, a.kind, a.severity, a.subject, a.state, a.labels,
       a.annotations, a.labels->>'target' AS target_id, a.labels->>'series' AS series,
       a.since, a.active_at, a.fired_at, a.resolved_at, a.last_value, a.last_eval,
       a.acked_by, a.acked_at, a.ack_note, a.explanation, a.updated_at
FROM alerts a;

CREATE VIEW v_alerts_open AS
SELECT * FROM v_alerts WHERE state IN ('pending', 'firing');

CREATE VIEW v_alert_events AS
SELECT e.fingerprint, e.at, e.from_state, e.to_state, e.value, e.reason, e.actor, e.note,
       a.rule_id, a.kind, a.severity, a.subject, a.labels
FROM alert_events e
LEFT JOIN alerts a ON a.fingerprint = e.fingerprint;

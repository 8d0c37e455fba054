-- Raw observations: one row per series (indicator, source) and timestamp, values in the
-- indicator's canonical unit. Storage is idempotent on (indicator, source, ts).
CREATE EXTENSION IF NOT EXISTS timescaledb;

CREATE TABLE observations (
    indicator   text             NOT NULL,
    source      text             NOT NULL,
    ts          timestamptz      NOT NULL,
    value       double precision NOT NULL,
    region      text,
    labels      jsonb            NOT NULL DEFAULT '{}'::jsonb,
    reading_id  text,
    raw_value   double precision,
    raw_unit    text,
    received_at timestamptz      NOT NULL,
    stored_at   timestamptz      NOT NULL DEFAULT now(),
    CONSTRAINT observations_series_ts_key UNIQUE (indicator, source, ts)
);

SELECT create_hypertable('observations', by_range('ts', INTERVAL '7 days'));

COMMENT ON TABLE observations IS
    'Raw readings as accepted by ingest, one per (indicator, source, ts); a revision replaces the value.';

-- The indicator catalogue as the stream loaded it (kept in sync at worker start), so SQL
-- (rollups, views, dashboards) knows each indicator's kind and how its sources combine.
CREATE TABLE indicators (
    id         text PRIMARY KEY,
    name       text NOT NULL,
    family     text NOT NULL,
    unit       text NOT NULL,
    kind       text NOT NULL,
    combine    text NOT NULL CHECK (combine IN ('mean', 'sum', 'single')),
    cadence    interval NOT NULL,
    derived    boolean NOT NULL DEFAULT false,
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- Calendar rollups (Asia/Shanghai buckets) per series, and city-wide under source '*'.
-- Recomputed from the level below whenever a batch changes an observation, so late data,
-- revisions and redeliveries all end in the same rows as a recomputation from scratch.
--   source rows: count/sum/min/max/mean over the series' observations; last = value at last_ts
--   city rows:   combine = mean   → mean, last averaged over sources (min/max over them)
--                combine = sum    → sum, mean, last summed over sources; for stocks and
--                                   capacities each source's last known value is carried
--                                   forward into buckets where it did not report
--                combine = single → as sum (one source)
CREATE TABLE rollups (
    indicator  text             NOT NULL,
    width      text             NOT NULL CHECK (width IN ('hour', 'day', 'month', 'year')),
    source     text             NOT NULL,
    bucket     timestamptz      NOT NULL,
    count      bigint           NOT NULL,
    sum        double precision NOT NULL,
    min        double precision NOT NULL,
    max        double precision NOT NULL,
    mean       double precision NOT NULL,
    last       double precision NOT NULL,
    last_ts    timestamptz      NOT NULL,
    sources    integer          NOT NULL DEFAULT 1,
    updated_at timestamptz      NOT NULL DEFAULT now(),
    PRIMARY KEY (indicator, width, source, bucket)
);

-- City rows are recomputed from every source's row of a bucket: look those up by bucket.
CREATE INDEX rollups_bucket_idx ON rollups (indicator, width, bucket);

COMMENT ON TABLE rollups IS
    'Calendar-bucket aggregates per series and city-wide (source *), maintained by the stream.';

-- Daily AQI per HJ 633-2012, per station and for the city (scope 'city', from the city
-- mean concentrations), derived by the stream from the day rollups.
CREATE TABLE air_quality_days (
    scope       text        NOT NULL,
    day         date        NOT NULL,
    aqi         integer     NOT NULL,
    primary_pollutants text[] NOT NULL DEFAULT '{}',
    good        boolean     NOT NULL,
    heavy       boolean     NOT NULL,
    pollutants  jsonb       NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (scope, day)
);

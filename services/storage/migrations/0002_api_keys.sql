-- API keys of feed providers. Only the SHA-256 of a token is stored; the token itself is
-- shown once, when the key is made (`ontrack keys create`). A key may write the indicators
-- and sources its patterns match; roles say which endpoints it may use.
CREATE TABLE api_keys (
    id           text        PRIMARY KEY CHECK (id ~ '^[0-9a-f]{16}$'),
    hash         bytea       NOT NULL UNIQUE CHECK (octet_length(hash) = 32),
    provider     text        NOT NULL CHECK (provider <> ''),
    indicators   text[]      NOT NULL CHECK (cardinality(indicators) > 0),
    sources      text[]      NOT NULL CHECK (cardinality(sources) > 0),
    roles        text[]      NOT NULL DEFAULT '{ingest}'
                             CHECK (roles <@ ARRAY['ingest', 'operator', 'admin']::text[]),
    note         text,
    created_at   timestamptz NOT NULL DEFAULT now(),
    revoked_at   timestamptz,
    last_used_at timestamptz
);

CREATE INDEX api_keys_provider_idx ON api_keys (provider);

COMMENT ON TABLE api_keys IS
    'Feed providers'' API keys: hash of the token, scope (indicator and source patterns), roles.';
COMMENT ON COLUMN api_keys.last_used_at IS
    'Updated by the API at most once a minute per key and process.';

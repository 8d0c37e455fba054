-- On-call delivery: the notifications outbox and silences. Written by services/alerts/notify
-- (the engine enqueues in the same transaction as it stores transitions; `ontrack notify`
-- delivers); manual actions (ack, silence, resolve) are recorded in alert_events (0004)
-- with their actor and note.

-- Silences: alerts whose labels match every matcher are not notified between starts_at and
-- ends_at (a maintenance window is a silence that starts later). Expiring one early sets
-- expired_at; rows are kept as history.
CREATE TABLE silences (
    id          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    matchers    jsonb       NOT NULL CHECK (jsonb_typeof(matchers) = 'array'
                                            AND jsonb_array_length(matchers) > 0),
    starts_at   timestamptz NOT NULL,
    ends_at     timestamptz NOT NULL,
    created_by  text        NOT NULL CHECK (created_by <> ''),
    comment     text        NOT NULL CHECK (comment <> ''),
    created_at  timestamptz NOT NULL DEFAULT now(),
    expired_at  timestamptz,
    expired_by  text,
    CHECK (ends_at > starts_at)
);

CREATE INDEX silences_current_idx ON silences (ends_at) WHERE expired_at IS NULL;

COMMENT ON TABLE silences IS
    'Label matchers ([{name, op, value}], op one of = != =~ !~) that mute notifications for a time.';

-- The outbox: one row per notification per receiver. A row is pending until delivered
-- (delivered_at), muted by a silence (silenced_by), or merged into a digest (digest_id)
-- when its receiver was over its rate limit; the digest row is then delivered like any
-- other and its members are marked delivered with it. dedup_key is stable per alert
-- change (sha256 of fingerprint, kind and firing episode): receivers use it to drop repeats.
CREATE TABLE notifications (
    id           bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    dedup_key    text        NOT NULL,
    receiver     text        NOT NULL,
    group_key    text        NOT NULL,
    fingerprint  text,
    kind         text        NOT NULL CHECK (kind IN ('firing', 'resolved', 'repeat', 'digest')),
    status       text        NOT NULL DEFAULT 'pending'
                             CHECK (status IN ('pending', 'delivered', 'silenced', 'digested')),
    episode_at   timestamptz,
    payload      jsonb       NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    due_at       timestamptz NOT NULL,
    attempts     integer     NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    lease_until  timestamptz,
    last_error   text,
    delivered_at timestamptz,
    silenced_by  bigint      REFERENCES silences (id),
    digest_id    bigint      REFERENCES notifications (id),
    CONSTRAINT notifications_dedup UNIQUE (receiver, dedup_key),
    CHECK ((status = 'delivered') = (delivered_at IS NOT NULL)),
    CHECK ((kind = 'digest') = (fingerprint IS NULL))
);

CREATE INDEX notifications_due_idx ON notifications (due_at) WHERE status = 'pending';
CREATE INDEX notifications_group_idx ON notifications (receiver, group_key, status);
CREATE INDEX notifications_alert_idx ON notifications (fingerprint, receiver, episode_at);
CREATE INDEX notifications_digest_idx ON notifications (digest_id) WHERE digest_id IS NOT NULL;

COMMENT ON TABLE notifications IS
    'Outbox of alert notifications per receiver: pending, delivered, silenced or digested.';
COMMENT ON COLUMN notifications.due_at IS
    'When the dispatcher may take it: after the group wait, a retry backoff or a rate-limit hold.';
COMMENT ON COLUMN notifications.lease_until IS
    'Set while a dispatcher delivers the row; a crashed dispatcher''s rows come back after it.';

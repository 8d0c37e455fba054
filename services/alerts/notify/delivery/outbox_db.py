"""SQL of on-call delivery: the outbox, silences, and the alert rows actions change.

Every function takes a connection and works inside the caller's transaction; none
commits. Cursors are opened here with a known row factory, so the caller's cursor type
does not matter. Queries are constants (parameters bound by psycopg).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from psycopg import AsyncConnection
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

from services.alerts.engine import AlertState, State
from services.alerts.notify.delivery.outbox import Pending
from services.alerts.notify.message import AlertSnapshot, Kind, Notification
from services.alerts.notify.routing import Matcher, Silence, matches_all

__all__ = [
    "GroupState",
    "NewRow",
    "Repeats",
    "active_silences",
    "alert_row",
    "claim_due",
    "digest",
    "expire_silence",
    "firing_alerts",
    "group_state",
    "hold",
    "insert",
    "insert_silence",
    "list_silences",
    "mark_delivered",
    "mark_failed",
    "mark_silenced",
    "matching",
    "notified_receivers",
    "open_alerts",
    "outbox_depth",
    "record_event",
    "release",
    "repeat_state",
    "save_ack",
    "save_resolve",
    "snapshot_of",
    "state_of",
]

Conn = AsyncConnection[Any]

# --- outbox ----------------------------------------------------------------------------


@dataclass(frozen=True)
class NewRow:
    notification: Notification
    receiver: str
    group_key: str
    due_at: datetime
    silenced_by: int | None = None


_INSERT = """
INSERT INTO notifications (dedup_key, receiver, group_key, fingerprint, kind, status,
                           episode_at, payload, created_at, due_at, silenced_by)
VALUES (%(key)s, %(receiver)s, %(group)s, %(fingerprint)s, %(kind)s, %(status)s,
        %(episode)s, %(payload)s, %(now)s, %(due)s, %(silenced_by)s)
ON CONFLICT (receiver, dedup_key) DO NOTHING
RETURNING id
"""


async def insert(conn: Conn, row: NewRow, now: datetime) -> int | None:
    """Add a notification; None when the receiver already has its dedup key."""
    n = row.notification
    async with conn.cursor() as cur:
        await cur.execute(
            _INSERT,
            {
                "key": n.dedup_key,
                "receiver": row.receiver,
                "group": row.group_key,
                "fingerprint": n.fingerprint,
                "kind": n.kind.value,
                "status": "silenced" if row.silenced_by is not None else "pending",
                "episode": n.episode_at,
                "payload": Jsonb(n.payload()),
                "now": now,
                "due": row.due_at,
                "silenced_by": row.silenced_by,
            },
        )
        found = await cur.fetchone()
    return int(found[0]) if found else None


@dataclass(frozen=True)
class GroupState:
    last_sent: datetime | None
    waiting_due: datetime | None


_GROUP = """
SELECT max(delivered_at) FILTER (WHERE status = 'delivered'),
       min(due_at) FILTER (WHERE status = 'pending' AND attempts = 0 AND lease_until IS NULL)
FROM notifications WHERE receiver = %s AND group_key = %s
"""


async def group_state(conn: Conn, receiver: str, group_key: str) -> GroupState:
    async with conn.cursor() as cur:
        await cur.execute(_GROUP, [receiver, group_key])
        found = await cur.fetchone()
    return GroupState(found[0], found[1]) if found else GroupState(None, None)


_NOTIFIED = """
SELECT DISTINCT receiver FROM notifications
WHERE fingerprint = %s AND episode_at = %s AND kind IN ('firing', 'repeat')
  AND status IN ('pending', 'delivered', 'digested')
"""


async def notified_receivers(conn: Conn, fingerprint: str, episode: datetime) -> set[str]:
    """Receivers told (or about to be told) that this episode fired."""
    async with conn.cursor() as cur:
        await cur.execute(_NOTIFIED, [fingerprint, episode])
        return {str(r[0]) for r in await cur.fetchall()}


_CLAIM = """
WITH due AS (
    SELECT DISTINCT receiver, group_key FROM (
        SELECT receiver, group_key FROM notifications
        WHERE status = 'pending' AND due_at <= %(now)s
          AND (lease_until IS NULL OR lease_until < %(now)s)
        ORDER BY due_at LIMIT %(limit)s
    ) d
), picked AS (
    SELECT n.id FROM notifications n
    JOIN due USING (receiver, group_key)
    WHERE n.status = 'pending' AND (n.lease_until IS NULL OR n.lease_until < %(now)s)
      AND (n.due_at <= %(now)s OR n.attempts > 0)
    FOR UPDATE OF n SKIP LOCKED
)
UPDATE notifications n SET lease_until = %(lease)s
FROM picked WHERE n.id = picked.id
RETURNING n.id, n.receiver, n.group_key, n.kind, n.payload, n.attempts
"""


async def claim_due(conn: Conn, now: datetime, lease_until: datetime, limit: int) -> list[Pending]:
    """Lease the due rows (and the failed rows of their groups) for delivery.

    Rows locked by another dispatcher are skipped; a crashed dispatcher's lease runs out.
    """
    async with conn.cursor(row_factory=dict_row) as cur:
        await cur.execute(_CLAIM, {"now": now, "lease": lease_until, "limit": limit})
        rows = await cur.fetchall()
    return [_pending(r) for r in rows]


def _pending(row: Mapping[str, Any]) -> Pending:
    kind = Kind(row["kind"])
    payload = row["payload"]
    members = payload["members"] if kind is Kind.DIGEST else [payload]
    return Pending(
        id=int(row["id"]),
        receiver=row["receiver"],
        group_key=row["group_key"],
        kind=kind,
        notifications=tuple(Notification.from_payload(m) for m in members),
        attempts=int(row["attempts"]),
    )


_DELIVERED = """
UPDATE notifications SET status = 'delivered', delivered_at = %(now)s, lease_until = NULL,
       attempts = attempts + 1, last_error = NULL
WHERE id = ANY(%(ids)s)
"""
_DELIVERED_MEMBERS = """
UPDATE notifications SET status = 'delivered', delivered_at = %(now)s
WHERE digest_id = ANY(%(ids)s) AND status = 'digested'
"""


async def mark_delivered(conn: Conn, ids: Sequence[int], now: datetime) -> None:
    async with conn.cursor() as cur:
        await cur.execute(_DELIVERED, {"ids": list(ids), "now": now})
        await cur.execute(_DELIVERED_MEMBERS, {"ids": list(ids), "now": now})


_FAILED = """
UPDATE notifications n SET attempts = n.attempts + 1, last_error = %(error)s,
       due_at = u.due, lease_until = NULL
FROM unnest(%(ids)s::bigint[], %(due)s::timestamptz[]) AS u (id, due)
WHERE n.id = u.id
"""


async def mark_failed(conn: Conn, retry_at: Mapping[int, datetime], error: str) -> None:
    ids = list(retry_at)
    async with conn.cursor() as cur:
        await cur.execute(
            _FAILED, {"ids": ids, "due": [retry_at[i] for i in ids], "error": error[:2000]}
        )


async def mark_silenced(conn: Conn, ids: Sequence[int], silence_id: int) -> None:
    async with conn.cursor() as cur:
        await cur.execute(
            "UPDATE notifications SET status = 'silenced', silenced_by = %s, lease_until = NULL"
            " WHERE id = ANY(%s)",
            [silence_id, list(ids)],
        )


async def hold(conn: Conn, ids: Sequence[int], until: datetime) -> None:
    """Keep rows pending until ``until`` (their receiver is over its rate limit)."""
    async with conn.cursor() as cur:
        await cur.execute(
            "UPDATE notifications SET due_at = %s, lease_until = NULL WHERE id = ANY(%s)",
            [until, list(ids)],
        )


async def release(conn: Conn, ids: Sequence[int]) -> None:
    """Give back leased rows untouched (the dispatcher is stopping)."""
    async with conn.cursor() as cur:
        await cur.execute(
            "UPDATE notifications SET lease_until = NULL WHERE id = ANY(%s)", [list(ids)]
        )


_DIGEST = """
INSERT INTO notifications (dedup_key, receiver, group_key, fingerprint, kind, status, payload,
                           created_at, due_at, lease_until)
VALUES (%(key)s, %(receiver)s, %(group)s, NULL, 'digest', 'pending', %(payload)s, %(now)s,
        %(now)s, %(lease)s)
ON CONFLICT (receiver, dedup_key) DO UPDATE SET lease_until = EXCLUDED.lease_until
RETURNING id, attempts
"""


async def digest(
    conn: Conn, receiver: str, key: str, members: Sequence[Pending], now: datetime, lease: datetime
) -> Pending:
    """Merge rows into one digest row (leased to the caller); the members await its delivery."""
    notes = [n for row in members for n in row.notifications]
    async with conn.cursor() as cur:
        await cur.execute(
            _DIGEST,
            {
                "key": key,
                "receiver": receiver,
                "group": f"digest/{key[:16]}",
                "payload": Jsonb({"members": [n.payload() for n in notes]}),
                "now": now,
                "lease": lease,
            },
        )
        found = await cur.fetchone()
        assert found is not None
        digest_id = int(found[0])
        await cur.execute(
            "UPDATE notifications SET status = 'digested', digest_id = %s, lease_until = NULL"
            " WHERE id = ANY(%s)",
            [digest_id, [row.id for row in members]],
        )
    return Pending(
        digest_id, receiver, f"digest/{key[:16]}", Kind.DIGEST, tuple(notes), int(found[1])
    )


async def outbox_depth(conn: Conn) -> int:
    async with conn.cursor() as cur:
        await cur.execute("SELECT count(*) FROM notifications WHERE status = 'pending'")
        found = await cur.fetchone()
    return int(found[0]) if found else 0


# --- repeats ---------------------------------------------------------------------------

_FIRING = """
SELECT fingerprint, rule_id, severity, labels, annotations, explanation, fired_at, acked_by,
       state, last_value
FROM alerts WHERE state = 'firing' AND fired_at IS NOT NULL
"""


async def firing_alerts(conn: Conn) -> list[tuple[AlertSnapshot, float | None]]:
    """Alerts firing now, with their last value."""
    async with conn.cursor(row_factory=dict_row) as cur:
        await cur.execute(_FIRING)
        return [(snapshot_of(r), r["last_value"]) for r in await cur.fetchall()]


@dataclass(frozen=True)
class Repeats:
    """Per (receiver, fingerprint) of the current episode: last delivery, and whether one waits."""

    last_delivered: datetime | None
    waiting: bool


_REPEATS = """
SELECT n.receiver, n.fingerprint, max(n.delivered_at),
       bool_or(n.status IN ('pending', 'digested'))
FROM notifications n
JOIN alerts a ON a.fingerprint = n.fingerprint AND n.episode_at = a.fired_at
WHERE a.state = 'firing' AND n.kind IN ('firing', 'repeat')
GROUP BY n.receiver, n.fingerprint
"""


async def repeat_state(conn: Conn) -> dict[tuple[str, str], Repeats]:
    async with conn.cursor() as cur:
        await cur.execute(_REPEATS)
        rows = await cur.fetchall()
    return {(str(r[0]), str(r[1])): Repeats(r[2], bool(r[3])) for r in rows}


# --- silences --------------------------------------------------------------------------


async def active_silences(conn: Conn, now: datetime) -> list[Silence]:
    """Silences in force at ``now``."""
    async with conn.cursor(row_factory=dict_row) as cur:
        await cur.execute(
            "SELECT id, matchers, starts_at, ends_at, created_by, comment, expired_at, expired_by"
            " FROM silences WHERE expired_at IS NULL AND starts_at <= %(now)s AND ends_at > %(now)s"
            " ORDER BY id",
            {"now": now},
        )
        return [_silence(r) for r in await cur.fetchall()]


async def list_silences(conn: Conn, now: datetime, *, include_expired: bool) -> list[Silence]:
    """Pending and active silences (and, if asked, the expired ones), newest first."""
    async with conn.cursor(row_factory=dict_row) as cur:
        await cur.execute(
            "SELECT id, matchers, starts_at, ends_at, created_by, comment, expired_at, expired_by"
            " FROM silences WHERE %(all)s OR (expired_at IS NULL AND ends_at > %(now)s)"
            " ORDER BY id DESC",
            {"now": now, "all": include_expired},
        )
        return [_silence(r) for r in await cur.fetchall()]


async def insert_silence(conn: Conn, silence: Silence, now: datetime) -> int:
    async with conn.cursor() as cur:
        await cur.execute(
            "INSERT INTO silences (matchers, starts_at, ends_at, created_by, comment, created_at)"
            " VALUES (%s, %s, %s, %s, %s, %s) RETURNING id",
            [
                Jsonb([m.to_json() for m in silence.matchers]),
                silence.starts_at,
                silence.ends_at,
                silence.created_by,
                silence.comment,
                now,
            ],
        )
        found = await cur.fetchone()
    assert found is not None
    return int(found[0])


async def expire_silence(conn: Conn, silence_id: int, by: str, now: datetime) -> Silence | None:
    """End a silence now; None when there is no such silence. Ending one twice is harmless."""
    async with conn.cursor(row_factory=dict_row) as cur:
        await cur.execute(
            "UPDATE silences SET expired_at = %(now)s, expired_by = %(by)s"
            " WHERE id = %(id)s AND expired_at IS NULL AND ends_at > %(now)s",
            {"id": silence_id, "by": by, "now": now},
        )
        await cur.execute(
            "SELECT id, matchers, starts_at, ends_at, created_by, comment, expired_at, expired_by"
            " FROM silences WHERE id = %s",
            [silence_id],
        )
        found = await cur.fetchone()
    return _silence(found) if found else None


def _silence(row: Mapping[str, Any]) -> Silence:
    return Silence(
        id=int(row["id"]),
        matchers=tuple(Matcher.from_json(m) for m in row["matchers"]),
        starts_at=row["starts_at"],
        ends_at=row["ends_at"],
        created_by=row["created_by"],
        comment=row["comment"],
        expired_at=row["expired_at"],
        expired_by=row["expired_by"],
    )


# --- alerts (rows of 0004) -------------------------------------------------------------


async def alert_row(conn: Conn, fingerprint: str, *, lock: bool) -> dict[str, Any] | None:
    """The alert's row (locked against the engine's concurrent update when ``lock``)."""
    query = "SELECT * FROM alerts WHERE fingerprint = %s"
    async with conn.cursor(row_factory=dict_row) as cur:
        await cur.execute(query + " FOR UPDATE" if lock else query, [fingerprint])
        return await cur.fetchone()


async def open_alerts(conn: Conn) -> list[dict[str, Any]]:
    async with conn.cursor(row_factory=dict_row) as cur:
        await cur.execute("SELECT * FROM alerts WHERE state IN ('pending', 'firing')")
        return await cur.fetchall()


def state_of(row: Mapping[str, Any]) -> AlertState:
    """The lifecycle state stored in an ``alerts`` row."""
    return AlertState(
        fingerprint=row["fingerprint"],
        rule_id=row["rule_id"],
        labels=dict(row["labels"]),
        state=State(row["state"]),
        since=row["since"],
        active_at=row["active_at"],
        fired_at=row["fired_at"],
        resolved_at=row["resolved_at"],
        last_value=row["last_value"],
        last_eval=row["last_eval"],
        recover_count=row["recover_count"],
        recovering_since=row["recovering_since"],
        breaching=row["breaching"],
        resolved_by=row["resolved_by"],
        hold=row["hold"],
        acked_by=row["acked_by"],
        acked_at=row["acked_at"],
        ack_note=row["ack_note"],
    )


def snapshot_of(row: Mapping[str, Any]) -> AlertSnapshot:
    return AlertSnapshot(
        fingerprint=row["fingerprint"],
        rule_id=row["rule_id"],
        severity=row["severity"],
        labels=dict(row["labels"]),
        annotations=dict(row["annotations"]),
        explanation=dict(row["explanation"]),
        fired_at=row["fired_at"],
        acked_by=row["acked_by"],
    )


async def save_ack(conn: Conn, state: AlertState, now: datetime) -> None:
    async with conn.cursor() as cur:
        await cur.execute(
            "UPDATE alerts SET acked_by = %s, acked_at = %s, ack_note = %s, updated_at = %s"
            " WHERE fingerprint = %s",
            [state.acked_by, state.acked_at, state.ack_note, now, state.fingerprint],
        )


async def save_resolve(conn: Conn, state: AlertState, now: datetime) -> None:
    async with conn.cursor() as cur:
        await cur.execute(
            "UPDATE alerts SET state = %s, since = %s, resolved_at = %s, resolved_by = %s,"
            " hold = %s, updated_at = %s WHERE fingerprint = %s",
            [
                state.state.value,
                state.since,
                state.resolved_at,
                state.resolved_by,
                state.hold,
                now,
                state.fingerprint,
            ],
        )


_EVENT = """
INSERT INTO alert_events (fingerprint, at, from_state, to_state, value, reason, actor, note)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s)
ON CONFLICT ON CONSTRAINT alert_events_key DO NOTHING
RETURNING at
"""


async def record_event(
    conn: Conn,
    fingerprint: str,
    at: datetime,
    states: tuple[str, str],
    *,
    value: float | None,
    reason: str,
    actor: str,
    note: str | None,
) -> datetime:
    """Add a line to the alert's history (``alert_events``); returns the instant used.

    The history is unique on (fingerprint, at, to_state): an action at the very instant of
    another with the same state is recorded a microsecond later rather than lost.
    """
    async with conn.cursor() as cur:
        for shift in range(1000):
            moment = at + shift * _MICROSECOND
            await cur.execute(
                _EVENT, [fingerprint, moment, states[0], states[1], value, reason, actor, note]
            )
            if await cur.fetchone():
                return moment
    raise RuntimeError(f"alert_events of {fingerprint} at {at}: no free instant")


_MICROSECOND = timedelta(microseconds=1)


def matching(
    rows: Iterable[Mapping[str, Any]], matchers: Sequence[Matcher]
) -> list[dict[str, Any]]:
    """Alert rows whose routing labels match every matcher."""
    return [dict(r) for r in rows if matches_all(matchers, snapshot_of(r).routing_labels)]

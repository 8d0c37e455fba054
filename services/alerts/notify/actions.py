"""What people do to alerts: acknowledge, resolve by hand, silence — for the API and the CLI.

Each action runs in the caller's connection (one transaction per call) and takes the
alert engine's lock (``services.alerts.snapshot.alert_state.lock``) first: the engine loads, steps and
rewrites whole alert rows under that lock, so an action made during an evaluation would
otherwise be overwritten by it. Then it applies the pure lifecycle function and
writes a line in the alert's history (``alert_events``) with who acted and their note.
A manual resolve also enqueues the resolved notifications. A silence lands in the
history of every open alert it matches when it is made and when it is expired.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from services.alerts.engine import AlertState, acknowledge, resolve_manually
from services.alerts.notify.delivery import outbox_db as store
from services.alerts.notify.delivery.enqueue import Enqueued, enqueue_for_transitions
from services.alerts.notify.errors import AlertNotFound, SilenceNotFound
from services.alerts.notify.routing import Matcher, RouteConfig, Silence
from services.alerts.snapshot import lock as engine_lock

__all__ = ["SilenceAdded", "ack", "add_silence", "expire_silence", "resolve"]


async def ack(conn: store.Conn, fingerprint: str, by: str, note: str, now: datetime) -> AlertState:
    """Acknowledge a pending or firing alert (its repeats stop until it fires anew)."""
    async with conn.transaction():
        row = await _locked(conn, fingerprint)
        state = acknowledge(store.state_of(row), by, note, now)
        await store.save_ack(conn, state, now)
        await store.record_event(
            conn, fingerprint, now, (state.state.value, state.state.value),
            value=state.last_value, reason=f"acknowledged by {by}", actor=by, note=note,
        )  # fmt: skip
    return state


async def resolve(
    conn: store.Conn, fingerprint: str, by: str, note: str, now: datetime, routes: RouteConfig
) -> tuple[AlertState, list[Enqueued]]:
    """Resolve a firing alert by hand and tell those who were told it fired.

    Resolving an alert already resolved changes nothing (no history line, no message).
    """
    async with conn.transaction():
        row = await _locked(conn, fingerprint)
        state, changes = resolve_manually(store.state_of(row), by, note, now)
        if not changes:
            return state, []
        await store.save_resolve(conn, state, now)
        for change in changes:
            await store.record_event(
                conn, fingerprint, change.at, (change.from_state.value, change.to_state.value),
                value=change.value, reason=change.reason, actor=by, note=note,
            )  # fmt: skip
        alert = store.snapshot_of(row)
        async with conn.cursor() as cur:
            sent = await enqueue_for_transitions(cur, [(alert, c) for c in changes], routes, now)
    return state, sent


@dataclass(frozen=True)
class SilenceAdded:
    silence: Silence
    alerts: Sequence[str]
    """Fingerprints of the open alerts it matched when it was made."""


async def add_silence(
    conn: store.Conn,
    matchers: Sequence[Matcher],
    starts_at: datetime,
    ends_at: datetime,
    by: str,
    comment: str,
    now: datetime,
) -> SilenceAdded:
    """Make a silence (or a maintenance window, when it starts later)."""
    draft = Silence(
        id=None, matchers=tuple(matchers), starts_at=starts_at, ends_at=ends_at,
        created_by=by, comment=comment,
    )  # fmt: skip
    async with conn.transaction():
        silence_id = await store.insert_silence(conn, draft, now)
        silence = replace(draft, id=silence_id)
        what = "silenced" if starts_at <= now else f"maintenance window from {_at(starts_at)}"
        reason = f"{what} by {by} until {_at(ends_at)} (silence {silence_id})"
        hit = await _note_matching(conn, matchers, now, reason, by, comment)
    return SilenceAdded(silence, hit)


async def expire_silence(conn: store.Conn, silence_id: int, by: str, now: datetime) -> Silence:
    """End a silence now; its alerts are notified again (at their next repeat check)."""
    async with conn.transaction():
        silence = await store.expire_silence(conn, silence_id, by, now)
        if silence is None:
            raise SilenceNotFound(f"no silence {silence_id}: `ontrack silence list` shows them")
        if silence.expired_by == by and silence.expired_at == now:
            reason = f"silence {silence_id} expired by {by}"
            await _note_matching(conn, silence.matchers, now, reason, by, silence.comment)
    return silence


async def _locked(conn: store.Conn, fingerprint: str) -> dict[str, Any]:
    await engine_lock(conn)
    row = await store.alert_row(conn, fingerprint, lock=True)
    if row is None:
        raise AlertNotFound(
            f"no alert {fingerprint}: copy the fingerprint (16 hex digits) from the notification"
        )
    return row


async def _note_matching(
    conn: store.Conn, matchers: Sequence[Matcher], now: datetime, reason: str, by: str, note: str
) -> list[str]:
    hit = store.matching(await store.open_alerts(conn), matchers)
    for row in hit:
        await store.record_event(
            conn, str(row["fingerprint"]), now, (str(row["state"]), str(row["state"])),
            value=row["last_value"], reason=reason, actor=by, note=note,
        )  # fmt: skip
    return [str(row["fingerprint"]) for row in hit]


def _at(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")

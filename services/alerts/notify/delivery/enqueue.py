"""Putting notifications in the outbox, in the caller's transaction.

The engine calls :func:`enqueue_for_transitions` in the transaction that stores its
transitions, so a transition is committed with its notifications or not at all. Routing
is decided here (the receivers and groups of each notification); an active silence is
checked here too — a muted notification is recorded as ``silenced`` and never sent.
A resolved notification goes only to receivers that were told (or are about to be told)
that the episode fired, and that want resolved notifications.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from psycopg import AsyncConnection, AsyncCursor

from services.alerts.engine import AlertState, Transition
from services.alerts.notify.delivery import outbox_db as store
from services.alerts.notify.delivery.outbox import group_due_at
from services.alerts.notify.message import AlertSnapshot, Kind, Notification, from_transition
from services.alerts.notify.routing import (
    RouteConfig,
    RouteMatch,
    Silence,
    group_key,
    muting,
    route,
)

__all__ = ["AlertLike", "Enqueued", "enqueue", "enqueue_for_transitions", "pairs_of"]


@dataclass(frozen=True)
class Enqueued:
    """One outbox row written (``id`` None: the receiver already had this dedup key)."""

    id: int | None
    receiver: str
    dedup_key: str
    kind: Kind
    silenced_by: int | None
    due_at: datetime


class AlertLike(Protocol):
    """What the engine keeps of an alert (its ``AlertRecord`` has these)."""

    @property
    def state(self) -> AlertState: ...
    @property
    def severity(self) -> str: ...
    @property
    def annotations(self) -> Mapping[str, str]: ...
    @property
    def explanation(self) -> Mapping[str, Any]: ...


def pairs_of(
    alerts: Iterable[AlertLike], transitions: Iterable[Transition]
) -> list[tuple[AlertSnapshot, Transition]]:
    """Each transition with the snapshot of its alert (transitions of unknown alerts: left out)."""
    snapshots = {
        a.state.fingerprint: AlertSnapshot.of(
            a.state, a.severity, annotations=a.annotations, explanation=a.explanation
        )
        for a in alerts
    }
    return [(snapshots[t.fingerprint], t) for t in transitions if t.fingerprint in snapshots]


async def enqueue_for_transitions(
    cur: AsyncCursor[Any],
    alerts_and_transitions: Iterable[tuple[AlertSnapshot, Transition]],
    routes: RouteConfig,
    now: datetime,
) -> list[Enqueued]:
    """Enqueue the notifications of transitions (firing, and resolved after firing).

    Other transitions (to pending, back to inactive) are ignored, so the engine may pass
    every transition it made. Safe to call again with the same transitions: dedup keys
    are unique per receiver.
    """
    conn = cur.connection
    found: list[Notification] = []
    for alert, change in alerts_and_transitions:
        notification = from_transition(alert, change)
        if notification is not None:
            found.append(notification)
    if not found:
        return []
    silences = await store.active_silences(conn, now)
    done: list[Enqueued] = []
    for notification in found:
        done += await enqueue(conn, notification, routes, silences, now)
    return done


async def enqueue(
    conn: AsyncConnection[Any],
    notification: Notification,
    routes: RouteConfig,
    silences: Sequence[Silence],
    now: datetime,
    *,
    only: str | None = None,
) -> list[Enqueued]:
    """Route one notification and write a row per receiver (``only``: that receiver alone)."""
    labels = notification.routing_labels
    silence = muting(silences, labels, now)
    targets = [m for m in route(routes, labels) if only is None or m.receiver == only]
    if notification.kind is Kind.RESOLVED:
        told = await store.notified_receivers(
            conn, notification.fingerprint, notification.episode_at
        )
        targets = [m for m in targets if m.receiver in told and _wants_resolved(routes, m)]
    done = []
    for match in targets:
        key = group_key(match, labels)
        state = await store.group_state(conn, match.receiver, key)
        due = group_due_at(now, match.timing, state.last_sent, state.waiting_due)
        muted_by = silence.id if silence is not None else None
        row = store.NewRow(notification, match.receiver, key, due, muted_by)
        row_id = await store.insert(conn, row, now)
        done.append(
            Enqueued(
                row_id, match.receiver, notification.dedup_key, notification.kind, muted_by, due
            )
        )
    return done


def _wants_resolved(routes: RouteConfig, match: RouteMatch) -> bool:
    receiver = routes.receivers.get(match.receiver)
    return receiver is not None and receiver.send_resolved

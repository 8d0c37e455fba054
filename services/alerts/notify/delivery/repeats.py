"""Repeats: alerts still firing are sent again, by the dispatcher's clock.

For each firing alert (``alerts`` table) and each receiver its labels route to, a repeat
is due ``repeat_interval`` after the last delivery of its episode to that receiver, or
at once if none was ever delivered (its firing was silenced, or the receiver is new) —
unless a notification of the episode still waits in the outbox. Silenced alerts get
none; acknowledged ones get none either, except to Alertmanager, which would otherwise
let the alert expire while it fires. Repeats are numbered (intervals since the alert
fired), so concurrent dispatchers enqueue the same dedup key once.
"""

from __future__ import annotations

from datetime import datetime

from services.alerts.notify.delivery import outbox_db as store
from services.alerts.notify.delivery.enqueue import enqueue
from services.alerts.notify.delivery.outbox import repeat_number
from services.alerts.notify.message import repeat_of
from services.alerts.notify.metrics import NotifyMetrics
from services.alerts.notify.routing import RouteConfig, muting, route

__all__ = ["enqueue_repeats"]


async def enqueue_repeats(
    conn: store.Conn, routes: RouteConfig, now: datetime, metrics: NotifyMetrics
) -> int:
    """Enqueue every repeat due at ``now``; returns how many were new."""
    firing = await store.firing_alerts(conn)
    if not firing:
        return 0
    seen = await store.repeat_state(conn)
    silences = await store.active_silences(conn, now)
    count = 0
    for alert, value in firing:
        labels = alert.routing_labels
        if alert.fired_at is None or muting(silences, labels, now):
            continue
        for match in route(routes, labels):
            if alert.acked_by and not _keeps_alive(routes, match.receiver):
                continue
            state = seen.get((match.receiver, alert.fingerprint))
            number = repeat_number(
                now,
                alert.fired_at,
                match.timing.repeat_interval,
                state.last_delivered if state else None,
                state.waiting if state else False,
            )
            if number is None:
                continue
            notification = repeat_of(alert, number, now, value)
            done = await enqueue(conn, notification, routes, silences, now, only=match.receiver)
            fresh = sum(1 for e in done if e.id is not None)
            metrics.count(match.receiver, "enqueued", fresh)
            count += fresh
    return count


def _keeps_alive(routes: RouteConfig, receiver: str) -> bool:
    found = routes.receivers.get(receiver)
    return found is not None and found.kind == "alertmanager"

"""Outbox scheduling, pure: when a notification is due, when a failed one is tried again,
and which due notifications travel together.

- A new notification joins its group: if the group already has one waiting (never tried),
  it takes the same due time, so a burst goes out as one message; otherwise it waits
  ``group_wait`` and, if the group had a message less than ``group_interval`` ago, until
  that interval is over.
- A failed delivery is tried again after ``base × factor^(attempts-1)``, capped, with
  ±``jitter`` so that receivers coming back are not hit by every dispatcher at once.
  A receiver that refused for good (``retriable = False``) is retried at the cap.
- Due notifications are batched per (receiver, group key): one message each.
- Repeats are numbered by how many ``repeat_interval`` passed since the alert fired
  (:func:`repeat_number`; the policy is in :mod:`services.alerts.notify.delivery.repeats`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from services.alerts.notify.message import Kind, Notification
from services.alerts.notify.routing import Timing

__all__ = [
    "Backoff",
    "Batch",
    "Pending",
    "batches",
    "group_due_at",
    "next_attempt",
    "repeat_number",
]


@dataclass(frozen=True)
class Backoff:
    base: timedelta = timedelta(seconds=5)
    factor: float = 2.0
    cap: timedelta = timedelta(minutes=30)
    jitter: float = 0.2

    def __post_init__(self) -> None:
        if not 0 <= self.jitter < 1 or self.factor < 1 or self.base <= timedelta(0):
            raise ValueError("backoff needs base > 0, factor >= 1 and 0 <= jitter < 1")


def next_attempt(
    attempts: int, now: datetime, backoff: Backoff, rand: float, *, retriable: bool = True
) -> datetime:
    """When to try again after the ``attempts``-th failed try; ``rand`` is uniform in [0, 1)."""
    if attempts < 1:
        raise ValueError("next_attempt is for a notification that was tried at least once")
    if retriable:
        grown = backoff.base.total_seconds() * backoff.factor ** min(attempts - 1, 64)
        delay = min(backoff.cap, timedelta(seconds=min(grown, backoff.cap.total_seconds())))
    else:
        delay = backoff.cap
    spread = 1.0 - backoff.jitter + 2.0 * backoff.jitter * rand
    return now + delay * spread


def group_due_at(
    now: datetime, timing: Timing, last_sent: datetime | None, waiting_due: datetime | None
) -> datetime:
    """When a notification joining a group is due (see the module doc)."""
    if waiting_due is not None:
        return max(waiting_due, now)
    due = now + timing.group_wait
    if last_sent is not None:
        due = max(due, last_sent + timing.group_interval)
    return due


def repeat_number(
    now: datetime,
    fired_at: datetime,
    interval: timedelta,
    last_delivered: datetime | None,
    waiting: bool,
) -> int | None:
    """The number of the repeat due now for one alert and receiver, or None if none is due.

    ``waiting``: a notification of this episode is still in the outbox for the receiver.
    """
    if waiting or interval <= timedelta(0):
        return None
    if last_delivered is not None and now < last_delivered + interval:
        return None
    return max((now - fired_at) // interval, 0)


@dataclass(frozen=True)
class Pending:
    """An outbox row claimed for delivery: one notification, or a digest's members."""

    id: int
    receiver: str
    group_key: str
    kind: Kind
    notifications: tuple[Notification, ...]
    attempts: int


@dataclass(frozen=True)
class Batch:
    """Rows of one receiver and group: they go out as one message."""

    receiver: str
    group_key: str
    rows: tuple[Pending, ...] = field(default=())

    @property
    def notifications(self) -> list[Notification]:
        return [n for row in self.rows for n in row.notifications]

    @property
    def digest(self) -> bool:
        return any(row.kind is Kind.DIGEST for row in self.rows)

    @property
    def loudness(self) -> tuple[int, datetime]:
        """Sort key, loudest first: pages, then firing before resolved, then oldest."""
        notes = self.notifications
        page = any(n.severity == "page" for n in notes)
        firing = any(n.status == "firing" for n in notes)
        return (-(2 * page + firing), min(n.at for n in notes))


def batches(rows: Iterable[Pending]) -> list[Batch]:
    """Rows grouped per (receiver, group key), each group's rows in id order."""
    grouped: dict[tuple[str, str], list[Pending]] = {}
    for row in rows:
        grouped.setdefault((row.receiver, row.group_key), []).append(row)
    return [
        Batch(receiver, key, tuple(sorted(found, key=lambda r: r.id)))
        for (receiver, key), found in sorted(grouped.items())
    ]

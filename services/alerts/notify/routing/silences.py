"""Silences, pure: which one (if any) mutes an alert's labels at a given time.

A silence mutes every alert whose labels (with ``alertname`` and ``severity``) match all
its matchers, from ``starts_at`` until ``ends_at`` or until it is expired by hand. A
maintenance window is a silence that starts later.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from services.alerts.notify.routing.matchers import Matcher, matches_all

__all__ = ["Silence", "muting"]


@dataclass(frozen=True, kw_only=True)
class Silence:
    id: int | None
    matchers: tuple[Matcher, ...]
    starts_at: datetime
    ends_at: datetime
    created_by: str
    comment: str
    expired_at: datetime | None = None
    expired_by: str | None = None

    def __post_init__(self) -> None:
        if not self.matchers:
            raise ValueError("a silence needs at least one matcher (it would mute everything)")
        if self.ends_at <= self.starts_at:
            raise ValueError("a silence must end after it starts")
        if not self.created_by.strip() or not self.comment.strip():
            raise ValueError("a silence says who made it and why: created_by and comment")

    def active(self, now: datetime) -> bool:
        end = self.ends_at if self.expired_at is None else min(self.ends_at, self.expired_at)
        return self.starts_at <= now < end

    def state(self, now: datetime) -> str:
        """``pending`` (not started), ``active`` or ``expired``."""
        if self.active(now):
            return "active"
        return "pending" if now < self.starts_at and self.expired_at is None else "expired"

    def mutes(self, labels: Mapping[str, str], now: datetime) -> bool:
        return self.active(now) and matches_all(self.matchers, labels)

    @property
    def length(self) -> timedelta:
        return self.ends_at - self.starts_at


def muting(silences: Iterable[Silence], labels: Mapping[str, str], now: datetime) -> Silence | None:
    """The first silence that mutes ``labels`` at ``now``, if any."""
    return next((s for s in silences if s.mutes(labels, now)), None)

"""Prometheus metrics of the notification dispatcher, on a registry the caller owns."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

__all__ = ["RESULTS", "NotifyMetrics"]

RESULTS: Final = ("delivered", "failed", "silenced", "held", "digested", "enqueued")
"""``ontrack_notifications_total`` results, each counted per notification:
delivered; failed (a try that will be retried); silenced (muted at delivery or enqueue);
held (over the receiver's rate limit, kept for later); digested (merged into a digest);
enqueued (repeats the dispatcher put in the outbox)."""


@dataclass(frozen=True)
class NotifyMetrics:
    notifications: Counter
    outbox_depth: Gauge
    delivery_seconds: Histogram

    @classmethod
    def create(cls, registry: CollectorRegistry) -> NotifyMetrics:
        return cls(
            notifications=Counter(
                "ontrack_notifications_total",
                "Notifications handled by the dispatcher, by receiver and result.",
                ["receiver", "result"],
                registry=registry,
            ),
            outbox_depth=Gauge(
                "ontrack_outbox_depth",
                "Notifications waiting in the outbox (pending: not yet delivered).",
                registry=registry,
            ),
            delivery_seconds=Histogram(
                "ontrack_notification_delivery_seconds",
                "Time to hand one message to a receiver, successful or not.",
                ["receiver"],
                buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
                registry=registry,
            ),
        )

    def count(self, receiver: str, result: str, n: int = 1) -> None:
        if n:
            self.notifications.labels(receiver, result).inc(n)

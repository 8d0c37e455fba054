"""Rate limits per receiver: a token bucket of messages, pure, with the clock passed in.

A receiver may take ``burst`` messages at once and then one per ``every``. When more
batches are due than tokens are left, nothing is dropped: with ``t`` tokens, ``t - 1``
batches go as they are and the rest are summarised in one digest (so at most ``t``
messages leave); with no token at all, every batch is held until the next token, when
they go out together as one digest.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar

from services.alerts.notify.routing import RateLimit

__all__ = ["Admission", "Bucket", "admit"]

T = TypeVar("T")


@dataclass(frozen=True)
class Bucket:
    """Tokens left at ``updated``; a new receiver starts full."""

    tokens: float
    updated: datetime

    @classmethod
    def full(cls, limit: RateLimit, now: datetime) -> Bucket:
        return cls(float(limit.burst), now)

    def refill(self, limit: RateLimit, now: datetime) -> Bucket:
        earned = max((now - self.updated) / limit.every, 0.0)
        return Bucket(min(float(limit.burst), self.tokens + earned), max(now, self.updated))

    def next_token_at(self, limit: RateLimit) -> datetime:
        """When the bucket next holds a whole token."""
        missing = max(1.0 - self.tokens, 0.0)
        return self.updated + limit.every * missing


@dataclass(frozen=True)
class Admission(Generic[T]):
    """What to do with due batches: ``send`` each alone, merge ``digest`` into one message,
    keep ``held`` until ``retry_at``. ``bucket`` is the bucket after taking the tokens."""

    send: tuple[T, ...]
    digest: tuple[T, ...]
    held: tuple[T, ...]
    retry_at: datetime | None
    bucket: Bucket


def admit(bucket: Bucket, limit: RateLimit, batches: Sequence[T], now: datetime) -> Admission[T]:
    """Share the bucket's tokens among ``batches`` (most important first)."""
    bucket = bucket.refill(limit, now)
    tokens = math.floor(bucket.tokens + 1e-9)
    if len(batches) <= tokens:
        spent = Bucket(bucket.tokens - len(batches), bucket.updated)
        return Admission(tuple(batches), (), (), None, spent)
    if tokens >= 1:
        spent = Bucket(bucket.tokens - tokens, bucket.updated)
        alone, merged = tuple(batches[: tokens - 1]), tuple(batches[tokens - 1 :])
        return Admission(alone, merged, (), None, spent)
    return Admission((), (), tuple(batches), bucket.next_token_at(limit), bucket)

"""Rate limits per API key: a token bucket of readings, in process.

Each key may send ``burst`` readings at once and ``rate`` readings per second on average.
The buckets live in each API process: with N replicas behind a load balancer a key gets
up to N times the rate. A request that does not fit is refused whole (nothing consumed),
with the time after which it would fit.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["RateLimiter", "TokenBucket"]


@dataclass(slots=True)
class TokenBucket:
    rate: float
    burst: float
    tokens: float
    updated: float

    def take(self, n: float, now: float) -> float:
        """Take ``n`` tokens; 0.0 if granted, else the seconds to wait before asking again."""
        self.tokens = min(self.burst, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        if n <= self.tokens:
            self.tokens -= n
            return 0.0
        return (n - self.tokens) / self.rate


class RateLimiter:
    """One bucket per key id; ``check`` answers the whole seconds to wait (0 = go ahead)."""

    def __init__(
        self, rate: float, burst: int, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError("the rate must be positive and the burst at least 1")
        self.rate = rate
        self.burst = burst
        self._clock = clock
        self._buckets: dict[str, TokenBucket] = {}

    def check(self, key_id: str, readings: int) -> int:
        now = self._clock()
        bucket = self._buckets.get(key_id)
        if bucket is None:
            bucket = self._buckets[key_id] = TokenBucket(self.rate, self.burst, self.burst, now)
        wait = bucket.take(max(readings, 1), now)
        return math.ceil(wait) if wait > 0 else 0

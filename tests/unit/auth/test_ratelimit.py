"""The token bucket per key, on a fake clock."""

from __future__ import annotations

import pytest

from services.auth.ratelimit import RateLimiter


class Clock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def test_a_burst_then_the_rate() -> None:
    clock = Clock()
    limiter = RateLimiter(10, 30, clock=clock)
    assert limiter.check("k", 30) == 0  # the whole burst at once
    assert limiter.check("k", 1) == 1  # nothing left: wait (0.1 s, answered in whole seconds)
    clock.t += 0.5
    assert limiter.check("k", 5) == 0  # 5 tokens came back in half a second
    assert limiter.check("k", 25) == 3  # 25 more need 2.5 s
    clock.t += 2.5
    assert limiter.check("k", 25) == 0


def test_a_refused_request_consumes_nothing_and_keys_are_separate() -> None:
    clock = Clock()
    limiter = RateLimiter(1, 10, clock=clock)
    assert limiter.check("a", 10) == 0
    assert limiter.check("a", 5) == 5
    assert limiter.check("b", 10) == 0  # another key has its own bucket
    clock.t += 5
    assert limiter.check("a", 5) == 0


def test_the_bucket_never_holds_more_than_the_burst() -> None:
    clock = Clock()
    limiter = RateLimiter(100, 10, clock=clock)
    limiter.check("k", 1)
    clock.t += 3600
    assert limiter.check("k", 10) == 0
    assert limiter.check("k", 1) == 1


def test_an_empty_request_still_costs_one() -> None:
    limiter = RateLimiter(1, 1, clock=Clock())
    assert limiter.check("k", 0) == 0
    assert limiter.check("k", 0) == 1


def test_nonsense_limits_are_refused() -> None:
    with pytest.raises(ValueError, match="positive"):
        RateLimiter(0, 10)

from __future__ import annotations

from datetime import timedelta

import pytest

from services.alerts.notify.delivery.ratelimit import Bucket, admit
from services.alerts.notify.routing.tree import RateLimit
from tests.unit.alerts.notify.builders import T0, at

LIMIT = RateLimit(burst=3, every=timedelta(minutes=1))


@pytest.mark.parametrize(
    ("tokens", "due", "send", "digest", "held"),
    [
        (3.0, ["a", "b"], ["a", "b"], [], []),  # within the limit: each alone
        (3.0, ["a", "b", "c"], ["a", "b", "c"], [], []),
        (3.0, ["a", "b", "c", "d", "e"], ["a", "b"], ["c", "d", "e"], []),  # 2 alone + 1 digest
        (1.0, ["a", "b", "c"], [], ["a", "b", "c"], []),  # one token: everything in one digest
        (1.5, ["a", "b"], [], ["a", "b"], []),
        (0.5, ["a", "b"], [], [], ["a", "b"]),  # no token: held, nothing dropped
        (0.0, ["a"], [], [], ["a"]),
    ],
)
def test_admit(
    tokens: float, due: list[str], send: list[str], digest: list[str], held: list[str]
) -> None:
    got = admit(Bucket(tokens, T0), LIMIT, due, T0)
    assert (list(got.send), list(got.digest), list(got.held)) == (send, digest, held)
    assert sorted([*got.send, *got.digest, *got.held]) == sorted(due)  # never dropped
    messages = len(got.send) + (1 if got.digest else 0)
    assert messages <= int(tokens)
    assert got.bucket.tokens == pytest.approx(tokens - messages)


def test_held_until_the_next_token() -> None:
    got = admit(Bucket(0.25, T0), LIMIT, ["a"], T0)
    assert got.retry_at == T0 + timedelta(seconds=45)
    later = admit(got.bucket, LIMIT, ["a", "b"], got.retry_at)
    assert list(later.digest) == ["a", "b"] and not later.held


@pytest.mark.parametrize(
    ("start", "elapsed_min", "tokens"),
    [(0.0, 1, 1.0), (0.0, 2.5, 2.5), (1.0, 10, 3.0), (3.0, 0, 3.0)],
)
def test_refill(start: float, elapsed_min: float, tokens: float) -> None:
    assert Bucket(start, T0).refill(LIMIT, at(elapsed_min)).tokens == pytest.approx(tokens)


def test_a_storm_is_capped() -> None:
    """100 alerts due every minute for an hour: at most burst + 60 messages, none lost."""
    bucket, messages, carried = Bucket.full(LIMIT, T0), 0, 0
    for minute in range(60):
        due = [f"m{minute}-{i}" for i in range(100)] if carried == 0 else [f"m{minute}"]
        got = admit(bucket, LIMIT, due, at(minute))
        bucket = got.bucket
        messages += len(got.send) + (1 if got.digest else 0)
        carried = len(got.held)
    assert messages <= LIMIT.burst + 60


def test_clock_going_back_earns_nothing() -> None:
    assert Bucket(1.0, at(5)).refill(LIMIT, at(0)).tokens == 1.0

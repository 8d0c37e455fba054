from __future__ import annotations

from datetime import timedelta

import pytest

from services.alerts.notify.delivery.outbox import (
    Backoff,
    Pending,
    batches,
    group_due_at,
    next_attempt,
    repeat_number,
)
from services.alerts.notify.message import Kind
from services.alerts.notify.routing.tree import Timing
from tests.unit.alerts.notify.builders import T0, alert, at, firing

S = timedelta(seconds=1)
NO_JITTER = Backoff(base=5 * S, factor=2, cap=60 * S, jitter=0)


@pytest.mark.parametrize(
    ("attempts", "delay"),
    [
        (1, 5 * S),
        (2, 10 * S),
        (3, 20 * S),
        (4, 40 * S),
        (5, 60 * S),
        (50, 60 * S),
        (10_000, 60 * S),
    ],
)
def test_backoff_doubles_up_to_the_cap(attempts: int, delay: timedelta) -> None:
    assert next_attempt(attempts, T0, NO_JITTER, rand=0.7) == T0 + delay


@pytest.mark.parametrize(("rand", "factor"), [(0.0, 0.8), (0.5, 1.0), (0.999999, 1.2)])
def test_jitter_spreads_within_bounds(rand: float, factor: float) -> None:
    backoff = Backoff(base=10 * S, jitter=0.2)
    got = next_attempt(1, T0, backoff, rand) - T0
    assert got == pytest.approx(10 * S * factor, abs=timedelta(milliseconds=1))


def test_refused_for_good_waits_the_cap() -> None:
    assert next_attempt(1, T0, NO_JITTER, 0.5, retriable=False) == T0 + 60 * S


def test_backoff_rejects_nonsense() -> None:
    with pytest.raises(ValueError):
        next_attempt(0, T0, NO_JITTER, 0.5)
    with pytest.raises(ValueError):
        Backoff(jitter=1.0)


TIMING = Timing(group_wait=30 * S, group_interval=300 * S, repeat_interval=timedelta(hours=4))


@pytest.mark.parametrize(
    ("last_sent", "waiting", "due"),
    [
        (None, None, at(0.5)),  # a new group waits group_wait
        (None, at(0.2), at(0.2)),  # joins the group's waiting message
        (None, at(-1), at(0)),  # the waiting one is already due: go now with it
        (at(-1), None, at(4)),  # a message went a minute ago: wait for group_interval
        (at(-60), None, at(0.5)),  # long ago: just group_wait
        (at(-1), at(0.1), at(0.1)),  # waiting wins over the interval
    ],
)
def test_group_due_at(last_sent, waiting, due) -> None:  # type: ignore[no-untyped-def]
    assert group_due_at(at(0), TIMING, last_sent, waiting) == due


H = timedelta(hours=1)


@pytest.mark.parametrize(
    ("now", "last", "waiting", "expected"),
    [
        (at(0) + 3 * H, at(0), False, None),  # not yet an interval since the last delivery
        (at(0) + 4 * H, at(0), False, 1),  # one interval: repeat number 1
        (at(0) + 9 * H, at(0) + 4 * H, False, 2),  # 9 h after firing: number 2
        (at(0) + 9 * H, at(0), True, None),  # one is still waiting in the outbox
        (at(0) + 1 * H, None, False, 0),  # never delivered (silenced until now): at once
        (at(0) + 13 * H, at(0) + 8 * H, False, 3),  # the dispatcher was away: only the latest
    ],
)
def test_repeat_number(now, last, waiting, expected) -> None:  # type: ignore[no-untyped-def]
    assert repeat_number(now, at(0), 4 * H, last, waiting) == expected


def _row(id_: int, receiver: str, group: str, severity: str = "page") -> Pending:
    n = firing(alert(f"{id_:016x}", severity=severity))
    return Pending(id_, receiver, group, Kind.FIRING, (n,), 0)


def test_batches_per_receiver_and_group() -> None:
    rows = [
        _row(3, "mail", "g1"),
        _row(1, "mail", "g1"),
        _row(2, "mail", "g2"),
        _row(4, "hook", "g1"),
    ]
    got = batches(rows)
    assert [(b.receiver, b.group_key, [r.id for r in b.rows]) for b in got] == [
        ("hook", "g1", [4]),
        ("mail", "g1", [1, 3]),
        ("mail", "g2", [2]),
    ]


def test_loudness_puts_pages_first() -> None:
    ticket = batches([_row(1, "mail", "t", severity="ticket")])[0]
    page = batches([_row(2, "mail", "p", severity="page")])[0]
    assert sorted([ticket, page], key=lambda b: b.loudness) == [page, ticket]

"""Paces over a burn-rate rule's windows, by kind, and the input check_burn_rate gets."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta

import pytest

from services.alerts.engine.burn import burn_input, window_pace
from services.alerts.engine.conditions import BurnRateInput, check_burn_rate
from services.alerts.engine.inputs import TargetInput
from services.alerts.rules import BurnRateRule, Severity
from services.indicators.assess import Assessment
from services.indicators.plans.model import CITY_TZ
from services.indicators.target_data import MONTH_SECONDS, Point, TargetData
from services.indicators.trajectory import milestone
from tests.unit.alerts.factories import stock_target

MIDNIGHT = datetime(2026, 11, 22, tzinfo=CITY_TZ)
NOW = MIDNIGHT + timedelta(hours=12)
MONTH = timedelta(seconds=MONTH_SECONDS)


def days(values: list[float]) -> tuple[Point, ...]:
    """One point per local day, the last one today."""
    n = len(values)
    return tuple((MIDNIGHT - timedelta(days=n - 1 - i), v) for i, v in enumerate(values))


def hours(values: list[float]) -> tuple[Point, ...]:
    """One point per hour, the last one the hour before NOW."""
    start = NOW - timedelta(hours=len(values))
    return tuple((start + timedelta(hours=i), v) for i, v in enumerate(values))


def inp(
    kind: str, data: TargetData, hourly: tuple[Point, ...] = (), **changes: object
) -> TargetInput:
    target = replace(stock_target(), kind=kind, **changes)
    return TargetInput(target, family="x", data=data, hourly=hourly)


@pytest.mark.parametrize(
    ("case", "window", "expected"),
    [
        (
            inp("stock", TargetData(daily=days([100.0] * 12 + [130.0] * 29), last_seen=NOW)),
            timedelta(days=30),
            # from the day 30 days before today's to today's (which describes up to NOW)
            30.0 / (timedelta(days=30.5) / MONTH),
        ),
        # nothing read inside the window: unknown, not zero
        (
            inp("stock", TargetData(daily=days([100.0] * 5), last_seen=NOW - timedelta(days=9))),
            timedelta(days=7),
            None,
        ),
        # a flow: what was reported after the day a week before the last, per month of the
        # span (8 days of 10 over the 7.5 days up to NOW)
        (
            inp("flow", TargetData(daily=days([10.0] * 40), last_seen=NOW)),
            timedelta(days=7),
            80.0 / (timedelta(days=7.5) / MONTH),
        ),
        # a window shorter than the data's resolution has no pace
        (inp("flow", TargetData(daily=days([10.0] * 40), last_seen=NOW)), timedelta(hours=1), None),
        # hourly values cover short windows
        (
            inp("level-mean", TargetData(daily=days([50.0] * 40)), hours([20.0] * 5 + [40.0] * 6)),
            timedelta(hours=6),
            40.0,
        ),
        # longer windows fall back to the daily values
        (
            inp("level-mean", TargetData(daily=days([50.0] * 40)), hours([20.0] * 72)),
            timedelta(days=30),
            50.0,
        ),
        # good-air days: the share of flagged days, in %
        (
            inp("ratio", TargetData(daily=days([1.0, 0.0] * 20), daily_flags=True)),
            timedelta(days=10),
            50.0,
        ),
        (inp("growth", TargetData(monthly=days([5.0]))), timedelta(days=30), None),
        # a series reported monthly: a week shows no progress, a 30-day window does
        (
            replace(
                inp("stock", TargetData(daily=days([100.0] * 12 + [130.0] * 29), last_seen=NOW)),
                cadence=timedelta(days=31),
            ),
            timedelta(days=7),
            None,
        ),
        (
            replace(
                inp("stock", TargetData(daily=days([100.0] * 12 + [130.0] * 29), last_seen=NOW)),
                cadence=timedelta(days=31),
            ),
            timedelta(days=30),
            # from the day 30 days before today's to today's (which describes up to NOW)
            30.0 / (timedelta(days=30.5) / MONTH),
        ),
    ],
)
def test_window_pace(case: TargetInput, window: timedelta, expected: float | None) -> None:
    got = window_pace(case, window, NOW)
    if expected is None:
        assert got is None
    else:
        assert got == pytest.approx(expected)


def month_end_reports(first: datetime, n: int, value: Callable[[int], float]) -> tuple[Point, ...]:
    """A daily bucket on the last local day of each of ``n`` months from ``first``."""
    out = []
    for i in range(n):
        y, m = divmod(first.month - 1 + i + 1, 12)
        nxt = first.replace(year=first.year + y, month=m + 1, day=1)
        out.append((nxt - timedelta(days=1), value(i)))
    return tuple(out)


@pytest.mark.parametrize("kind", ["flow", "stock"])
def test_monthly_reports_give_a_steady_pace_on_every_day_of_the_month(kind: str) -> None:
    """A 30-day window over month-end reports sees one or two of them depending on the day:
    the pace must not jump to zero, double or become unknown as they come and go."""
    first = datetime(2025, 1, 1, tzinfo=CITY_TZ)
    value = (lambda i: 100.0) if kind == "flow" else (lambda i: 1000.0 + 100.0 * i)
    reports = month_end_reports(first, 14, value)
    seen = []
    for day in range(90):
        now = datetime(2025, 10, 1, 12, tzinfo=CITY_TZ) + timedelta(days=day)
        data = TargetData(
            daily=tuple(p for p in reports if p[0] < now), last_seen=now - timedelta(days=1)
        )
        case = replace(inp(kind, data), cadence=timedelta(days=31))
        seen.append(window_pace(case, timedelta(days=30), now))
    assert all(p is not None and 85.0 < p < 115.0 for p in seen), seen


RULE = BurnRateRule(
    id="burn", severity=Severity.PAGE, short=timedelta(days=7), long=timedelta(days=30), factor=2
)
FLOW = TargetData(daily=days([10.0] * 40), last_seen=NOW)


def assessment(status: str = "off_track", needed: float | None = 600.0) -> Assessment:
    return Assessment("t", status, pace_needed=needed)  # type: ignore[arg-type]


def test_a_floor_compares_the_pace_needed_with_each_window() -> None:
    got = burn_input(RULE, inp("flow", FLOW), assessment(needed=700.0), NOW)
    short = 80.0 / (timedelta(days=7.5) / MONTH)
    long = 310.0 / (timedelta(days=30.5) / MONTH)
    assert got == BurnRateInput(700.0, pytest.approx(short), pytest.approx(long))  # type: ignore[arg-type]
    assert check_burn_rate(RULE, got).firing_condition  # needs over 2× what it gets


def test_a_ceiling_states_both_windows_as_allowed_over_used() -> None:
    ceiling = inp("flow", FLOW, comparator="<=")
    allowed = 150.0  # per month, while the windows use ~300-330 per month
    got = burn_input(RULE, ceiling, assessment(needed=allowed), NOW)
    assert got.needed_pace == 1.0
    assert got.short_pace == pytest.approx(allowed / (80.0 / (timedelta(days=7.5) / MONTH)))
    signal = check_burn_rate(RULE, got)
    assert signal.firing_condition and signal.value is not None and signal.value > 2


def test_a_ceiling_with_nothing_left_burns_infinitely_fast_when_anything_is_used() -> None:
    got = burn_input(RULE, inp("flow", FLOW, comparator="<="), assessment(needed=0.0), NOW)
    assert got.short_pace == 0.0
    signal = check_burn_rate(RULE, got)
    assert signal.value == math.inf
    assert "burn rate ∞ / ∞ over 7d / 30d" in signal.reason


@pytest.mark.parametrize(
    ("a", "expected"),
    [
        (assessment("met"), BurnRateInput(None, None, None, status="met")),
        (assessment("no_data"), BurnRateInput(None, None, None)),
        (assessment(needed=None), BurnRateInput(None, None, None)),
    ],
)
def test_nothing_to_compare(a: Assessment, expected: BurnRateInput) -> None:
    assert burn_input(RULE, inp("flow", FLOW), a, NOW) == expected


def test_a_count_that_moves_in_steps_does_not_burn_while_ahead_of_its_path() -> None:
    """Destinations, routes, km of metro open in steps: standing still between openings is
    no risk while the count is already where its path will be a long window from now."""
    target = stock_target()
    still = TargetData(daily=days([30_000.0] * 40), last_seen=NOW)
    later = NOW + RULE.long
    ahead = Assessment("t", "on_track", actual=milestone(target, later) + 1, pace_needed=500.0)
    got = burn_input(RULE, TargetInput(target, family="x", data=still), ahead, NOW)
    assert got.ahead_by_window
    signal = check_burn_rate(RULE, got)
    assert (
        not signal.firing_condition and "a stall that long leaves it on its path" in signal.reason
    )
    # just behind where the path will be then: the stall is measured as before
    behind = replace(ahead, actual=milestone(target, later) - 1)
    got = burn_input(RULE, TargetInput(target, family="x", data=still), behind, NOW)
    assert not got.ahead_by_window
    assert check_burn_rate(RULE, got).firing_condition  # all progress stopped: ∞

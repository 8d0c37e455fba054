"""The actual value of a target's indicator at ``now``, and what the trajectory expects of it.

By kind: level-mean → mean of the daily means of the year so far (the last 12 months
while the year has fewer than 30 days of data); flow → sum of the year so far; stock,
capacity, growth and reported ratios → the latest value; a ratio counted in days (daily
0/1 flags) → share of flagged days × 100, like a level-mean. An average growth target
("年均增长", ``growth_average_from``) → the compound average of the yearly growth rates
of the years after its base year so far, each year's rate being its latest value
(``average_growth``). After the deadline the period is the deadline's year and nothing
after the deadline counts.

Flows, stocks and reported ratios are compared with what the trajectory expects at the
instant their data describes, so a port that reports monthly is not "behind" on the
27th for a month it has not reported yet (a feed that stops is the stale-feed rule's).
"""

from __future__ import annotations

import calendar
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from services.indicators.plans import CITY_TZ, Target, year_bounds
from services.indicators.target_data import (
    Point,
    TargetData,
    between,
    days_in_month,
    last_before,
    month_index,
    month_start,
    month_table,
)
from services.indicators.trajectory import (
    expected_annual,
    expected_at,
    level_factor_of,
    milestone,
    month_weights,
)

__all__ = [
    "MIN_DAYS",
    "Measure",
    "average_growth",
    "latest_effective",
    "learned_weights",
    "measure",
    "period_end",
    "period_year",
]

MIN_DAYS = 30  # fewer days of data in the year → judge a level on the last 12 months
_YEAR = timedelta(days=365)


@dataclass(frozen=True, slots=True)
class Measure:
    """An actual value, the expectation it is compared with, and how it was obtained."""

    actual: float
    expected: float
    basis: str
    year: int
    as_of: datetime
    count: int
    rolling: bool = False
    unreported: tuple[str, ...] = ()  # months of the period without data (flows)


def period_end(target: Target, now: datetime) -> datetime:
    """Data up to this instant counts: now, or the deadline once it has passed."""
    return min(now, target.deadline_at)


def period_year(target: Target, now: datetime) -> int:
    """The year a flow or annual mean is being summed over at ``now``."""
    if now >= target.deadline_at:
        return target.deadline.year
    return now.astimezone(CITY_TZ).year


def measure(target: Target, data: TargetData, now: datetime) -> Measure | None:
    """The actual value by kind (see module doc); None when there is nothing to go on."""
    if data.empty:
        return None
    if target.kind == "level-mean" or (target.kind == "ratio" and data.daily_flags):
        return _level(target, data, now, 100.0 if target.kind == "ratio" else 1.0)
    if target.kind == "flow":
        return _flow(target, data, now)
    if target.kind == "growth" and target.growth_average_from is not None:
        return _average_growth(target, data, now, target.growth_average_from)
    return _latest(target, data, now)


def _level(target: Target, data: TargetData, now: datetime, scale: float) -> Measure | None:
    year, end = period_year(target, now), period_end(target, now)
    start = max(year_bounds(year)[0], end - _YEAR)
    days = between(data.daily, start, end)
    if len(days) >= MIN_DAYS:
        mean = sum(v for _, v in days) / len(days) * scale
        basis = f"mean of {len(days)} daily values, {year} so far"
        return Measure(mean, expected_at(target, end), basis, year, days[-1][0], len(days))
    days = between(data.daily, end - _YEAR, end)
    if days:
        mean = sum(v for _, v in days) / len(days) * scale
        basis = f"mean of {len(days)} daily values over the last 12 months"
        factor = sum(level_factor_of(target, t) for t, _ in days) / len(days)
        expected = _level_at(target, end, factor)
        return Measure(mean, expected, basis, year, days[-1][0], len(days), True)
    months = sorted(month_table(data, end - _YEAR, end, "mean").items())
    if not months:
        return None
    weights = [days_in_month(m) for m, _ in months]
    mean = sum(v * w for (_, v), w in zip(months, weights, strict=True)) / sum(weights) * scale
    basis = f"mean of {len(months)} monthly values over the last 12 months"
    as_of = month_start(months[-1][0])
    factors = [level_factor_of(target, month_start(m)) for m, _ in months]
    factor = sum(f * w for f, w in zip(factors, weights, strict=True)) / sum(weights)
    return Measure(mean, _level_at(target, end, factor), basis, year, as_of, len(months), True)


def _level_at(target: Target, end: datetime, factor: float = 1.0) -> float:
    """The annual level the path expects at ``end``, times the seasonal ``factor`` of the
    days the mean covers: a window of winter days alone is expected to be winter-high."""
    level = milestone(target, end) * factor
    return min(level, 100.0) if target.kind == "ratio" and target.unit == "%" else level


def _flow(target: Target, data: TargetData, now: datetime) -> Measure | None:
    year, end = period_year(target, now), period_end(target, now)
    table = month_table(data, year_bounds(year)[0], end, "sum")
    if not table and now >= target.deadline_at:
        return None  # the deadline year passed without a single value: nothing to judge
    k = data.coverage.months_per_report if data.coverage is not None else 1
    if k > 1 and not table:
        # reported per quarter or year, and nothing of this year yet: the latest whole
        # year is what the data says (a grain harvest is known once a year)
        return _last_whole_year(target, data, year, k)
    total = sum(table.values())
    as_of = latest_effective(data, end)
    when = as_of[0] if as_of is not None else end
    covered = min(max(when, year_bounds(year)[0]), end)
    # Compared with what the trajectory expects of the months the data covers: a port that
    # reports monthly is not behind on the 27th for a month it has not reported yet, nor
    # behind all year for the one month it never reported (that month is named instead).
    learned = learned_weights(target, data, year)
    expected, unreported = _expected_of_months(target, year, table, covered, learned)
    # the count is of the values the sum rests on: months, or reports of a quarter or year
    count, basis = len(table), f"sum of {year} so far ({len(table)} month(s) with data)"
    if k == 12:
        count, basis = 1, f"{year} total (the year's report)"
    elif k > 1:
        count = len({(m % 12) // k for m in table})
        basis = f"sum of {year} so far ({count} quarterly report{'s' if count > 1 else ''})"
    missing = tuple(calendar.month_abbr[m] for m in unreported)
    return Measure(total, expected, basis, year, when, count, unreported=missing)


_REPORTS = {3: "4 quarterly reports", 12: "the year's report"}


def _last_whole_year(target: Target, data: TargetData, year: int, k: int) -> Measure | None:
    """The latest year before ``year`` whose every period was reported, against what the
    trajectory expected of that year; None when there is none on the plan's path."""
    for y in range(year - 1, year - 3, -1):
        first, last = year_bounds(y)
        table = month_table(data, first, last, "sum")
        if len(table) < 12:
            continue
        base = target.baseline.date
        if target.baseline.value is None or base is None or y <= base.year:
            return None  # the baseline's own year, or before it: it says nothing of the path
        basis = f"{y} total ({_REPORTS[k]}), the latest whole year"
        when = min(last, period_end(target, last))
        total = sum(table.values())
        return Measure(total, expected_annual(target, y), basis, y, when, 12 // k)
    return None


def learned_weights(target: Target, data: TargetData, year: int) -> tuple[float, ...] | None:
    """Each month's share of the year before, when the plan draws no monthly profile and the
    data holds that whole year: the seasons the flow itself shows (a Spring Festival dip)."""
    if target.trajectory.monthly_profile is not None:
        return None
    before = month_table(data, year_bounds(year - 1)[0], year_bounds(year - 1)[1], "sum")
    total = sum(before.values())
    if len(before) < 12 or total <= 0:
        return None
    return tuple(before[(year - 1) * 12 + i] / total for i in range(12))


def _expected_of_months(
    target: Target,
    year: int,
    table: dict[int, float],
    covered: datetime,
    learned: tuple[float, ...] | None = None,
) -> tuple[float, list[int]]:
    """What the trajectory expects of the months in ``table`` (the month of ``covered``
    pro rata), and the earlier months of the year that have no data."""
    upto = month_index(covered)
    if covered >= year_bounds(year)[1]:
        upto = year * 12 + 12
    elif covered == month_start(upto):
        upto -= 1  # the instant a month ends belongs to that month
    full_year = expected_at(target, year_bounds(year)[1] - timedelta(microseconds=1))
    annual = expected_annual(target, year) if covered < target.deadline_at else full_year
    weights = learned or month_weights(target, year)
    expected = 0.0
    unreported = []
    for m in range(year * 12, min(upto, year * 12 + 11) + 1):
        share = weights[m % 12]
        if m == upto and covered < month_start(m + 1):
            share *= (covered - month_start(m)) / (month_start(m + 1) - month_start(m))
        if m in table:
            expected += annual * share
        elif m < upto:
            unreported.append(m % 12 + 1)
    if not unreported and upto >= year * 12 and learned is None:
        return expected_at(target, covered), []  # the trajectory's own year-to-date share
    return expected, unreported


def _latest(target: Target, data: TargetData, now: datetime) -> Measure | None:
    end = period_end(target, now)
    point = latest_effective(data, end)
    if point is None:
        return None
    when, value = point
    basis = f"latest value, as of {when.astimezone(CITY_TZ):%Y-%m-%d}"
    year = when.astimezone(CITY_TZ).year
    # a share reported as it stands (coverage of villages) is expected where the path is
    # at that instant, as a stock is; only a share counted over the year's days is a
    # yearly level
    expected = milestone(target, when) if target.kind == "ratio" else expected_at(target, when)
    if target.kind == "ratio" and target.unit == "%":
        expected = min(expected, 100.0)
    return Measure(value, expected, basis, year, when, 1)


def average_growth(rates: Sequence[float]) -> float:
    """The compound average of yearly growth rates in %: (∏(1 + r/100))^(1/n) − 1, in %.

    The same as (end/start)^(1/n) − 1 of the levels the rates chain: 5 % then 3 % average
    3.995 %, not 4 %. A fall of 100 % or more leaves nothing to compound: −100 %.
    """
    if not rates:
        raise ValueError("average_growth needs at least one yearly rate")
    product = math.prod(1.0 + r / 100.0 for r in rates)
    if product <= 0.0:
        return -100.0
    return (product ** (1.0 / len(rates)) - 1.0) * 100.0


def _average_growth(target: Target, data: TargetData, now: datetime, base: int) -> Measure | None:
    end = period_end(target, now)
    last: dict[int, Point] = {}  # the newest rate of each local year before ``end``
    newest = (data.latest,) if data.latest is not None else ()
    for t, v in (*data.daily, *data.monthly, *newest):
        year = t.astimezone(CITY_TZ).year
        if t < end and base < year <= target.deadline.year and t >= last.get(year, (t, v))[0]:
            last[year] = (t, v)
    if not last:
        return None
    years = sorted(last)
    as_of = latest_effective(data, end)
    when = as_of[0] if as_of is not None else last[years[-1]][0]
    span = f"{years[0]}" if len(years) == 1 else f"{years[0]}–{years[-1]}"
    basis = (
        f"compound average of the yearly growth of {span} "
        f"({len(years)} of {target.deadline.year - base} years after {base})"
    )
    actual = average_growth([last[y][1] for y in years])
    return Measure(actual, expected_at(target, when), basis, years[-1], when, len(years))


def latest_effective(data: TargetData, end: datetime) -> Point | None:
    """The newest value before ``end``, stamped with the instant it describes.

    A monthly bucket describes the end of its month and a daily bucket the end of its
    day (both capped at ``end``); ``latest`` describes its own instant.
    """
    candidates: list[Point] = []
    if data.latest is not None and data.latest[0] < end:
        candidates.append(data.latest)
    last_month = last_before(data.monthly, end)
    last_day = last_before(data.daily, end)
    if last_month is not None:
        t, v = last_month
        # a month whose days are known is as far as its last day, not its end: a month's
        # bucket made from the first days of a month is not a month-end report
        partial = last_day is not None and month_index(last_day[0]) == month_index(t)
        if not partial:
            candidates.append((min(month_start(month_index(t) + 1), end), v))
    if last_day is not None:
        t, v = last_day
        candidates.append((min(t + timedelta(days=1), end), v))
    return max(candidates, key=lambda p: p[0]) if candidates else None

"""What it takes from now on to meet a target, against what recent data shows.

- stock, capacity, reported ratio: change per month needed until the deadline vs the
  Theil–Sen slope of the last six months ("+412 stations/month needed, +280/month recently");
- flow: amount per month needed for the rest of the deadline year vs the mean of the last
  three complete months;
- level-mean, ratio counted in days: the mean level needed over the rest of the deadline
  year vs the mean of the last 30 days;
- growth: the rate needed vs the latest rate.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from services.indicators.forecast.trend import theil_sen
from services.indicators.measure import Measure
from services.indicators.plans import Target, year_bounds
from services.indicators.target_data import (
    MONTH_SECONDS,
    TargetData,
    between,
    month_index,
    month_start,
    month_table,
    months,
)
from services.indicators.trajectory import expected_at

__all__ = ["Pace", "fmt", "pace"]

_HALF_YEAR = timedelta(days=183)


@dataclass(frozen=True, slots=True)
class Pace:
    """Needed and recent pace, in the target's unit (per month, or a level), and a sentence."""

    needed: float | None
    recent: float | None
    text: str


def fmt(x: float) -> str:
    """A number for people: 2.31M, 108.30bn, 34,512, 27.4, 0.35."""
    a = abs(x)
    if a >= 1e9:
        return f"{x / 1e9:.2f}bn"
    if a >= 1e6:
        return f"{x / 1e6:.2f}M"
    if a >= 100:
        return f"{x:,.0f}"
    return f"{x:.1f}" if a >= 10 else f"{x:.2f}"


def _signed(x: float) -> str:
    text = fmt(x)
    return text if text.startswith("-") else "+" + text


def _unit(target: Target, per_month: bool) -> str:
    if target.unit == "%":
        return " pp" if per_month else " %"
    return f" {target.unit}"


def pace(target: Target, data: TargetData, now: datetime, m: Measure) -> Pace:
    """The pace needed from ``now`` and the recent pace (see module doc)."""
    if now >= target.deadline_at:
        verdict = "met" if target.satisfied_by(m.actual) else "missed"
        return Pace(None, None, f"deadline passed: {_value(target, m.actual)} ({verdict})")
    if target.kind == "flow":
        return _flow(target, data, now, m)
    if target.kind == "level-mean" or (target.kind == "ratio" and data.daily_flags):
        return _level(target, data, now, 100.0 if target.kind == "ratio" else 1.0)
    if target.kind == "growth":
        text = f"{fmt(target.value)} % needed, {fmt(m.actual)} % latest"
        return Pace(target.value, m.actual, text)
    return _change(target, data, now, m)


def _value(target: Target, value: float) -> str:
    return f"{fmt(value)}{_unit(target, False)} (target {target.comparator} {fmt(target.value)})"


def _change(target: Target, data: TargetData, now: datetime, m: Measure) -> Pace:
    recent = _recent_slope(data, now)
    if target.satisfied_by(m.actual):
        return Pace(0.0, recent, f"target reached: {_value(target, m.actual)}")
    left = (target.deadline_at - now).total_seconds() / MONTH_SECONDS
    needed = (target.value - m.actual) / left
    unit = _unit(target, True)
    seen = f"{_signed(recent)}/month recently" if recent is not None else "no recent trend"
    return Pace(needed, recent, f"{_signed(needed)}{unit}/month needed, {seen}")


def _recent_slope(data: TargetData, now: datetime) -> float | None:
    series = data.monthly if len(between(data.monthly, now - _HALF_YEAR, now)) >= 2 else data.daily
    pts = list(between(series, now - _HALF_YEAR, now))
    if data.latest is not None and now - _HALF_YEAR <= data.latest[0] < now:
        pts.append(data.latest)
    pts.sort(key=lambda p: p[0])
    if len(pts) < 2:
        return None
    trend = theil_sen([months(t) for t, _ in pts], [v for _, v in pts])
    return trend.slope if trend is not None else None


def _flow(target: Target, data: TargetData, now: datetime, m: Measure) -> Pace:
    year = target.deadline.year
    # From where the data stops: what a report not yet in covers is still to come, so a
    # port reporting ten days after the month is not asked for two months' boxes in one.
    covered = min(now, m.as_of) if m.year == year else now
    start = max(covered, year_bounds(year)[0])
    so_far = m.actual if m.year == year else 0.0
    if m.year == year and m.unreported:
        # a month never reported is counted as the plan expected it, not as zero: the pace
        # needed is about the months to come, not about a gap in the reports
        so_far += max(0.0, expected_at(target, covered) - m.expected)
    left = (target.deadline_at - start).total_seconds() / MONTH_SECONDS
    cur = month_index(now)
    done = month_table(data, month_start(cur - 3), month_start(cur), "sum")
    recent = sum(done.values()) / len(done) if done else None
    seen = f"{fmt(recent)}/month recently" if recent is not None else "no recent months"
    unit = _unit(target, False)
    if target.comparator == "<=" and so_far > target.value:
        return Pace(0.0, recent, f"limit exceeded: {_value(target, so_far)} so far in {year}")
    if target.comparator == ">=" and so_far >= target.value:
        return Pace(0.0, recent, f"target reached: {_value(target, so_far)} in {year}")
    needed = (target.value - so_far) / left
    if target.comparator == "<=":
        text = f"at most {fmt(needed)}{unit}/month for the rest of {year}, {seen}"
    else:
        text = f"{fmt(needed)}{unit}/month needed for the rest of {year}, {seen}"
    return Pace(needed, recent, text)


def _level(target: Target, data: TargetData, now: datetime, scale: float) -> Pace:
    year = target.deadline.year
    first, last = year_bounds(year)
    total_days = (last - first).days
    seen_days = between(data.daily, first, now)
    so_far = sum(v for _, v in seen_days) * scale
    rest = max(total_days - len(seen_days), 1)
    needed = (target.value * total_days - so_far) / rest
    last30 = between(data.daily, now - timedelta(days=30), now)
    recent = sum(v for _, v in last30) / len(last30) * scale if last30 else None
    seen = f"{fmt(recent)} over the last 30 days" if recent is not None else "no recent days"
    bound = "at most" if target.comparator == "<=" else "at least"
    unit = _unit(target, False)
    text = f"{bound} {fmt(needed)}{unit} on average for the rest of {year}, {seen}"
    return Pace(needed, recent, text)

"""Where a target's indicator is heading: its value at the deadline, with an interval.

- Stocks, capacities and reported ratios: a Theil–Sen line through the last two years
  of values, carried to the deadline. The interval takes the 10th/90th percentiles of
  the pairwise slopes and of the residuals.
- Growth rates: the median of the recent values (a rate is not extrapolated).
- Flows, level-means and ratios counted in days: the deadline year's total (or mean) is
  what is already observed plus the rest of the year forecast month by month. Each past
  month is deseasonalised by the target's monthly profile (or its share of days), a
  Theil–Sen line is fitted to those annualised rates, and each remaining month gets its
  share of the fitted rate — a seasonal-naive forecast with a robust drift. (From a few
  months the drift is mostly the season the profile failed to remove: assess gives no
  probability before ``Thresholds.min_months`` of history.)

``probability_met`` reads the interval as a two-piece normal distribution (10th and 90th
percentiles at low and high) and returns the chance of meeting the target.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from services.indicators.measure import Measure
from services.indicators.plans import Target
from services.indicators.target_data import (
    TargetData,
    between,
    days_in_month,
    month_index,
    month_start,
    month_table,
    months,
)
from services.indicators.trajectory import level_factors, month_weights
from services.indicators.trend import Trend, flat, theil_sen

__all__ = ["Projection", "final", "probability_met", "project"]

_Z90 = 1.2815515655446004  # standard normal 90th percentile
_RECENT = timedelta(days=731)


@dataclass(frozen=True, slots=True)
class Projection:
    """The value expected at the deadline, and a 10–90 % interval around it."""

    value: float
    low: float
    high: float
    at: datetime
    method: str
    points: int


def final(target: Target, m: Measure) -> Projection:
    """After the deadline the projection is the final value itself."""
    return Projection(m.actual, m.actual, m.actual, target.deadline_at, "final", m.count)


def project(target: Target, data: TargetData, now: datetime, m: Measure) -> Projection | None:
    """The projection at the deadline (see module doc); None without enough history."""
    if now >= target.deadline_at:
        return final(target, m)
    if target.kind == "flow":
        return _annual(target, data, now, m, "sum", 1.0)
    if target.kind == "level-mean":
        return _annual(target, data, now, m, "mean", 1.0)
    if target.kind == "ratio" and data.daily_flags:
        return _annual(target, data, now, m, "mean", 100.0)
    return _points(target, data, now, m)


def _points(target: Target, data: TargetData, now: datetime, m: Measure) -> Projection | None:
    start = now - _RECENT
    if len(data.monthly) >= 3 or not data.daily:
        pts = [(month_start(month_index(t) + 1), v) for t, v in between(data.monthly, start, now)]
    else:
        pts = [(t + timedelta(days=1), v) for t, v in between(data.daily, start, now)]
    if data.latest is not None and start <= data.latest[0] < now:
        if not pts or data.latest[0] > pts[-1][0]:
            pts.append(data.latest)
    if not pts:
        return None
    last = months(now)  # min() of the months is the months of the min(): the same floats
    xs = [min(months(t), last) for t, _ in pts]
    ys = [v for _, v in pts]
    trend = flat(ys[-8:], xs[-1]) if target.kind == "growth" else theil_sen(xs, ys)
    assert trend is not None
    h = months(target.deadline_at)
    value, low, high = trend.at(h), trend.low_at(h), trend.high_at(h)
    if target.kind in ("stock", "capacity"):
        value, low, high = (max(x, m.actual) for x in (value, low, high))
    if target.unit == "%" and target.kind == "ratio":
        value, low, high = (min(max(x, 0.0), 100.0) for x in (value, low, high))
    method = "median" if target.kind == "growth" else "theil-sen"
    return Projection(value, min(low, value), max(high, value), target.deadline_at, method, trend.n)


def _annual(
    target: Target, data: TargetData, now: datetime, m: Measure, how: str, scale: float
) -> Projection | None:
    cur = month_index(now)
    table = month_table(data, month_start(cur - 24), now, "sum" if how == "sum" else "mean")
    units = {k: _units(how, k, v * scale, cur, now) for k, v in table.items()}
    hist = [(k, u / w) for k, u in sorted(units.items()) if k < cur and (w := _weight(target, k))]
    trend = theil_sen([float(k) for k, _ in hist], [r for _, r in hist])
    if trend is None:
        return None
    year = target.deadline.year
    observed, value, low, high = _fill_year(target, trend, units, cur, _elapsed(now, cur), year)
    if how == "mean":
        days = sum(days_in_month(year * 12 + i) for i in range(12))
        observed, value, low, high = observed / days, value / days, low / days, high / days
    lo = observed + max(0.0, low)
    hi = observed + max(0.0, high)
    total = observed + max(0.0, value)
    method = "seasonal-naive" if target.trajectory.monthly_profile else "theil-sen"
    return Projection(total, min(lo, total), max(hi, total), target.deadline_at, method, trend.n)


def _fill_year(
    target: Target, trend: Trend, units: dict[int, float], cur: int, cur_frac: float, year: int
) -> tuple[float, float, float, float]:
    """Observed amount of ``year`` and the forecast of the rest (mid, low, high)."""
    observed = mid = low = high = weight = 0.0
    k = 0
    for month in range(year * 12, year * 12 + 12):
        share = 1.0
        if month < cur and month in units:
            observed += units[month]
            continue
        if month == cur and month in units:
            observed += units[month]
            share = 1.0 - cur_frac
        if share <= 0.0:
            continue
        w = _weight(target, month) * share
        x = float(month)
        mid += w * max(0.0, trend.at(x))
        low += w * max(0.0, trend.level + trend.slope_low * (x - trend.x_ref))
        high += w * max(0.0, trend.level + trend.slope_high * (x - trend.x_ref))
        weight += w
        k += 1
    if k:
        low += trend.resid_low * weight / math.sqrt(k)
        high += trend.resid_high * weight / math.sqrt(k)
    return observed, mid, low, high


def _units(how: str, month: int, value: float, cur: int, now: datetime) -> float:
    """A month's amount: its total for flows; its mean times the days it covers for levels."""
    if how == "sum":
        return value
    days = days_in_month(month)
    return value * (days * _elapsed(now, cur) if month == cur else days)


def _elapsed(now: datetime, cur: int) -> float:
    start = month_start(cur)
    return (now - start).total_seconds() / (days_in_month(cur) * 86400.0)


def _weight(target: Target, month: int) -> float:
    """Share of the year's total (flows) or of the year's day-sum (levels) in ``month``."""
    year, i = divmod(month, 12)
    if target.kind == "flow":
        return month_weights(target, year)[i]
    factor = level_factors(target, year)[i]
    days_year = 366 if days_in_month(year * 12 + 1) == 29 else 365
    return factor * days_in_month(month) / days_year


def probability_met(
    target: Target, p: Projection, min_points: int = 3, tolerance_pct: float = 0.0
) -> float | None:
    """Chance that the value at the deadline meets the target; None on too little history.

    The interval is read as a two-piece normal: median ``p.value``, 10th percentile
    ``p.low``, 90th percentile ``p.high``. A value within ``tolerance_pct`` of the target
    counts as meeting it, so a projection landing exactly on the target is not a coin flip.
    """
    if p.method == "final":
        return 1.0 if target.satisfied_by(p.value) else 0.0
    if p.points < min_points:
        return None
    slack = abs(target.value) * tolerance_pct / 100.0
    x = target.value - slack if target.comparator == ">=" else target.value + slack
    sigma = (p.value - p.low if x < p.value else p.high - p.value) / _Z90
    if sigma <= 0.0:
        met = p.value >= x if target.comparator == ">=" else p.value <= x
        return 1.0 if met else 0.0
    below = 0.5 * (1.0 + math.erf((x - p.value) / (sigma * math.sqrt(2.0))))
    return 1.0 - below if target.comparator == ">=" else below

"""Where a target's indicator is heading: its value at the deadline, with an interval.

- Stocks, capacities and reported ratios: a Theil–Sen line through the last two years
  of values, carried to the deadline. The interval takes the 10th/90th percentiles of
  the pairwise slopes and of the residuals.
- Growth rates: the median of the recent values (a rate is not extrapolated).
- Flows, level-means and ratios counted in days: the deadline year's total (or mean) is
  what is already observed plus the rest of the year forecast month by month from the
  seasons the data shows (services.indicators.forecast.seasonal). Assess gives no probability
  before ``Thresholds.min_months`` of history.

``probability_met`` reads the interval as a two-piece normal distribution (10th and 90th
percentiles at low and high) and returns the chance of meeting the target.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from services.indicators.forecast.seasonal import forecast_year
from services.indicators.forecast.trend import flat, theil_sen
from services.indicators.measure import Measure
from services.indicators.plans import Target
from services.indicators.target_data import (
    TargetData,
    between,
    month_index,
    month_start,
    months,
)

__all__ = ["Projection", "final", "probability_met", "project"]

_Z90 = 1.2815515655446004  # standard normal 90th percentile
_RECENT = timedelta(days=731)
_YEAR_OF_MONTHS = 11.0  # values spanning this many months show a whole year's seasons


@dataclass(frozen=True, slots=True)
class Projection:
    """The value expected at the deadline, and a 10–90 % interval around it."""

    value: float
    low: float
    high: float
    at: datetime
    method: str
    points: int
    # why no chance of meeting the target is given (the history cannot tell a trend from
    # a season); empty when it is
    no_odds: str = ""


def final(target: Target, m: Measure) -> Projection:
    """After the deadline the projection is the final value itself."""
    return Projection(m.actual, m.actual, m.actual, target.deadline_at, "final", m.count)


def project(target: Target, data: TargetData, now: datetime, m: Measure) -> Projection | None:
    """The projection at the deadline (see module doc); None without enough history."""
    if now >= target.deadline_at:
        return final(target, m)
    if target.kind == "flow":
        return _annual(target, data, now, "sum", 1.0)
    if target.kind == "level-mean":
        return _annual(target, data, now, "mean", 1.0)
    if target.kind == "ratio" and data.daily_flags:
        return _annual(target, data, now, "mean", 100.0)
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
    # A plan that grows by a constant rate (compound) is carried forward the same way: the
    # trend of the logarithms, so that early months of a doubling do not read as a miss.
    compound = target.trajectory.path == "compound" and all(v > 0 for v in ys)
    if target.kind == "growth":
        trend = flat(ys[-8:], xs[-1])
    else:
        trend = theil_sen(xs, [math.log(v) for v in ys] if compound else ys)
    assert trend is not None
    h = months(target.deadline_at)
    value, low, high = trend.at(h), trend.low_at(h), trend.high_at(h)
    if compound:
        value, low, high = (math.exp(min(x, 700.0)) for x in (value, low, high))
    if target.kind in ("stock", "capacity"):
        value, low, high = (max(x, m.actual) for x in (value, low, high))
    if target.unit == "%" and target.kind == "ratio":
        value, low, high = (min(max(x, 0.0), 100.0) for x in (value, low, high))
    method = "median" if target.kind == "growth" else "theil-sen"
    if compound:
        method = "theil-sen on logarithms (constant growth rate)"
    no_odds = ""
    if target.kind == "ratio" and months(pts[-1][0]) - months(pts[0][0]) < _YEAR_OF_MONTHS:
        # a share seen for less than a year (water quality in the rainy season, a
        # year-to-date share settling): its slope may be its season
        no_odds = "less than a year of values: a trend could be the season"
    return Projection(
        value, min(low, value), max(high, value), target.deadline_at, method, trend.n, no_odds
    )


def _annual(
    target: Target, data: TargetData, now: datetime, how: str, scale: float
) -> Projection | None:
    found = forecast_year(target, data, now, how, scale)
    if found is None:
        return None
    return Projection(
        found.value,
        found.low,
        found.high,
        target.deadline_at,
        found.method,
        found.months,
        found.no_odds,
    )


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
    if p.points < min_points or p.no_odds:
        return None
    slack = abs(target.value) * tolerance_pct / 100.0
    x = target.value - slack if target.comparator == ">=" else target.value + slack
    sigma = (p.value - p.low if x < p.value else p.high - p.value) / _Z90
    if sigma <= 0.0:
        met = p.value >= x if target.comparator == ">=" else p.value <= x
        return 1.0 if met else 0.0
    below = 0.5 * (1.0 + math.erf((x - p.value) / (sigma * math.sqrt(2.0))))
    return 1.0 - below if target.comparator == ">=" else below

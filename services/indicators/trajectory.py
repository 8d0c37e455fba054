"""Where a target's indicator is expected to be at a given instant.

The path runs from the baseline (value and date) to the target (value and deadline),
linear in time or by compound growth. On top of it, by kind:

- ``stock`` / ``capacity``: the path value at t.
- ``flow``: a yearly total. The year's total is the path value at the end of that year;
  the expected amount at t is the year-to-date share of it, linear in time or by the
  monthly profile (share of the year's total in each month).
- ``level-mean`` / ``ratio``: the expected annual level is the path value at the end of
  the year; with a monthly profile (each month's relative level) the expectation at t
  is the mean of the profile over the days elapsed, so a winter-heavy PM2.5 year is not
  judged on January alone.
- ``growth``: a rate that must hold every year — the target value itself.

When the baseline already satisfies the target, or has not been resolved from data,
the path is flat at the target value.
"""

from __future__ import annotations

import calendar
from datetime import datetime
from functools import lru_cache

from services.indicators.plans import CITY_TZ, Target, year_bounds

__all__ = [
    "expected_annual",
    "expected_at",
    "flow_share",
    "level_factor_of",
    "level_factor_to_date",
    "level_factors",
    "milestone",
    "month_weights",
]


def milestone(target: Target, at: datetime) -> float:
    """The path value at instant ``at``, clamped to the baseline and target values."""
    base = target.baseline
    start = base.at
    if target.kind == "growth" or base.value is None or start is None:
        return target.value
    if target.satisfied_by(base.value):
        return target.value
    end = target.deadline_at
    if at >= end or end <= start:
        return target.value
    if at <= start:
        return base.value
    frac = (at - start) / (end - start)
    if target.trajectory.path == "compound" and base.value > 0 and target.value > 0:
        return float(base.value * (target.value / base.value) ** frac)
    return base.value + (target.value - base.value) * frac


def expected_annual(target: Target, year: int) -> float:
    """The year's expected total (flow) or annual level (level-mean, ratio)."""
    return milestone(target, min(year_bounds(year)[1], target.deadline_at))


def month_weights(target: Target, year: int) -> tuple[float, ...]:
    """Share of a year's flow falling in each month: the profile, else days/days-in-year."""
    profile = target.trajectory.monthly_profile
    if profile is not None:
        return profile
    days = _month_days(year)
    total = sum(days)
    return tuple(d / total for d in days)


def level_factors(target: Target, year: int) -> tuple[float, ...]:
    """Each month's level relative to the annual mean (day-weighted mean of 1)."""
    profile = target.trajectory.monthly_profile
    if profile is None:
        return (1.0,) * 12
    days = _month_days(year)
    mean = sum(w * d for w, d in zip(profile, days, strict=True)) / sum(days)
    return tuple(w / mean for w in profile)


def flow_share(target: Target, t: datetime) -> float:
    """Share of the year's flow expected by ``t`` (0 at new year, 1 at its end)."""
    local = t.astimezone(CITY_TZ)
    weights = month_weights(target, local.year)
    done = sum(weights[: local.month - 1])
    return done + weights[local.month - 1] * _month_elapsed(local)


def level_factor_of(target: Target, t: datetime) -> float:
    """The level factor of ``t``'s month (1 without a monthly profile)."""
    if target.trajectory.monthly_profile is None:
        return 1.0
    local = t.astimezone(CITY_TZ)
    return level_factors(target, local.year)[local.month - 1]


def level_factor_to_date(target: Target, t: datetime) -> float:
    """Mean of the level factors over the days of the year elapsed by ``t``."""
    if target.trajectory.monthly_profile is None:
        return 1.0
    local = t.astimezone(CITY_TZ)
    factors = level_factors(target, local.year)
    days = _month_days(local.year)
    cur_days = days[local.month - 1] * _month_elapsed(local)
    full = sum(days[: local.month - 1])
    weighted = sum(f * d for f, d in zip(factors, days[: local.month - 1], strict=False))
    elapsed = full + cur_days
    if elapsed <= 0:
        return factors[0]
    return (weighted + factors[local.month - 1] * cur_days) / elapsed


def expected_at(target: Target, t: datetime) -> float:
    """The trajectory value at ``t`` in the sense of the target's kind (see module doc)."""
    if t >= target.deadline_at:
        return target.value
    kind = target.kind
    if kind in ("stock", "capacity"):
        return milestone(target, t)
    if kind == "growth":
        return target.value
    year = t.astimezone(CITY_TZ).year
    annual = expected_annual(target, year)
    if kind == "flow":
        return annual * flow_share(target, t)
    level = annual * level_factor_to_date(target, t)
    if kind == "ratio" and target.unit == "%":
        return min(level, 100.0)
    return level


@lru_cache(maxsize=128)
def _month_days(year: int) -> tuple[int, ...]:
    return tuple(calendar.monthrange(year, m)[1] for m in range(1, 13))


def _month_elapsed(local: datetime) -> float:
    """Fraction of ``local``'s month elapsed at ``local``."""
    start = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    days = calendar.monthrange(local.year, local.month)[1]
    return (local - start).total_seconds() / (days * 86400.0)

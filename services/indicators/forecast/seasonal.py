"""A yearly total or mean projected with the seasons the data itself shows.

The deadline year's value is what has been observed plus a forecast of the rest, month by
month, from the same months of the year before scaled by how this year compares with last
year so far — recent months weighing most (half-life of ``HALF_LIFE_MONTHS``), so that a
change point moves the forecast within weeks, not at the end of the year. A month without
a year-earlier value falls back on the plan's monthly profile. The seasons come from the
data, not from the plan's profile: a city whose every day is good is not expected to
lose good days in winter because the plan drew a winter dip.

Before the deadline year the projection is the last twelve months carried forward (with
half of their year-on-year growth, for flows), its uncertainty growing with the years
left; so it is in the deadline year when the data holds nothing of it or of the year
before (a yearly report not in yet), from where the data ends.

How sure it is comes from how much history there is: the dispersion of this year's months
against last year's (a prior for a young series), the number of months compared, and the
months still to come. ``method`` says which history the projection rests on.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from services.indicators.plans import Target
from services.indicators.target_data import (
    TargetData,
    days_in_month,
    in_zone_of,
    month_index,
    month_start,
)
from services.indicators.trajectory import expected_annual, level_factors, month_weights

__all__ = ["HALF_LIFE_MONTHS", "YearForecast", "forecast_year"]

HALF_LIFE_MONTHS = 1.0
_DAY = timedelta(days=1)
# Month-to-month dispersion of a year-on-year ratio when too few months show it, by kind
# of value: totals of a flow, daily means of a level, shares of flagged days.
_PRIOR = {"sum": 0.05, "mean": 0.10, "flags": 0.20}
_YEAR_PRIOR = {"sum": 0.05, "mean": 0.08, "flags": 0.06}
_Z90 = 1.2815515655446004


@dataclass(frozen=True, slots=True)
class YearForecast:
    """The deadline year's value: median, a 10–90 % interval, and what it rests on."""

    value: float
    low: float
    high: float
    months: int  # months of data the projection rests on
    method: str
    no_odds: str = ""  # why no chance of meeting the target is given (see Projection)


@dataclass(frozen=True, slots=True)
class _Month:
    amount: float  # a flow's total; a level's sum of daily values
    days: float  # a level's days with a value (a flow's: its days)


def _months(data: TargetData, how: str, first: int, now: datetime) -> dict[int, _Month]:
    """Per local month from ``first`` up to ``now``: the amount and the days it covers.

    Daily values make a month when they cover it from its first day (the engine reads
    recent days only: the first month of that window is partial, its monthly bucket is
    whole); otherwise the month's bucket does.
    """
    daily: dict[int, list[float]] = {}
    # a series reported monthly or less often has a day bucket only where a report is
    # stamped (its period's last day): that day is not the month
    days_of = data.daily if data.cadence is None or data.cadence <= _DAY else ()
    first_day = days_of[0][0] if days_of else None
    for t, v in days_of:
        if t >= now:
            break
        m = month_index(t)
        if m >= first:
            acc = daily.setdefault(m, [0.0, 0.0])
            acc[0] += v
            acc[1] += 1.0
    months: dict[int, _Month] = {}
    for m, (amount, days) in daily.items():
        if first_day is not None and month_start(m) >= in_zone_of(first_day, month_start(m)):
            months[m] = _Month(amount, days)
    for t, v in data.monthly:
        m = month_index(t)
        if m < first or t >= now or m in months:
            continue
        days = float(days_in_month(m))
        months[m] = _Month(v if how == "sum" else v * days, days)
    return months


def forecast_year(
    target: Target, data: TargetData, now: datetime, how: str, scale: float
) -> YearForecast | None:
    """The deadline year's total (``how="sum"``) or mean (``"mean"``, × ``scale``)."""
    year = target.deadline.year
    cur = month_index(now)
    kind = "flags" if data.daily_flags else how
    months = _months(data, how, (year - 2) * 12, now)
    if not months:
        return None
    if cur < year * 12:
        return _ahead(target, months, cur, now, how, kind, scale)
    if max(months) < (year - 1) * 12:
        # nothing of this year or the last (a yearly report not in yet, a feed long
        # silent): the latest twelve months there are, carried from where they end
        return _ahead(target, months, max(months) + 1, now, how, kind, scale)
    return _in_year(target, months, cur, now, how, kind, scale)


def _elapsed(now: datetime, cur: int) -> float:
    start = month_start(cur)
    return (now - start).total_seconds() / (days_in_month(cur) * 86400.0)


def _in_year(
    target: Target,
    months: Mapping[int, _Month],
    cur: int,
    now: datetime,
    how: str,
    kind: str,
    scale: float,
) -> YearForecast:
    year = target.deadline.year
    this_year = range(year * 12, year * 12 + 12)
    seen = {m: v for m, v in months.items() if m in this_year}
    # How this year compares with last year, month by month (a month's mean for levels,
    # its total pro rata of the days seen for flows), recent months weighing most.
    ratios: list[tuple[float, float]] = []
    for m, v in seen.items():
        before = months.get(m - 12)
        if before is None or before.amount <= 0 or v.days <= 0:
            continue
        mine = v.amount / v.days
        theirs = before.amount / before.days
        if theirs <= 0:
            continue
        share = min(1.0, v.days / days_in_month(m))
        age = max(0.0, cur - m + (0.5 if m < cur else 0.0))
        weight = share * 0.5 ** (age / HALF_LIFE_MONTHS)
        ratios.append((mine / theirs, weight))
    k = _weighted_ratio(ratios, _prior_ratio(target, months, year, how))
    spread = _spread(ratios, kind)
    observed = sum(v.amount for v in seen.values())
    observed_days = sum(v.days for v in seen.values())
    fallback = _fallback_rate(target, seen, months, cur, how)
    rest: list[tuple[float, float]] = []  # (amount, days) of each month still to come
    for m in this_year:
        have = seen.get(m)
        full_days = float(days_in_month(m))
        if have is not None and (m < cur or have.days >= full_days):
            continue
        left = full_days - (have.days if have is not None else 0.0)
        if left <= 0:
            continue
        before = months.get(m - 12)
        if before is not None and before.days > 0:
            per_day = before.amount / before.days * k
        else:
            per_day = fallback(m)
        rest.append((per_day * left, left))
    forecast = sum(a for a, _ in rest)
    # Each month to come varies on its own; the level they share is known from the months
    # seen this year, and last year's counts as two more (it sets the seasons).
    known = len(ratios) + 2.0
    sigma = math.sqrt(sum((a * spread) ** 2 for a, _ in rest) + (forecast * spread) ** 2 / known)
    total_days = observed_days + sum(d for _, d in rest)
    value, low, high = _bounded(
        observed + forecast, sigma, how, total_days, scale, target.unit == "%"
    )
    told = len([m for m in seen if m < cur]) + (1 if cur in seen else 0)
    last_year = len([m for m in range((year - 1) * 12, year * 12) if m in months])
    method = (
        f"{year}'s months so far ({told}) and {year - 1}'s seasons ({last_year} months)"
        if last_year
        else f"{year}'s months so far ({told}), the plan's monthly profile for the rest"
    )
    return YearForecast(value, low, high, told + last_year, method)


PRIOR_MONTHS = 0.5  # the prior year-on-year ratio counts as this many months seen


def _weighted_ratio(ratios: list[tuple[float, float]], prior: float) -> float:
    """The weighted mean of the year-on-year ratios, drawn toward ``prior`` while few months
    have been seen: a fortnight of provisional figures moves it only a little."""
    total = sum(w for _, w in ratios)
    return (sum(r * w for r, w in ratios) + prior * PRIOR_MONTHS) / (total + PRIOR_MONTHS)


def _prior_ratio(target: Target, months: Mapping[int, _Month], year: int, how: str) -> float:
    """The year-on-year ratio to expect before this year shows its own: last year's over
    the year before when the data holds both whole, else the plan's own step."""
    last = [months.get(m) for m in range((year - 1) * 12, year * 12)]
    before = [months.get(m) for m in range((year - 2) * 12, (year - 1) * 12)]
    if all(v is not None for v in last + before):
        a = sum(v.amount for v in last if v is not None)
        b = sum(v.amount for v in before if v is not None)
        if how == "mean":
            a /= sum(v.days for v in last if v is not None) or 1.0
            b /= sum(v.days for v in before if v is not None) or 1.0
        if a > 0 and b > 0:
            return a / b
    planned = expected_annual(target, year - 1)
    return expected_annual(target, year) / planned if planned > 0 else 1.0


def _spread(ratios: list[tuple[float, float]], kind: str) -> float:
    """Month-to-month dispersion of the ratios (log scale), the prior while few are known."""
    prior = _PRIOR[kind]
    logs = [math.log(r) for r, _ in ratios if r > 0]
    if len(logs) < 3:
        return prior
    mean = sum(logs) / len(logs)
    sd = math.sqrt(sum((x - mean) ** 2 for x in logs) / (len(logs) - 1))
    weight = len(logs) / (len(logs) + 3.0)  # shrink toward the prior while months are few
    return max(prior * 0.4, weight * sd + (1 - weight) * prior)


def _fallback_rate(
    target: Target, seen: Mapping[int, _Month], months: Mapping[int, _Month], cur: int, how: str
) -> Callable[[int], float]:
    """Per-day amount of a month without a year-earlier value: this year's (or the last
    twelve months') rate, shaped by the plan's monthly profile."""
    year = target.deadline.year
    base = dict(seen) if seen else {m: v for m, v in months.items() if cur - 12 <= m < cur}
    if how == "sum":
        weights = month_weights(target, year)
        used = sum(weights[m % 12] for m in base) or 1.0
        annual = sum(v.amount for v in base.values()) / used
        return lambda m: annual * weights[m % 12] / days_in_month(m)
    factors = level_factors(target, year)
    days = sum(v.days for v in base.values()) or 1.0
    level = sum(v.amount for v in base.values()) / days
    mean_factor = sum(factors[m % 12] * v.days for m, v in base.items()) / days or 1.0
    return lambda m: level * factors[m % 12] / mean_factor


def _ahead(
    target: Target,
    months: Mapping[int, _Month],
    cur: int,
    now: datetime,
    how: str,
    kind: str,
    scale: float,
) -> YearForecast:
    """Before the deadline year: the last twelve months, carried to the deadline year.

    A flow grows as its last two years show, drawn halfway toward the plan's own step;
    without two years of data, and for levels, it keeps its place against the plan's path
    (ahead of it by 5 % now, ahead by 5 % in the deadline year): nothing else is known of
    the years between.
    """
    year = target.deadline.year
    last12 = {m: v for m, v in months.items() if cur - 12 <= m < cur}
    before12 = {m: v for m, v in months.items() if cur - 24 <= m < cur - 12}
    if not last12:
        last12 = {m: v for m, v in months.items() if m <= cur}
    years = (year * 12 + 6 - (cur - 6)) / 12.0
    base_year = (cur - 6) // 12  # the year the middle of the window falls in
    # what the plan expects of the same months, as a yearly figure: its step to the
    # deadline year is what "keeping its place against the plan" means
    weights = month_weights(target, base_year)
    covered = sum(weights[m % 12] for m in last12) or 1.0
    planned = sum(expected_annual(target, m // 12) * weights[m % 12] for m in last12) / covered
    step = expected_annual(target, year) / planned if planned > 0 else 1.0
    if how == "sum":
        base = sum(v.amount for v in last12.values()) / covered
        value = base * step
        paired = [m for m in last12 if m - 12 in before12]  # the same months a year apart
        if len(paired) >= 10:
            prior_total = sum(before12[m - 12].amount for m in paired)
            if prior_total > 0:
                # a year of growth seen, drawn halfway toward the plan's own step: one pair
                # of years says little, and a series on its path keeps the path's pace
                ratio = sum(last12[m].amount for m in paired) / prior_total
                plan_step = step ** (1.0 / max(years, 0.5))
                yearly = 0.5 * (ratio - 1.0) + 0.5 * (plan_step - 1.0)
                value = base * (1.0 + yearly) ** years
    else:
        # A mean of fewer than twelve months is the mean of their seasons: divided by the
        # plan's monthly profile over those days, it is an annual level (12 months: as is).
        days_seen = sum(v.days for v in last12.values()) or 1.0
        level = sum(v.amount for v in last12.values()) / days_seen
        if len(last12) < 12:
            factors = level_factors(target, base_year)
            seen = sum(factors[m % 12] * v.days for m, v in last12.items()) / days_seen or 1.0
            level /= seen
        value = level * step * 365.0
    days = 365.0
    spread = _YEAR_PRIOR[kind] * math.sqrt(max(years, 0.5)) * math.sqrt(12.0 / max(len(last12), 1))
    low_n = len(last12)
    value, low, high = _bounded(value, abs(value) * spread, how, days, scale, target.unit == "%")
    method = f"the last {low_n} months carried to {year}"
    no_odds = ""
    if how == "sum" and low_n < 12 and target.trajectory.monthly_profile is None:
        # less than a year of a flow, and no profile from the plan: which of its months
        # are high and which low is unknown (contracts signed in December, summer tourists)
        no_odds = "less than a year of a flow without a monthly profile: its seasons are unknown"
    return YearForecast(value, low, high, low_n + len(before12), method, no_odds)


def _bounded(
    amount: float, sigma: float, how: str, days: float, scale: float, percent: bool
) -> tuple[float, float, float]:
    """Median and 10/90 % bounds in the target's terms: a total, or a mean × ``scale``."""
    if how == "mean":
        per = scale / days if days > 0 else 0.0
        amount, sigma = amount * per, sigma * per
    low, high = amount - _Z90 * sigma, amount + _Z90 * sigma
    out = [max(0.0, x) for x in (amount, low, high)]
    if percent:
        out = [min(100.0, x) for x in out]
    return out[0], out[1], out[2]

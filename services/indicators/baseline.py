"""Baselines taken from the data, for targets whose plan file says ``from_data: true``.

- stock, capacity, growth and reported ratios: the earliest value in the data;
- flows: the total of the earliest complete local calendar year before the deadline year;
- level-means and ratios counted in days: the mean of the earliest local calendar year
  before the deadline year with at least 300 days of data.

The result depends on how far back the data goes: resolve once from the full history
and keep the resolved target, or accept that a sliding window slides the baseline too.
Until a baseline is found the trajectory is flat at the target value.
"""

from __future__ import annotations

from dataclasses import fields
from datetime import date, timedelta
from operator import attrgetter

from services.indicators.plans import CITY_TZ, Baseline, Target, end_of_day, year_bounds
from services.indicators.target_data import (
    TargetData,
    between,
    month_index,
    month_start,
    month_table,
    spread_reports,
)

__all__ = ["MIN_YEAR_DAYS", "resolve_baseline"]

MIN_YEAR_DAYS = 300


def resolve_baseline(target: Target, data: TargetData) -> Target:
    """``target`` with its baseline taken from ``data`` when the plan asks for that."""
    if not target.baseline.from_data or target.baseline.resolved or data.empty:
        return target
    if target.kind == "flow":
        found = _first_full_year_total(target, data)
    elif target.kind == "level-mean" or (target.kind == "ratio" and data.daily_flags):
        found = _first_full_year_mean(target, data, 100.0 if target.kind == "ratio" else 1.0)
    else:
        found = _earliest(data)
    if found is None or found[1] >= target.deadline:
        return target
    value, day = found
    return _with_baseline(target, Baseline(value=value, date=day, from_data=True))


_FIELDS = attrgetter(*(f.name for f in fields(Target)))
_BASELINE = [f.name for f in fields(Target)].index("baseline")


def _with_baseline(target: Target, baseline: Baseline) -> Target:
    """``replace(target, baseline=baseline)`` in a third of the time (``replace`` reads and
    passes every field by name): the engine resolves every such target each evaluation."""
    values = list(_FIELDS(target))
    values[_BASELINE] = baseline
    return Target(*values)


def _earliest(data: TargetData) -> tuple[float, date] | None:
    """The earliest value, dated by the day it describes the end of."""
    found: list[tuple[float, date]] = []
    if data.monthly:
        t, v = data.monthly[0]
        found.append((v, (month_start(month_index(t) + 1) - timedelta(days=1)).date()))
    if data.daily:
        t, v = data.daily[0]
        found.append((v, t.astimezone(CITY_TZ).date()))
    if data.latest is not None:
        t, v = data.latest
        found.append((v, (t.astimezone(CITY_TZ) - timedelta(days=1)).date()))
    return min(found, key=lambda f: end_of_day(f[1])) if found else None


def _years(target: Target, data: TargetData) -> range:
    firsts = [s[0][0] for s in (data.monthly, data.daily) if s]
    first = min(firsts).astimezone(CITY_TZ).year if firsts else target.deadline.year
    return range(first, target.deadline.year)


def _first_full_year_total(target: Target, data: TargetData) -> tuple[float, date] | None:
    data = spread_reports(data)  # a year reported quarterly or at once is whole too
    for year in _years(target, data):
        start, end = year_bounds(year)
        table = month_table(data, start, end, "sum")
        if len(table) == 12:
            return sum(table.values()), date(year, 12, 31)
    return None


def _first_full_year_mean(
    target: Target, data: TargetData, scale: float
) -> tuple[float, date] | None:
    for year in _years(target, data):
        days = between(data.daily, *year_bounds(year))
        if len(days) >= MIN_YEAR_DAYS:
            return sum(v for _, v in days) / len(days) * scale, date(year, 12, 31)
    return None

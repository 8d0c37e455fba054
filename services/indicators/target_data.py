"""The city-wide data a target is judged on, and the slicing of it by local time.

Buckets are identified by their start instant (tz-aware). Daily buckets should start at
local midnight (Asia/Shanghai) and monthly buckets at the first of the local month; UTC
midnights also work, since they fall on the same local day (08:00 CST). Sequences are
sorted by time, oldest first.
"""

from __future__ import annotations

import calendar
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from operator import itemgetter
from typing import TYPE_CHECKING, Literal

from services.indicators.plans import CITY_TZ

if TYPE_CHECKING:
    from services.indicators.coverage import Coverage

__all__ = [
    "MONTH_SECONDS",
    "Point",
    "TargetData",
    "between",
    "days_in_month",
    "in_zone_of",
    "last_before",
    "month_index",
    "month_start",
    "month_table",
    "months",
    "spread_reports",
]

Point = tuple[datetime, float]
MONTH_SECONDS = 365.2425 / 12 * 86400.0
_time = itemgetter(0)  # a point's instant: the bisect key (C-level, so cheap)


@dataclass(frozen=True, slots=True)
class TargetData:
    """City-wide values for one target's indicator (and scope), in its canonical unit.

    ``daily``: one value per local day — the city daily mean for levels, the day's total
    for flows, or a 0/1 flag per day when ``daily_flags`` (a ratio counted in days, such
    as good-air days). ``monthly``: one value per local month — the month's total for
    flows, the month-end value for stocks and capacities, the monthly mean for levels and
    ratios. ``latest``: the latest city-wide value of a stock, capacity or reported ratio.
    ``last_seen``: when the feed last delivered anything. ``daily`` holds valid days only
    (air: days with at least 20 hourly values). ``coverage``: what a year of this data
    must hold to be judged (services.indicators.coverage); ``cadence``: how often the
    indicator reports.
    """

    daily: Sequence[Point] = ()
    monthly: Sequence[Point] = ()
    latest: Point | None = None
    last_seen: datetime | None = None
    daily_flags: bool = False
    coverage: Coverage | None = None
    cadence: timedelta | None = None

    @property
    def empty(self) -> bool:
        return not self.daily and not self.monthly and self.latest is None


def months(t: datetime) -> float:
    """``t`` as a number of average months since the epoch (x axis of trends)."""
    return t.timestamp() / MONTH_SECONDS


@lru_cache(maxsize=8192)
def month_index(t: datetime) -> int:
    """The local month of ``t`` as year * 12 + month - 1.

    Cached by instant (equal instants are equal keys): every target's buckets start at the
    same few hundred instants, and converting one to local time costs four times the look-up.
    """
    local = t.astimezone(CITY_TZ)
    return local.year * 12 + local.month - 1


@lru_cache(maxsize=4096)
def month_start(index: int) -> datetime:
    return datetime(index // 12, index % 12 + 1, 1, tzinfo=CITY_TZ)


@lru_cache(maxsize=4096)
def days_in_month(index: int) -> int:
    return calendar.monthrange(index // 12, index % 12 + 1)[1]


def in_zone_of(bound: datetime, like: datetime) -> datetime:
    """``bound`` in the time zone of ``like`` when that zone is a fixed offset.

    The same instant, so every comparison gives the same answer; but datetimes of one
    tzinfo compare by their fields, while datetimes of two zones compare through both
    offsets, an order of magnitude slower. Searches through sorted points compare the
    bound with many of them.
    """
    zone = like.tzinfo
    if bound.tzinfo is zone or type(zone) is not timezone:
        return bound
    return bound.astimezone(zone)


def between(points: Sequence[Point], start: datetime, end: datetime) -> Sequence[Point]:
    """The points with ``start <= t < end`` (points sorted by time)."""
    if not points:
        return points[0:0]
    first = points[0][0]
    lo = bisect_left(points, in_zone_of(start, first), key=_time)
    hi = bisect_left(points, in_zone_of(end, first), lo, key=_time)
    return points[lo:hi]


def last_before(points: Sequence[Point], end: datetime) -> Point | None:
    """The last point with ``t < end`` (points sorted by time)."""
    if not points:
        return None
    hi = bisect_left(points, in_zone_of(end, points[0][0]), key=_time)
    return points[hi - 1] if hi else None


def month_table(
    data: TargetData, start: datetime, end: datetime, how: Literal["sum", "mean"]
) -> dict[int, float]:
    """Per local month in [start, end): the monthly value if present, else the daily sum or mean."""
    table: dict[int, float] = {m: v for m, v in _by_month(between(data.monthly, start, end))}
    days = between(data.daily, start, end)
    i, n = 0, len(days)
    while i < n:  # one local month of days at a time (days are sorted)
        m = month_index(days[i][0])
        j = bisect_left(days, in_zone_of(month_start(m + 1), days[i][0]), i, n, key=_time)
        if m not in table:
            total = 0.0
            for _, v in days[i:j]:
                total += v
            table[m] = total if how == "sum" else total / (j - i)
        i = j
    return table


def _by_month(points: Sequence[Point]) -> list[tuple[int, float]]:
    return [(month_index(t), v) for t, v in points]


def spread_reports(data: TargetData) -> TargetData:
    """A flow reported per quarter or per year, as months: each report (stamped inside the
    last month of its period, as providers stamp a period's total at its end) spread evenly
    over its period's months. The year's sums stay what the reports say; what is compared
    month by month (the trajectory's share of the months covered, last year's seasons)
    then sees the months each report stands for. Other data is returned as it is."""
    k = data.coverage.months_per_report if data.coverage is not None else 1
    if k <= 1 or not data.monthly:
        return data
    spread: dict[int, float] = {}
    for t, v in data.monthly:
        m = month_index(t)
        first = m - (m % 12) % k  # the period's first month
        for i in range(first, first + k):
            spread[i] = spread.get(i, 0.0) + v / k
    points = [
        (in_zone_of(month_start(m), data.monthly[0][0]), v) for m, v in sorted(spread.items())
    ]
    return replace(data, monthly=points)

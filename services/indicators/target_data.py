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
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from services.indicators.plan_model import CITY_TZ

__all__ = [
    "MONTH_SECONDS",
    "Point",
    "TargetData",
    "between",
    "days_in_month",
    "last_before",
    "month_index",
    "month_start",
    "month_table",
    "months",
]

Point = tuple[datetime, float]
MONTH_SECONDS = 365.2425 / 12 * 86400.0


@dataclass(frozen=True, slots=True)
class TargetData:
    """City-wide values for one target's indicator (and scope), in its canonical unit.

    ``daily``: one value per local day — the city daily mean for levels, the day's total
    for flows, or a 0/1 flag per day when ``daily_flags`` (a ratio counted in days, such
    as good-air days). ``monthly``: one value per local month — the month's total for
    flows, the month-end value for stocks and capacities, the monthly mean for levels and
    ratios. ``latest``: the latest city-wide value of a stock, capacity or reported ratio.
    ``last_seen``: when the feed last delivered anything.
    """

    daily: Sequence[Point] = ()
    monthly: Sequence[Point] = ()
    latest: Point | None = None
    last_seen: datetime | None = None
    daily_flags: bool = False

    @property
    def empty(self) -> bool:
        return not self.daily and not self.monthly and self.latest is None


def months(t: datetime) -> float:
    """``t`` as a number of average months since the epoch (x axis of trends)."""
    return t.timestamp() / MONTH_SECONDS


def month_index(t: datetime) -> int:
    """The local month of ``t`` as year * 12 + month - 1."""
    local = t.astimezone(CITY_TZ)
    return local.year * 12 + local.month - 1


def month_start(index: int) -> datetime:
    return datetime(index // 12, index % 12 + 1, 1, tzinfo=CITY_TZ)


def days_in_month(index: int) -> int:
    return calendar.monthrange(index // 12, index % 12 + 1)[1]


def between(points: Sequence[Point], start: datetime, end: datetime) -> Sequence[Point]:
    """The points with ``start <= t < end`` (points sorted by time)."""
    lo = bisect_left(points, start, key=_time)
    hi = bisect_left(points, end, key=_time)
    return points[lo:hi]


def last_before(points: Sequence[Point], end: datetime) -> Point | None:
    """The last point with ``t < end`` (points sorted by time)."""
    hi = bisect_left(points, end, key=_time)
    return points[hi - 1] if hi else None


def month_table(
    data: TargetData, start: datetime, end: datetime, how: Literal["sum", "mean"]
) -> dict[int, float]:
    """Per local month in [start, end): the monthly value if present, else the daily sum or mean."""
    table: dict[int, float] = {m: v for m, v in _by_month(between(data.monthly, start, end))}
    sums: dict[int, float] = {}
    counts: dict[int, int] = {}
    for t, v in between(data.daily, start, end):
        m = month_index(t)
        if m not in table:
            sums[m] = sums.get(m, 0.0) + v
            counts[m] = counts.get(m, 0) + 1
    for m, total in sums.items():
        table[m] = total if how == "sum" else total / counts[m]
    return table


def _by_month(points: Sequence[Point]) -> list[tuple[int, float]]:
    return [(month_index(t), v) for t, v in points]


def _time(point: Point) -> datetime:
    return point[0]

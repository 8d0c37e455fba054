"""Whether the data under a judgement is enough to judge: a period without enough valid
data is never met or missed.

- Air (GB 3095-2012 §8 and table 4, HJ 663-2013): a daily mean is valid with at least 20
  hourly values (applied where the daily values are made); a yearly statistic needs at
  least 324 valid days and at least 27 in every month (25 in February).
- Flows reported daily: every month of the year needs at least 90 % of its days.
- Flows reported monthly: every month of the year needs its report; reported quarterly,
  every quarter; reported yearly, the year's report.
- Stocks, capacities, reported ratios and rates: the final value must be recent — at most
  two reporting intervals old at the deadline.

:func:`year_coverage` says, for a target's year, how many valid days or months there are,
which elapsed months fall short, whether the year can still be complete, and in one
sentence what that means for the judgement.
"""

from __future__ import annotations

import calendar
import math
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from services.indicators.plans import year_bounds
from services.indicators.target_data import Point, TargetData, between, month_index, month_start

__all__ = [
    "DAILY_FLOW",
    "GB3095",
    "MONTHLY",
    "QUARTERLY",
    "YEARLY",
    "Coverage",
    "YearCoverage",
    "final_is_recent",
    "year_coverage",
]


@dataclass(frozen=True, slots=True)
class Coverage:
    """What a year of daily or monthly data must hold to be judged.

    ``per``: ``day`` (valid days are counted) or ``month`` (a report per month).
    ``year_days`` / ``month_days`` / ``february_days``: the minimum valid days of the year
    and of each month; ``month_share``: instead, the share of each month's days. ``rule``
    names where the requirement comes from, for the sentence people read.
    """

    per: Literal["day", "month"]
    year_days: int = 0
    month_days: int = 0
    february_days: int = 0
    month_share: float = 0.0
    rule: str = ""
    months_per_report: int = 1  # per month: a report covers this many months (3, 12)

    def month_needs(self, index: int) -> int:
        """Valid days month ``index`` (year * 12 + month - 1) needs."""
        year, m = divmod(index, 12)
        days = calendar.monthrange(year, m + 1)[1]
        if self.month_share:
            return math.ceil(self.month_share * days)
        return self.february_days if m == 1 and self.february_days else self.month_days


GB3095 = Coverage(
    "day", year_days=324, month_days=27, february_days=25, rule="GB 3095-2012 validity"
)
DAILY_FLOW = Coverage("day", month_share=0.9, rule="90 % of each month's days")
MONTHLY = Coverage("month", rule="a report for every month")
QUARTERLY = Coverage("month", rule="a report for every quarter", months_per_report=3)
YEARLY = Coverage("month", rule="the year's report", months_per_report=12)


@dataclass(frozen=True, slots=True)
class YearCoverage:
    """The valid data of one year up to an instant."""

    year: int
    counted: int  # valid days (per day) or reported months (per month)
    short: tuple[int, ...]  # elapsed months (1-12) below their minimum
    complete: bool  # the whole year elapsed and every requirement met
    possible: bool  # the year can still meet every requirement
    text: str


def _points_in(data: TargetData, coverage: Coverage, start: datetime, end: datetime) -> list[Point]:
    if coverage.per == "day":
        return list(between(data.daily, start, end))
    months = list(between(data.monthly, start, end))
    if months:
        return months
    return list(between(data.daily, start, end))


def year_coverage(coverage: Coverage, data: TargetData, year: int, end: datetime) -> YearCoverage:
    """How ``year``'s data up to ``end`` (exclusive) stands against ``coverage``."""
    first, last = year_bounds(year)
    stop = min(end, last)
    points = _points_in(data, coverage, first, stop)
    per_month = Counter(month_index(t) for t, _ in points)
    months = range(year * 12, year * 12 + 12)
    cur = month_index(stop - timedelta(microseconds=1)) if stop > first else year * 12 - 1
    elapsed = [m for m in months if m < cur or (m == cur and stop >= last)]
    if coverage.per == "day":
        # before the first daily value the engine reads, a month's bucket stands for it
        # (a daily flow's older months come as monthly totals)
        reach = data.daily[0][0] if data.daily else None
        for t, _ in between(data.monthly, first, stop):
            m = month_index(t)
            if reach is None or month_start(m) < reach:
                per_month[m] = max(per_month[m], coverage.month_needs(m))
        short = tuple(m % 12 + 1 for m in elapsed if per_month[m] < coverage.month_needs(m))
        counted = sum(per_month.values())
        remaining = sum(calendar.monthrange(year, m % 12 + 1)[1] for m in months if m >= cur)
        year_ok = counted + remaining >= coverage.year_days
        possible = not short and year_ok
        complete = stop >= last and not short and counted >= coverage.year_days
        unit = "valid days"
    else:
        # months after the last one reported may still come (reports arrive weeks late):
        # only a gap before it is missing for good. A report covers its period's months.
        k = coverage.months_per_report
        period = {(m - year * 12) // k for m in per_month}
        latest = max(period) if period else -1
        periods = [(m - year * 12) // k for m in elapsed if (m - year * 12) % k == k - 1]
        short = tuple(p * k + k for p in periods if p not in period and p < latest)
        counted = len(period)
        possible = not short
        complete = stop >= last and counted == 12 // k
        unit = "months reported" if k == 1 else ("report" if counted == 1 else "reports")
    text = _sentence(coverage, year, counted, unit, short, complete, possible, stop >= last)
    return YearCoverage(year, counted, short, complete, possible, text)


def _sentence(
    coverage: Coverage,
    year: int,
    counted: int,
    unit: str,
    short: tuple[int, ...],
    complete: bool,
    possible: bool,
    ended: bool,
) -> str:
    if coverage.months_per_report == 3:
        names = ", ".join(f"Q{m // 3}" for m in short)
    else:
        names = ", ".join(calendar.month_abbr[m] for m in short)
    if complete:
        return f"{year}: {counted} {unit}, enough ({coverage.rule})"
    if not possible:
        what = f"{names} short" if short else f"only {counted} {unit}"
        return f"{year} cannot be judged: {what} ({coverage.rule})"
    if ended:
        return f"{year}: only {counted} {unit} ({coverage.rule})"
    return f"{year} so far: {counted} {unit}"


def final_is_recent(last: datetime | None, deadline: datetime, cadence: timedelta | None) -> bool:
    """A stock's or ratio's value at the deadline rests on a report at most two reporting
    intervals old (a monthly series: its November or December report)."""
    if last is None:
        return False
    interval = cadence or timedelta(days=31)
    return deadline - last <= 2 * interval + timedelta(days=1)

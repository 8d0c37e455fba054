"""Statistics as bureaus publish them: a month's, a quarter's or a year's figure, stamped
at the period's end and sent when it is published (a month's some two weeks later, a
year's in the spring after it, with the statistical communiqué).

A statistic is a :class:`Flow` (an amount per period: the year's total shared by month),
a :class:`Level` (a stock, a capacity or a share at each report: dated anchors, linear in
between or in steps) or a :class:`Growth` (a rate over the same period of the year before,
from a flow's yearly totals, settling on the year's rate by its last report). An
:class:`Office` sends its statistics as one source, for the city or for one region.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Literal

from services.demo.simulate.base import CST, START, Feed, gauss, interpolate, month_ends, reading

__all__ = ["FLAT", "Every", "Flow", "Growth", "Level", "Office", "publish", "year_ends"]

Every = Literal["month", "quarter", "year", "list"]
FLAT = (1.0,) * 12
_MONTHS: dict[Every, int] = {"month": 1, "quarter": 3, "year": 12}
_LAG: dict[Every, timedelta] = {
    "month": timedelta(days=15),
    "quarter": timedelta(days=20),
    "year": timedelta(days=75),
    "list": timedelta(days=15),
}


@dataclass(frozen=True, slots=True)
class Flow:
    """An amount per period (in ``unit``): each year's total, shared by month as
    ``season`` weighs them, reported every month, quarter or year, with relative noise."""

    indicator: str
    unit: str
    totals: Mapping[int, float]
    every: Every = "year"
    season: tuple[float, ...] = FLAT
    noise: float = 0.0


@dataclass(frozen=True, slots=True)
class Level:
    """A level at each report (in ``unit``): linear between dated anchors (or in steps),
    plus ``wobble`` by month (a share's seasons) and noise (absolute); counts are whole.

    ``of_year``: a share reported within the year is the year's own figure (its anchor at
    the year's end) as measured so far; ``settles``: a year-to-date figure, whose noise
    shrinks as the months add up (December's is the year's).
    """

    indicator: str
    unit: str
    points: Sequence[tuple[date, float]]
    every: Every = "year"
    noise: float = 0.0
    whole: bool = False
    step: bool = False
    wobble: tuple[float, ...] | None = None
    of_year: bool = False
    settles: bool = False


@dataclass(frozen=True, slots=True)
class Growth:
    """Growth (%) of a flow over the same months of the year before, from its yearly
    ``totals`` (the year before the first reported included): early reports of a year
    stray by ``noise`` percentage points, the last one is the year's rate."""

    indicator: str
    totals: Mapping[int, float]
    every: Every = "quarter"
    noise: float = 0.0


Stat = Flow | Level | Growth


@dataclass(frozen=True, slots=True)
class Office:
    """A provider's office: its statistics, sent as one source for the city or a region;
    ``since`` is the first period it sends (a feed connected late)."""

    provider: str
    source: str
    stats: tuple[Stat, ...]
    region: str | None = None
    since: date | None = None


def year_ends(values: Mapping[int, float]) -> list[tuple[date, float]]:
    """Anchors at the end of each year: ``{2022: 380, 2023: 410}``."""
    return [(date(y, 12, 31), v) for y, v in sorted(values.items())]


def publish(office: Office, start: datetime, end: datetime) -> Iterator[Feed]:
    """Every report of ``office`` published within [start, end)."""
    for stat in office.stats:
        lag = _LAG[stat.every]
        for t in _instants(stat, start - lag, end - lag):
            if not _reported(stat, office, t):
                continue
            value = _value(stat, office.source, t)
            r = reading(stat.indicator, office.source, t, value, _unit(stat), region=office.region)
            yield Feed(office.provider, r, t + lag)


def _instants(stat: Stat, start: datetime, end: datetime) -> Iterator[datetime]:
    """The instants ``stat`` reports within [start, end): its periods' ends, or (``list``)
    the dates of its anchors — a count published as each new list names more."""
    if stat.every != "list":
        yield from month_ends(start, end, _MONTHS[stat.every])
        return
    assert isinstance(stat, Level)
    for day, _value in stat.points:
        t = datetime.combine(day, time(23), CST)
        if start <= t < end:
            yield t


def _reported(stat: Stat, office: Office, t: datetime) -> bool:
    """Flows and rates from 2023; levels from their first anchor (end-2022 for most: the
    baselines); nothing before the office's ``since``."""
    if office.since is not None and t.date() < office.since:
        return False
    if isinstance(stat, Level):
        return t.date() >= stat.points[0][0]
    return t >= START


def _unit(stat: Stat) -> str:
    return "%" if isinstance(stat, Growth) else stat.unit


def _value(stat: Stat, source: str, t: datetime) -> float:
    z = gauss(stat.indicator, source, t.date())
    if isinstance(stat, Flow):
        months = range(t.month - _MONTHS[stat.every] + 1, t.month + 1)
        share = sum(stat.season[m - 1] for m in months) / sum(stat.season)
        return stat.totals[t.year] * share * (1.0 + stat.noise * z)
    if isinstance(stat, Growth):
        rate = 100.0 * (stat.totals[t.year] / stat.totals[t.year - 1] - 1.0)
        return rate + stat.noise * (12 - t.month) / 12 * z
    day = date(t.year, 12, 31) if stat.of_year else t.date()
    level = interpolate(stat.points, day, step=stat.step)
    if stat.wobble is not None:
        level += stat.wobble[t.month - 1]
    level += stat.noise * z * ((13 - t.month) / 12 if stat.settles else 1.0)
    return float(round(level)) if stat.whole else level

"""Plans and targets as frozen values; every quantity is in its indicator's canonical unit.

A target is judged in the city's local time (China Standard Time, UTC+8, no daylight
saving): a deadline date means the end of that day in Qingdao, and "the year" of a
yearly flow or annual mean is the local calendar year.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Literal

from services.indicators.city import CITY_TZ

__all__ = [
    "CITY_TZ",
    "KINDS",
    "Baseline",
    "Comparator",
    "Kind",
    "PathShape",
    "Plan",
    "ReportedMet",
    "Shape",
    "Target",
    "Trajectory",
    "end_of_day",
    "year_bounds",
]


Kind = Literal["level-mean", "ratio", "flow", "stock", "capacity", "growth"]
KINDS: tuple[Kind, ...] = ("level-mean", "ratio", "flow", "stock", "capacity", "growth")
Comparator = Literal[">=", "<="]
Shape = Literal["linear", "compound", "seasonal"]
PathShape = Literal["linear", "compound"]


@lru_cache(maxsize=4096)
def end_of_day(day: date) -> datetime:
    """The instant a deadline or baseline date ends: local midnight after ``day``."""
    return datetime.combine(day + timedelta(days=1), time(), tzinfo=CITY_TZ)


def year_bounds(year: int) -> tuple[datetime, datetime]:
    """Start and end (exclusive) of a local calendar year."""
    return (
        datetime(year, 1, 1, tzinfo=CITY_TZ),
        datetime(year + 1, 1, 1, tzinfo=CITY_TZ),
    )


@dataclass(frozen=True, slots=True)
class Baseline:
    """Where the trajectory starts. ``value is None`` until taken from the data."""

    value: float | None = None
    date: date | None = None
    from_data: bool = False

    @property
    def resolved(self) -> bool:
        return self.value is not None and self.date is not None

    @property
    def at(self) -> datetime | None:
        return end_of_day(self.date) if self.date is not None else None


@dataclass(frozen=True, slots=True)
class Trajectory:
    """The shape from baseline to target.

    ``path`` is the year-to-year curve (linear or compound growth). ``monthly_profile``
    (seasonal only) holds 12 weights summing to 1: for a flow, the share of the yearly
    total falling in each month; for a level-mean or ratio, each month's relative level.
    """

    shape: Shape = "linear"
    path: PathShape = "linear"
    monthly_profile: tuple[float, ...] | None = None


@dataclass(frozen=True, slots=True)
class ReportedMet:
    """A plan document reporting the target as already reached."""

    date: date
    value: float | None
    source_clause: str = ""


@dataclass(frozen=True, slots=True)
class Target:
    """One quantitative target: indicator, comparator, value, deadline, and how to get there."""

    id: str
    plan_id: str
    indicator: str
    comparator: Comparator
    value: float
    unit: str
    deadline: date
    kind: Kind
    baseline: Baseline = field(default_factory=Baseline)
    trajectory: Trajectory = field(default_factory=Trajectory)
    region: str | None = None
    source: str = ""
    source_clause: str = ""
    source_text: str = ""
    stated: str = ""
    stated_value: float | None = None  # the value as the plan writes it, before conversion
    reported_met: ReportedMet | None = None
    note: str = ""
    plan_start: date | None = None  # the date of the plan that sets it
    # growth only: the base year of a compound average yearly growth up to the deadline's
    # year ("年均增长"); None judges each year's growth on its own ("each year")
    growth_average_from: int | None = None

    @property
    def scope(self) -> str:
        return self.region if self.region is not None else "city"

    @property
    def deadline_at(self) -> datetime:
        return end_of_day(self.deadline)

    @property
    def higher_is_better(self) -> bool:
        return self.comparator == ">="

    def satisfied_by(self, value: float) -> bool:
        """Whether ``value`` meets the target."""
        return value >= self.value if self.comparator == ">=" else value <= self.value


@dataclass(frozen=True, slots=True)
class Plan:
    """One plan document and the targets it sets."""

    id: str
    title: str
    title_zh: str
    issuer: str
    date: date
    source: str
    file: Path
    targets: tuple[Target, ...]
    other_sources: tuple[str, ...] = ()
    url: str = ""

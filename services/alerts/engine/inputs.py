"""What one evaluation looks at: targets with their data, series with their freshness.

The data layer (services.alerts.snapshot.load) builds a :class:`Snapshot` from TimescaleDB; the
pure core (services.alerts.engine.evaluate) judges it. Every datetime is tz-aware.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import MappingProxyType

from services.indicators.plans import Target
from services.indicators.target_data import Point, TargetData

__all__ = [
    "Bucket",
    "SeriesInput",
    "Snapshot",
    "TargetInput",
    "series_labels",
    "target_labels",
]


@dataclass(frozen=True, slots=True)
class Bucket:
    """One calendar rollup row: the bucket's local start and its aggregates."""

    at: datetime
    count: int
    sum: float
    min: float
    max: float
    mean: float
    last: float
    last_ts: datetime

    def aggregate(self, name: str) -> float:
        """The aggregate a rule names: mean, min, max, sum or last."""
        value: float = getattr(self, name)
        return value


def _no_sources() -> Mapping[str, Sequence[Bucket]]:
    return MappingProxyType({})


@dataclass(frozen=True, slots=True)
class TargetInput:
    """One target with its city-wide (or regional) data and what it takes to explain it.

    ``hourly``: recent hourly values (mean for levels, sum for flows) for short burn-rate
    windows. ``sources``: per-source daily buckets of the sources that make up the value
    (stations, terminals, operators, districts), for the top contributors. ``cadence``:
    how often the indicator's series report; ``last_seen`` is in ``data``.
    ``watched_since``: the later of the plan's start and the target's first evaluation
    (a feed never connected is reported some reporting intervals after it).
    """

    target: Target
    family: str
    data: TargetData
    cadence: timedelta | None = None
    combine: str = "single"
    hourly: Sequence[Point] = ()
    sources: Mapping[str, Sequence[Bucket]] = field(default_factory=_no_sources)
    watched_since: datetime | None = None


def _no_buckets() -> Mapping[str, Bucket]:
    return MappingProxyType({})


def series_key(indicator: str, source: str) -> str:
    """How a series is named: its alerts' subject, and what engine shards hash."""
    return f"{indicator}/{source}"


@dataclass(frozen=True, slots=True)
class SeriesInput:
    """One series (indicator and source): when it last reported and its newest buckets.

    ``latest`` maps a rollup width (``hour``, ``day``...) to the newest bucket of it, for
    threshold rules. ``scope`` is the region the series reports for, or ``city``.
    """

    indicator: str
    source: str
    family: str
    unit: str
    scope: str = "city"
    last_seen: datetime | None = None
    cadence: timedelta | None = None
    latest: Mapping[str, Bucket] = field(default_factory=_no_buckets)

    @property
    def key(self) -> str:
        return series_key(self.indicator, self.source)


@dataclass(frozen=True, slots=True)
class Snapshot:
    """Everything one evaluation judges, at ``now``.

    ``complete`` is true when the snapshot holds every target and series (a clock tick):
    open alerts whose target or series is no longer there are then retired.
    """

    now: datetime
    targets: Sequence[TargetInput] = ()
    series: Sequence[SeriesInput] = ()
    complete: bool = True

    def __post_init__(self) -> None:
        if self.now.utcoffset() is None:
            raise ValueError(f"naive datetime {self.now.isoformat()}: give it a timezone")


def target_labels(target: Target, family: str) -> dict[str, str]:
    """The labels target rules select on: target, plan, indicator, family, kind, scope."""
    return {
        "target": target.id,
        "plan": target.plan_id,
        "indicator": target.indicator,
        "family": family,
        "kind": target.kind,
        "scope": target.scope,
    }


def series_labels(inp: SeriesInput) -> dict[str, str]:
    """The labels series rules select on: series, indicator, family, scope, station."""
    return {
        "series": inp.key,
        "indicator": inp.indicator,
        "family": inp.family,
        "scope": inp.scope,
        "station": inp.source,
    }

"""The judgement of one target at ``now`` from city-wide data.

A baseline the plan leaves to the data (``from_data: true``) is taken from ``data``
first (services.indicators.baseline).

Status, in order:

- ``no_data``: nothing to measure (a target the plan reports as met is still ``met``);
- ``insufficient_data``: after the deadline, the deadline year's data does not meet its
  coverage (services.indicators.coverage: GB 3095 validity for air, every month of a
  flow) or a stock's final value is stale, and the outcome is not already decided;
- ``met`` / ``missed``: after the deadline, by the final value. Before it, ``met`` when
  the plan reports the target reached, when a stock or capacity is at it now, or when
  the deadline year's flow already adds up to it; ``missed`` when the deadline year's
  flow already exceeds a ceiling (no later value can mend it);
- ``off_track``: probability of meeting it below ``off_track_probability`` or shortfall
  against the trajectory above ``off_track_shortfall_pct``;
- ``at_risk``: the same with the ``at_risk_*`` thresholds (a low probability alone only
  while the projection itself misses the target);
- ``on_track`` otherwise.

A target already met is never ``off_track``: a target the plan reports as reached is
``met``, or ``at_risk`` while the data shows it below the line before the deadline.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from services.indicators.baseline import resolve_baseline
from services.indicators.coverage import YearCoverage, final_is_recent, year_coverage
from services.indicators.forecast.pace import pace
from services.indicators.forecast.projection import Projection, probability_met, project
from services.indicators.measure import Measure, measure, period_end, period_year
from services.indicators.plans import Target
from services.indicators.target_data import TargetData, spread_reports

__all__ = [
    "STATUSES",
    "Assessment",
    "Status",
    "TargetData",
    "Thresholds",
    "actual",
    "assess",
    "assess_resolved",
    "measured",
]

Status = Literal[
    "on_track", "at_risk", "off_track", "met", "missed", "no_data", "insufficient_data"
]
STATUSES: tuple[Status, ...] = (
    "on_track",
    "at_risk",
    "off_track",
    "met",
    "missed",
    "no_data",
    "insufficient_data",
)


@dataclass(frozen=True, slots=True)
class Thresholds:
    """When a target counts as at risk or off track."""

    at_risk_probability: float = 0.8
    off_track_probability: float = 0.5
    at_risk_shortfall_pct: float = 2.0
    off_track_shortfall_pct: float = 5.0
    min_points: int = 3  # fewer points in the trend → no probability
    min_months: int = 6  # yearly kinds: fewer months of history → no probability
    tolerance_pct: float = 1.0  # a projection this close to the target counts as meeting it


DEFAULT_THRESHOLDS = Thresholds()


@dataclass(frozen=True, slots=True)
class Assessment:
    """Where a target stands: actual vs expected, where it is heading, what it takes."""

    target_id: str
    status: Status
    actual: float | None = None
    expected: float | None = None
    gap: float | None = None
    gap_pct: float | None = None
    behind: bool = False
    shortfall: float = 0.0
    shortfall_pct: float = 0.0
    progress_shortfall_pct: float | None = None  # of the progress planned so far (stocks...)
    projection: Projection | None = None
    probability_met: float | None = None
    pace_needed: float | None = None
    pace_recent: float | None = None
    pace_text: str = ""
    days_left: int = 0
    basis: str = ""
    as_of: datetime | None = None
    validity: str = ""  # whether the data is enough to judge (services.indicators.coverage)


def measured(target: Target, data: TargetData, now: datetime) -> Measure | None:
    """What ``assess`` measures at ``now``: the actual, against what, on how many values
    (a flow's quarterly or yearly reports spread over their months first)."""
    _require_aware(now)
    if target.kind == "flow":
        data = spread_reports(data)
    return measure(resolve_baseline(target, data), data, now)


def actual(target: Target, data: TargetData, now: datetime) -> float | None:
    """The actual value by kind at ``now`` (see services.indicators.measure)."""
    m = measured(target, data, now)
    return m.actual if m is not None else None


def assess(
    target: Target,
    data: TargetData,
    now: datetime,
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
) -> Assessment:
    """Judge ``target`` at ``now`` (tz-aware) from ``data``."""
    _require_aware(now)
    return assess_resolved(resolve_baseline(target, data), data, now, thresholds)


def assess_resolved(
    target: Target,
    data: TargetData,
    now: datetime,
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
) -> Assessment:
    """``assess`` of a target whose baseline ``resolve_baseline`` has already taken from
    ``data`` (as far as the data allows): the engine resolves it once per evaluation."""
    _require_aware(now)
    if target.kind == "flow":
        data = spread_reports(data)  # a quarter's or year's report over its months
    days_left = max(0, (target.deadline_at - now).days)
    m = measure(target, data, now)
    if m is None:
        status: Status = "met" if target.reported_met is not None else "no_data"
        basis = "no data" if data.empty else f"no data in {period_year(target, now)}"
        return Assessment(target.id, status, days_left=days_left, basis=basis, as_of=data.last_seen)
    covered = _coverage(target, data, now, m)
    gap, shortfall, shortfall_pct = _shortfall(target, m)
    progress_pct = None if _yearly(target, data) else _progress_shortfall(target, m, shortfall)
    projection = project(target, data, now, m)
    probability = None
    if projection is not None:
        # A yearly total or mean projected from a few months (one winter, say) is
        # mostly a guess about the season: no probability until half a year is seen.
        needed = thresholds.min_months if _yearly(target, data) else thresholds.min_points
        probability = probability_met(target, projection, needed, thresholds.tolerance_pct)
    heading = projection is not None and target.satisfied_by(projection.value)
    status = _status(target, data, now, m, shortfall_pct, probability, thresholds, covered, heading)
    step = pace(target, data, now, m)
    return Assessment(
        target_id=target.id,
        status=status,
        actual=m.actual,
        expected=m.expected,
        gap=gap,
        gap_pct=100.0 * gap / abs(m.expected) if m.expected else None,
        behind=shortfall > 0.0,
        shortfall=shortfall,
        shortfall_pct=shortfall_pct,
        progress_shortfall_pct=progress_pct,
        projection=projection,
        probability_met=1.0 if status == "met" else probability,
        pace_needed=step.needed,
        pace_recent=step.recent,
        pace_text=step.text,
        days_left=days_left,
        basis=m.basis,
        as_of=m.as_of,
        validity=_validity(covered, m),
    )


def _shortfall(target: Target, m: Measure) -> tuple[float, float, float]:
    """Signed gap (actual - expected), how far behind (>= 0), and that in % of expected."""
    gap = m.actual - m.expected
    shortfall = max(0.0, -gap if target.higher_is_better else gap)
    base = abs(m.expected) or abs(target.value)
    pct = 100.0 * shortfall / base if base else (100.0 if shortfall else 0.0)
    return gap, shortfall, pct


def _progress_shortfall(target: Target, m: Measure, shortfall: float) -> float | None:
    """How far behind, in % of the progress the plan expects from its baseline by now (at
    least a quarter of its whole way): "half the time gone, half the work done" (时间过半、
    任务过半). For stocks, capacities and reported shares, whose level is mostly the
    baseline: 0.4 points behind on village coverage at 97 % is 8 % of the way planned so
    far, not 0.4 % of 97. None for yearly totals and means, judged on the year itself."""
    start = target.baseline.value
    if target.kind not in ("stock", "capacity", "ratio") or start is None or m.rolling:
        return None
    way = abs(target.value - start)
    if way <= 0 or target.satisfied_by(start):
        return None
    return 100.0 * shortfall / max(abs(m.expected - start), 0.25 * way)


def _require_aware(now: datetime) -> None:
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError(f"now={now.isoformat()} has no time zone; pass an aware datetime")


def _coverage(target: Target, data: TargetData, now: datetime, m: Measure) -> YearCoverage | None:
    """How the judged year's data stands against its coverage, for the yearly kinds."""
    if data.coverage is None or not _yearly(target, data):
        return None
    return year_coverage(data.coverage, data, m.year, period_end(target, now))


def _status(
    target: Target,
    data: TargetData,
    now: datetime,
    m: Measure,
    shortfall_pct: float,
    probability: float | None,
    th: Thresholds,
    covered: YearCoverage | None,
    heading: bool = False,
) -> Status:
    if target.reported_met is not None:
        reached = now >= target.deadline_at or target.satisfied_by(m.actual)
        return "met" if reached else "at_risk"
    decided = _decided(target, m)
    if decided is not None:
        return decided
    if now >= target.deadline_at:
        if covered is not None and not covered.complete:
            return "insufficient_data"
        if not _yearly(target, data) and not final_is_recent(
            m.as_of, target.deadline_at, data.cadence
        ):
            return "insufficient_data"
        return "met" if target.satisfied_by(m.actual) else "missed"
    if _met_early(target, data, m):
        return "met"
    low = probability is not None and probability < th.off_track_probability
    if low or shortfall_pct > th.off_track_shortfall_pct:
        return "off_track"
    # uncertain odds alone make no risk while the projection itself meets the target: an
    # exactly-on-plan year in February is a coin flip only because February is early
    risky = probability is not None and probability < th.at_risk_probability and not heading
    if risky or shortfall_pct > th.at_risk_shortfall_pct:
        return "at_risk"
    return "on_track"


def _yearly(target: Target, data: TargetData) -> bool:
    """Judged on a year's total or mean: flows, level-means, ratios counted in days."""
    return target.kind in ("flow", "level-mean") or (target.kind == "ratio" and data.daily_flags)


def _validity(covered: YearCoverage | None, m: Measure) -> str:
    parts = [covered.text] if covered is not None else []
    if m.unreported:
        parts.append(f"{', '.join(m.unreported)} not reported")
    return "; ".join(parts)


def _decided(target: Target, m: Measure) -> Status | None:
    """An outcome no later value can change: the deadline year's flow already past a floor
    (met) or a ceiling (missed), whatever the rest of the year brings or lacks."""
    if target.kind != "flow" or m.year != target.deadline.year:
        return None
    if target.comparator == ">=" and m.actual >= target.value:
        return "met"
    if target.comparator == "<=" and m.actual > target.value:
        return "missed"
    return None


def _met_early(target: Target, data: TargetData, m: Measure) -> bool:
    """A stock or capacity at its target now, before the deadline. One that reached it and
    fell back is judged on where it is: the fall shows, it is not hidden as met."""
    return target.kind in ("stock", "capacity") and target.satisfied_by(m.actual)

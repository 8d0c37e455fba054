"""From a rule and one target or series to the :class:`Signal` the lifecycle steps on.

Target rules (off_trajectory, projected_miss, burn_rate) read the target's assessment;
series rules (stale_feed, threshold) read the series' freshness and newest buckets.

A target past its deadline, or already met, is closed: its alerts recover at once
(``recover_for`` does not apply), so a met target is never shown as an alert and a
missed one is reported by its status, not paged about forever.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from functools import lru_cache

from services.alerts.engine.burn import burn_input
from services.alerts.engine.conditions import (
    MET,
    NoDataInput,
    OffTrajectoryInput,
    ProjectedMissInput,
    Signal,
    StaleFeedInput,
    ThresholdInput,
    check_burn_rate,
    check_no_data,
    check_off_trajectory,
    check_projected_miss,
    check_stale_feed,
    check_threshold,
)
from services.alerts.engine.inputs import SeriesInput, TargetInput
from services.alerts.rules import (
    BurnRateRule,
    NoDataRule,
    OffTrajectoryRule,
    ProjectedMissRule,
    Rule,
    StaleFeedRule,
    ThresholdRule,
)
from services.indicators.assess import Assessment
from services.indicators.baseline import resolve_baseline
from services.indicators.forecast.pace import fmt
from services.indicators.plans import CITY_TZ, Target, year_bounds
from services.indicators.units import UnitError, converter

__all__ = [
    "BUCKET_WIDTHS",
    "CLOSED",
    "SERIES_KINDS",
    "TARGET_KINDS",
    "bucket_width",
    "closed",
    "series_signal",
    "target_signal",
]

TARGET_KINDS = frozenset({"off_trajectory", "projected_miss", "burn_rate", "no_data"})
SERIES_KINDS = frozenset({"stale_feed", "threshold"})
BUCKET_WIDTHS: dict[timedelta, str] = {timedelta(hours=1): "hour", timedelta(days=1): "day"}
# statuses of targets whose alerts recover at once: decided, or past the deadline
CLOSED = frozenset({"met", "missed", "insufficient_data"})


def bucket_width(rule: ThresholdRule) -> str | None:
    """The rollup width a threshold rule reads (``hour``, ``day``); None if there is none."""
    return BUCKET_WIDTHS.get(rule.bucket)


def target_signal(
    rule: Rule, inp: TargetInput, a: Assessment, now: datetime
) -> tuple[Signal, Rule]:
    """The signal of a target rule (without labels), and the rule to step it with."""
    if isinstance(rule, NoDataRule):
        watched = NoDataInput(
            not inp.data.empty or inp.data.last_seen is not None,
            inp.watched_since,
            inp.cadence,
            now,
        )
        return check_no_data(rule, watched), rule
    left = inp.target.deadline_at - now
    if closed(a, inp.target, now):
        return _closed(rule, inp, a), rule.without_recovery_delay
    if isinstance(rule, OffTrajectoryRule | ProjectedMissRule | BurnRateRule) and rule.waits(left):
        assert rule.deadline_within is not None
        days = rule.deadline_within.days
        reason = f"the deadline is more than {days} days away: left to the ticket rules"
        return Signal(False, False, None, reason), rule
    status = a.status
    if isinstance(rule, OffTrajectoryRule):
        known = (
            a.actual is not None
            and a.expected is not None
            and _has_trajectory(inp)
            and _enough_of_the_year(inp, a)
        )
        progress = a.progress_shortfall_pct
        shortfall = (progress if progress is not None else a.shortfall_pct) if known else None
        judged = OffTrajectoryInput(shortfall, status, of_progress=progress is not None)
        return check_off_trajectory(rule, judged), rule
    if isinstance(rule, ProjectedMissRule):
        return check_projected_miss(rule, ProjectedMissInput(a.probability_met, status)), rule
    if isinstance(rule, BurnRateRule):
        return check_burn_rate(rule, burn_input(rule, inp, a, now)), rule
    raise TypeError(f"rule {rule.id!r} ({rule.kind}) applies to series, not targets")


_MONTH_OF_DATA = timedelta(days=28)


def _enough_of_the_year(inp: TargetInput, a: Assessment) -> bool:
    """A yearly flow is judged against its trajectory once its data covers a month of the
    year: a fortnight of January (provisional figures, a slow first week) is not a trend."""
    if inp.target.kind != "flow" or a.as_of is None:
        return True
    start = year_bounds(a.as_of.astimezone(CITY_TZ).year)[0]
    return a.as_of - start >= _MONTH_OF_DATA


def _has_trajectory(inp: TargetInput) -> bool:
    """A baseline left to the data (say, the first complete year of a flow) that the data
    does not give yet leaves no trajectory to be off: the projection still judges it."""
    t = inp.target
    return not t.baseline.from_data or resolve_baseline(t, inp.data).baseline.resolved


def closed(a: Assessment, target: Target, now: datetime) -> bool:
    """Whether a target's alerts recover at once: met, or past its deadline. A miss decided
    before the deadline (a ceiling already broken) stays an alert until then: people must
    hear of it."""
    if a.status not in CLOSED:
        return False
    return not (a.status == "missed" and now < target.deadline_at)


def _closed(rule: Rule, inp: TargetInput, a: Assessment) -> Signal:
    value = a.shortfall_pct if isinstance(rule, OffTrajectoryRule) else a.probability_met
    if a.status == MET:
        return Signal(False, True, value, "target met")
    t = inp.target
    if a.status == "insufficient_data":
        reason = (
            f"deadline {t.deadline} passed without enough valid data to judge ({a.basis}); "
            "see the target's status"
        )
        return Signal(False, True, value, reason)
    final = fmt(a.actual) if a.actual is not None else "no data"
    when = f"deadline {t.deadline} passed" if a.days_left <= 0 else "decided before the deadline"
    reason = (
        f"{when}: target missed ({final} against {t.comparator} "
        f"{fmt(t.value)} {t.unit}); see the target's status"
    )
    return Signal(False, True, value, reason)


def series_signal(rule: Rule, si: SeriesInput, now: datetime) -> Signal:
    """The signal of a series rule (without labels)."""
    if isinstance(rule, StaleFeedRule):
        return check_stale_feed(rule, StaleFeedInput(si.last_seen, si.cadence, now))
    if isinstance(rule, ThresholdRule):
        try:
            value = _bucket_value(rule, si, now)
        except UnitError as exc:
            return Signal(False, False, None, f"cannot compare: {exc}")
        return check_threshold(rule, ThresholdInput(value))
    raise TypeError(f"rule {rule.id!r} ({rule.kind}) applies to targets, not series")


def _bucket_value(rule: ThresholdRule, si: SeriesInput, now: datetime) -> float | None:
    """The rule's aggregate of the series' newest bucket, if that bucket is current."""
    width = bucket_width(rule)
    bucket = si.latest.get(width) if width is not None else None
    if bucket is None or bucket.at < now - 2 * rule.bucket:
        return None
    value = bucket.aggregate(rule.aggregate)
    if rule.unit is None:
        return value
    return _convert(si.unit, rule.unit)(value)


@lru_cache(maxsize=256)
def _convert(unit: str, to: str) -> Callable[[float], float]:
    return converter(unit, to)

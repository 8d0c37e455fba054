"""Rule conditions: from a rule and already-computed numbers to a :class:`Signal`.

Each rule kind has a small input type carrying the numbers the evaluator computed
(shortfall, probability, paces, last reading, bucket value) and a pure function that
says whether they breach the rule, have recovered, or sit in the hysteresis band in
between (neither). Unknown numbers (``None``) always land in the band: missing data
neither fires nor resolves an alert; ``stale_feed`` is the rule that watches for it.

A target whose ``status`` is ``"met"`` never breaches and always counts as recovered.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from types import MappingProxyType
from typing import TypeAlias

from services.alerts.rules import (
    BurnRateRule,
    NoDataRule,
    OffTrajectoryRule,
    ProjectedMissRule,
    Rule,
    StaleFeedRule,
    ThresholdRule,
    format_duration,
)

__all__ = [
    "MET",
    "BurnRateInput",
    "NoDataInput",
    "ConditionInput",
    "OffTrajectoryInput",
    "ProjectedMissInput",
    "Signal",
    "StaleFeedInput",
    "ThresholdInput",
    "burn_rate",
    "check_burn_rate",
    "check_no_data",
    "check_off_trajectory",
    "check_projected_miss",
    "check_stale_feed",
    "check_threshold",
    "evaluate",
]

MET = "met"


_NO_LABELS: Mapping[str, str] = MappingProxyType({})


def _no_labels() -> Mapping[str, str]:
    return _NO_LABELS


@dataclass(frozen=True, slots=True)
class Signal:
    """One evaluation of one rule for one target or series.

    ``firing_condition`` is a breach; ``recovered_condition`` means back past the recovery
    level; both false is the hysteresis band, where an alert keeps its state. ``labels``
    name the target or series the signal is about.
    """

    firing_condition: bool
    recovered_condition: bool
    value: float | None
    reason: str
    labels: Mapping[str, str] = field(default_factory=_no_labels, hash=False)

    def __post_init__(self) -> None:
        if self.firing_condition and self.recovered_condition:
            raise ValueError("a signal cannot both breach and have recovered")


def _breach(value: float | None, reason: str) -> Signal:
    return Signal(True, False, value, reason)


def _recovered(value: float | None, reason: str) -> Signal:
    return Signal(False, True, value, reason)


def _band(value: float | None, reason: str) -> Signal:
    return Signal(False, False, value, reason)


@dataclass(frozen=True)
class OffTrajectoryInput:
    """Shortfall of the actual versus the trajectory at now, in percent of the expected
    value (or, with ``of_progress``, of the progress planned so far); positive means
    behind. ``status`` is the target's status (``met`` never fires)."""

    shortfall_pct: float | None
    status: str = ""
    of_progress: bool = False


def check_off_trajectory(rule: OffTrajectoryRule, data: OffTrajectoryInput) -> Signal:
    """Breach above ``tolerance_pct``; recovered below ``recover_pct``."""
    shortfall = data.shortfall_pct
    if data.status == MET:
        return _recovered(shortfall, "target met")
    if shortfall is None:
        return _band(None, "no shortfall yet (no data or no trajectory)")
    if shortfall > rule.tolerance_pct:
        of = " of the progress planned so far" if data.of_progress else ""
        return _breach(
            shortfall,
            f"behind trajectory by {shortfall:.1f} %{of} (tolerance {rule.tolerance_pct:g} %)",
        )
    if shortfall < rule.recover_pct:
        return _recovered(shortfall, f"shortfall {shortfall:.1f} % is under {rule.recover_pct:g} %")
    return _band(
        shortfall,
        f"shortfall {shortfall:.1f} % is between recovery {rule.recover_pct:g} % "
        f"and tolerance {rule.tolerance_pct:g} %",
    )


@dataclass(frozen=True)
class ProjectedMissInput:
    """Probability (0..1) that the projection to the deadline meets the target."""

    probability: float | None
    status: str = ""


def check_projected_miss(rule: ProjectedMissRule, data: ProjectedMissInput) -> Signal:
    """Breach under ``below``; recovered above ``recover_above``."""
    p = data.probability
    if data.status == MET:
        return _recovered(p, "target met")
    if p is None:
        return _band(None, "no projection yet")
    below, above = rule.below, rule.recover_above
    if p < below:
        return _breach(p, f"probability of meeting the target {_share(p, below)} < {below:.0%}")
    if p > above:
        return _recovered(p, f"probability of meeting the target {_share(p, above)}")
    return _band(p, f"probability {_share(p, below, above)} is between {below:.0%} and {above:.0%}")


def _share(p: float, *limits: float) -> str:
    """``p`` in whole percent, or to a tenth where whole percent would read as a limit
    (19.6 % under a 20 % limit is not "20% < 20%")."""
    whole = f"{p:.0%}"
    return f"{p:.1%}" if any(whole == f"{x:.0%}" for x in limits) else whole


@dataclass(frozen=True)
class BurnRateInput:
    """Paces as progress toward the target per unit of time (positive = toward it).

    ``needed_pace`` is what it takes from now on to still meet the target at its deadline;
    ``short_pace`` and ``long_pace`` are the paces seen over the rule's two windows. For a
    ceiling (PM2.5 ≤ 30) progress is headroom used up slower than allowed, so the
    evaluator states both paces in that sense; the rule only compares them.
    """

    needed_pace: float | None
    short_pace: float | None
    long_pace: float | None
    status: str = ""
    # a level (stock, capacity) already where its path will be a long window from now: a
    # stall as long as that window leaves it on its path (counts that move in steps)
    ahead_by_window: bool = False


def _rate(value: float) -> str:
    """A burn rate as people read it: ∞ when all progress stopped (or a ceiling is used up)."""
    return "∞" if math.isinf(value) else f"{value:.2f}"


def burn_rate(needed_pace: float, recent_pace: float) -> float:
    """How many times faster than the recent pace the target now needs to move.

    ``needed_pace / recent_pace``: 1 means on pace, 2 means progress at half the pace
    needed (the margin left is being used up twice as fast as it can afford). Nothing
    left to do (``needed_pace <= 0``) is 0; no progress while some is needed is infinite.
    """
    if needed_pace <= 0:
        return 0.0
    if recent_pace <= 0:
        return math.inf
    return needed_pace / recent_pace


def check_burn_rate(rule: BurnRateRule, data: BurnRateInput) -> Signal:
    """Breach when the burn rate is at least ``factor`` in both windows; recovered when
    the short window's is under ``recover_factor``. The value is the smaller of the two."""
    if data.status == MET:
        return _recovered(0.0, "target met")
    if data.ahead_by_window:
        window = format_duration(rule.long)
        return _recovered(
            0.0,
            f"already where its path will be in {window}: a stall that long leaves it on its path",
        )
    if data.needed_pace is None or data.short_pace is None or data.long_pace is None:
        return _band(None, "pace unknown in one of the windows")
    short = burn_rate(data.needed_pace, data.short_pace)
    long = burn_rate(data.needed_pace, data.long_pace)
    windows = f"{format_duration(rule.short)} / {format_duration(rule.long)}"
    seen = f"burn rate {_rate(short)} / {_rate(long)} over {windows}"
    if short >= rule.factor and long >= rule.factor:
        return _breach(min(short, long), f"{seen}, both at least {rule.factor:g}")
    if short < rule.recovery_factor:
        return _recovered(min(short, long), f"{seen}, short window under {rule.recovery_factor:g}")
    return _band(min(short, long), f"{seen}: only one window at {rule.factor:g} or more")


@dataclass(frozen=True)
class StaleFeedInput:
    """When a series last reported, how often it should, and now (all tz-aware).

    ``expected_since`` is when the series was registered, used while it has never reported.
    """

    last_seen: datetime | None
    cadence: timedelta | None
    now: datetime
    expected_since: datetime | None = None

    def __post_init__(self) -> None:
        for moment in (self.last_seen, self.now, self.expected_since):
            if moment is not None and moment.utcoffset() is None:
                raise ValueError(f"naive datetime {moment.isoformat()}: give it a timezone")


def check_stale_feed(rule: StaleFeedRule, data: StaleFeedInput) -> Signal:
    """Breach when silent longer than ``after`` or ``cadence × multiplier``; recovered
    otherwise. The value is the silence in seconds."""
    start = data.last_seen or data.expected_since
    limit = rule.after
    if limit is None and data.cadence is not None:
        limit = data.cadence * rule.multiplier
    if start is None:
        return _band(None, "never reported and no start time known")
    silence = data.now - start
    seconds = silence.total_seconds()
    if limit is None:
        return _band(seconds, "cadence unknown: set `after` on the rule")
    said = f"no data for {format_duration(silence)} (limit {format_duration(limit)})"
    if silence > limit:
        return _breach(seconds, said)
    return _recovered(seconds, f"last data {format_duration(silence)} ago")


@dataclass(frozen=True)
class NoDataInput:
    """Whether a target's indicator has any data at all, since when it is watched, and
    how often its feed should report."""

    has_data: bool
    watched_since: datetime | None
    cadence: timedelta | None
    now: datetime


def check_no_data(rule: NoDataRule, data: NoDataInput) -> Signal:
    """Breach when nothing at all has arrived ``intervals`` reporting intervals after the
    target began to be watched; recovered as soon as anything arrives."""
    if data.has_data:
        return _recovered(0.0, "data has arrived")
    if data.watched_since is None or data.cadence is None:
        return _band(None, "no data, and no reporting interval to wait for")
    wait = max(data.cadence * rule.intervals, rule.after)
    silent = data.now - data.watched_since
    said = (
        f"no data at all {format_duration(silent)} after it began to be watched "
        f"(feed expected every {format_duration(data.cadence)}): the feed was never connected"
    )
    if silent > wait:
        return _breach(silent.total_seconds(), said)
    return _band(silent.total_seconds(), f"no data yet; waiting {format_duration(wait)}")


@dataclass(frozen=True)
class ThresholdInput:
    """The bucket value the rule names (e.g. the hourly mean of a station), in its unit."""

    value: float | None


def check_threshold(rule: ThresholdRule, data: ThresholdInput) -> Signal:
    """``above``: breach over it, recovered under ``recover_below`` (default: ``above``).
    ``below``: breach under it, recovered over ``recover_above`` (default: ``below``)."""
    v = data.value
    if v is None:
        return _band(None, "no value in the bucket")
    unit = f" {rule.unit}" if rule.unit else ""
    if rule.above is not None:
        level = rule.recover_below if rule.recover_below is not None else rule.above
        return _against(v, rule.above, level, f"{v:g}{unit}", sign=1.0)
    assert rule.below is not None
    level = rule.recover_above if rule.recover_above is not None else rule.below
    return _against(v, rule.below, level, f"{v:g}{unit}", sign=-1.0)


def _against(value: float, fire: float, recover: float, shown: str, *, sign: float) -> Signal:
    over, under = (">", "<") if sign > 0 else ("<", ">")
    if sign * value > sign * fire:
        return _breach(value, f"{shown} {over} {fire:g}")
    if sign * value < sign * recover:
        return _recovered(value, f"{shown} {under} {recover:g}")
    return _band(value, f"{shown} is between {recover:g} and {fire:g}")


ConditionInput: TypeAlias = (
    OffTrajectoryInput | ProjectedMissInput | BurnRateInput | StaleFeedInput | ThresholdInput
)


def evaluate(rule: Rule, data: ConditionInput, labels: Mapping[str, str] | None = None) -> Signal:
    """The signal of ``rule`` for ``data``, about the target or series named by ``labels``."""
    signal = _dispatch(rule, data)
    return replace(signal, labels=MappingProxyType(dict(labels or {})))


def _dispatch(rule: Rule, data: ConditionInput) -> Signal:
    match rule, data:
        case OffTrajectoryRule(), OffTrajectoryInput():
            return check_off_trajectory(rule, data)
        case ProjectedMissRule(), ProjectedMissInput():
            return check_projected_miss(rule, data)
        case BurnRateRule(), BurnRateInput():
            return check_burn_rate(rule, data)
        case StaleFeedRule(), StaleFeedInput():
            return check_stale_feed(rule, data)
        case ThresholdRule(), ThresholdInput():
            return check_threshold(rule, data)
    raise TypeError(f"rule {rule.id!r} ({rule.kind}) takes no {type(data).__name__}")

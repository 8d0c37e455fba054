"""The paces a burn-rate rule compares: what is needed from now on, and what each window saw.

Recent pace over a window ``w`` ending at ``now``, by the target's kind, measured from
the reports themselves — from the last day (or month) with data back to the last one at
least ``w`` before it — so a series reported monthly neither jumps to zero nor to
infinity as a month-end report enters and leaves the window:

- stock, capacity, reported ratio: the change between those two reports, per month;
  unknown when nothing was read inside the window;
- flow: the total reported after the first of them, per month of the span; for a floor
  (``>=``) the burn rule sees it instead as a share of what the path expects of the same
  days or months, in the flow's seasons (the plan's monthly profile, else the data's own
  year before), against what is needed: the path itself before the deadline year, and in
  it what is left to do over what the path leaves for the rest of the year;
- level-mean, ratio counted in days: the window's mean level (× 100 for day flags), from
  the finest series that covers it (hourly, daily, then monthly);
- growth: none (a yearly rate has no pace within a year).

A window shorter than the indicator's cadence, or than the buckets it would read, has
no pace (a series reported monthly does not move within a week). For a ceiling (``<=``) progress is headroom used up
slower than allowed, so both paces are stated as "allowed ÷ used": the needed pace is 1
and a window that used twice the allowed rate has pace 0.5 — a burn rate of 2.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta

from services.alerts.engine.conditions import MET, BurnRateInput
from services.alerts.engine.inputs import TargetInput
from services.alerts.rules import BurnRateRule
from services.indicators.assess import Assessment
from services.indicators.measure import learned_weights
from services.indicators.plans import CITY_TZ, Target
from services.indicators.target_data import (
    MONTH_SECONDS,
    Point,
    TargetData,
    between,
    days_in_month,
    month_index,
    month_start,
)
from services.indicators.trajectory import expected_annual, milestone, month_weights

__all__ = ["burn_input", "window_pace"]

_HOUR = timedelta(hours=1)
_DAY = timedelta(days=1)
_INSTANT = timedelta(microseconds=1)
_MONTH = timedelta(seconds=MONTH_SECONDS)
_SHORTEST_MONTH = timedelta(days=28)
# A window sees a series' pace only if it spans (about) one reporting interval: P1M's
# longest month is 31 days, and a 30-day window must still count.
_MIN_WINDOW_CADENCES = 0.9


def burn_input(
    rule: BurnRateRule, inp: TargetInput, assessment: Assessment, now: datetime
) -> BurnRateInput:
    """The input of ``check_burn_rate`` for one target."""
    if assessment.status == MET:
        return BurnRateInput(None, None, None, status=MET)
    needed = assessment.pace_needed
    if needed is None or assessment.status == "no_data":
        return BurnRateInput(None, None, None)
    if _ahead_by(inp.target, assessment, now + rule.long):
        return BurnRateInput(needed, None, None, ahead_by_window=True)
    if inp.target.kind == "flow" and inp.target.higher_is_better:
        return _flow_against_path(rule, inp, assessment, now)
    short = window_pace(inp, rule.short, now)
    long = window_pace(inp, rule.long, now)
    if _compound(inp) and assessment.actual is not None and assessment.actual > 0:
        # a plan of constant growth: paces as growth rates (log change per month), so that
        # the first months of a doubling are not read as falling behind its average pace
        left = (inp.target.deadline_at - now) / _MONTH
        needed = math.log(inp.target.value / assessment.actual) / max(left, 1.0)
    if inp.target.higher_is_better:
        return BurnRateInput(needed, short, long)
    return BurnRateInput(1.0, _headroom(needed, short), _headroom(needed, long))


def _flow_against_path(
    rule: BurnRateRule, inp: TargetInput, assessment: Assessment, now: datetime
) -> BurnRateInput:
    """A flow's paces as shares of what its path expects of the same months, in its seasons
    (the plan's monthly profile, else the data's own year before): a seaside city's winter
    is not a stall. What is needed is the path itself before the deadline year — this year's
    flow does not count toward it — and in it, what is left to do over what the path left
    for the rest of the year (above 1 when behind)."""
    target = inp.target
    needed = 1.0
    if assessment.actual is not None and assessment.expected is not None:
        if now.astimezone(CITY_TZ).year == target.deadline.year:
            rest = target.value - assessment.expected
            if rest <= 0:
                return BurnRateInput(None, None, None)  # the path itself is done: nothing to pace
            needed = max(target.value - assessment.actual, 0.0) / rest
    return BurnRateInput(
        needed,
        _share_of_path(inp, rule.short, now),
        _share_of_path(inp, rule.long, now),
    )


def _share_of_path(inp: TargetInput, window: timedelta, now: datetime) -> float | None:
    """The flow reported over ``window`` as a share of what the path expects of the days or
    months those reports cover; None when the window sees no pace."""
    found = _window_reports(inp, window, now)
    if found is None:
        return None
    counted, resolution = found
    target, data = inp.target, inp.data
    per_month: dict[int, float] = {}  # what the path expects of a month, in its seasons
    expected = 0.0
    for end, _ in counted:
        m = month_index(end - _INSTANT)  # the month the report describes
        if m not in per_month:
            year = m // 12
            # the plan's profile, else the data's own year before when whole, else by days
            season = learned_weights(target, data, year) or month_weights(target, year)
            per_month[m] = expected_annual(target, year) * season[m % 12]
        expected += per_month[m] / (days_in_month(m) if resolution == _DAY else 1)
    if expected <= 0:
        return None
    return sum(v for _, v in counted) / expected


def _ahead_by(target: Target, assessment: Assessment, later: datetime) -> bool:
    """A stock or capacity already at (or past) where its path will be at ``later``."""
    if target.kind not in ("stock", "capacity") or assessment.actual is None:
        return False
    path = milestone(target, min(later, target.deadline_at))
    if target.higher_is_better:
        return assessment.actual >= path
    return assessment.actual <= path


def _compound(inp: TargetInput) -> bool:
    """A stock or capacity whose plan grows by a constant rate."""
    t = inp.target
    return t.trajectory.path == "compound" and t.kind in ("stock", "capacity") and t.value > 0


def _headroom(allowed: float, used: float | None) -> float | None:
    """Allowed ÷ used: above 1 is slower than allowed; nothing used is infinitely slow."""
    if used is None:
        return None
    if used <= 0.0:
        return math.inf
    return max(allowed, 0.0) / used


def window_pace(inp: TargetInput, window: timedelta, now: datetime) -> float | None:
    """The pace seen over ``window`` ending at ``now`` (see module doc); None if unknown."""
    target, data = inp.target, inp.data
    if target.kind == "growth":
        return None
    if inp.cadence is not None and window < inp.cadence * _MIN_WINDOW_CADENCES:
        return None  # a monthly series shows no progress in a week: too short to tell
    if target.kind == "level-mean" or (target.kind == "ratio" and data.daily_flags):
        scale = 100.0 if target.kind == "ratio" else 1.0
        return _mean(_series(inp, window, now), window, now, scale)
    found = _window_reports(inp, window, now, with_start=True)
    if found is None:
        return None
    reports, resolution = found
    (start_at, start_value), counted = reports[0], reports[1:]
    end_at, end_value = reports[-1]
    span = (end_at - start_at) / _MONTH
    if target.kind == "flow":
        # per month of the reports themselves, each covering one reporting interval: a
        # report that never came is not a month without flow
        if inp.cadence is None:
            return sum(v for _, v in counted) / span
        covered = min(span, len(counted) * (inp.cadence / _MONTH))
        return sum(v for _, v in counted) / covered
    if _compound(inp) and start_value > 0 and end_value > 0:
        return math.log(end_value / start_value) / span
    return (end_value - start_value) / span


def _window_reports(
    inp: TargetInput, window: timedelta, now: datetime, *, with_start: bool = False
) -> tuple[list[Point], timedelta] | None:
    """The reports inside ``window`` — from the last one back to the last at least a window
    before it, that one excluded unless ``with_start`` — each stamped with the instant it
    describes the end of, and the width of their buckets; None when none reach back."""
    data = inp.data
    if inp.cadence is not None and window < inp.cadence * _MIN_WINDOW_CADENCES:
        return None
    if data.last_seen is None or data.last_seen < now - window:
        return None  # no reading inside the window: its pace is unknown, not zero
    for reports, resolution in _reports(data, now):
        if window < resolution or not reports:
            continue
        end_at = reports[-1][0]
        before = [i for i, (at, _) in enumerate(reports) if at <= end_at - window]
        if not before:
            continue  # these buckets do not reach back a whole window: try coarser ones
        i = before[-1]
        return reports[i if with_start else i + 1 :], resolution
    return None


def _reports(data: TargetData, now: datetime) -> Iterator[tuple[list[Point], timedelta]]:
    """Days with data, then months with data, each stamped with the instant it describes
    the end of (capped at ``now``), with the width of those buckets."""
    yield [(min(t + _DAY, now), v) for t, v in data.daily if t < now], _DAY
    ends = [(min(month_start(month_index(t) + 1), now), v) for t, v in data.monthly if t < now]
    yield ends, _SHORTEST_MONTH


def _series(inp: TargetInput, window: timedelta, now: datetime) -> Sequence[Point]:
    """The finest series no coarser than ``window`` that covers it (else the longest)."""
    options = [
        (inp.hourly, _HOUR),
        (inp.data.daily, _DAY),
        (inp.data.monthly, _MONTH),
    ]
    usable = [pts for pts, width in options if pts and width <= window]
    for pts in usable:
        if pts[0][0] <= now - window:
            return pts
    return min(usable, key=lambda pts: pts[0][0]) if usable else ()


def _mean(points: Sequence[Point], window: timedelta, now: datetime, scale: float) -> float | None:
    inside = between(points, now - window, now)
    if not inside:
        return None
    return sum(v for _, v in inside) / len(inside) * scale

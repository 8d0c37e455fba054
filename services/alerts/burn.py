"""The paces a burn-rate rule compares: what is needed from now on, and what each window saw.

Recent pace over a window ``w`` ending at ``now``, by the target's kind:

- stock, capacity, reported ratio: the change of the latest value over the window, per
  month (``(v(now) - v(now - w)) / w``), unknown when nothing was read inside the window;
- flow: the window's total per month of data covered;
- level-mean, ratio counted in days: the window's mean level (× 100 for day flags);
- growth: none (a yearly rate has no pace within a year).

The finest series that covers the window is used (hourly, daily, then monthly), and
never one coarser than the window. For a ceiling (``<=``) progress is headroom used up
slower than allowed, so both paces are stated as "allowed ÷ used": the needed pace is 1
and a window that used twice the allowed rate has pace 0.5 — a burn rate of 2.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime, timedelta

from services.alerts.conditions import MET, BurnRateInput
from services.alerts.inputs import TargetInput
from services.alerts.rules import BurnRateRule
from services.indicators.assess import Assessment
from services.indicators.measure import latest_effective
from services.indicators.target_data import MONTH_SECONDS, Point, between

__all__ = ["burn_input", "window_pace"]

_HOUR = timedelta(hours=1)
_DAY = timedelta(days=1)
_MONTH = timedelta(seconds=MONTH_SECONDS)


def burn_input(
    rule: BurnRateRule, inp: TargetInput, assessment: Assessment, now: datetime
) -> BurnRateInput:
    """The input of ``check_burn_rate`` for one target."""
    if assessment.status == MET:
        return BurnRateInput(None, None, None, status=MET)
    needed = assessment.pace_needed
    if needed is None or assessment.status == "no_data":
        return BurnRateInput(None, None, None)
    short = window_pace(inp, rule.short, now)
    long = window_pace(inp, rule.long, now)
    if inp.target.higher_is_better:
        return BurnRateInput(needed, short, long)
    return BurnRateInput(1.0, _headroom(needed, short), _headroom(needed, long))


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
    if target.kind == "flow":
        return _flow_rate(_series(inp, window, now), window, now)
    if target.kind == "level-mean" or (target.kind == "ratio" and data.daily_flags):
        scale = 100.0 if target.kind == "ratio" else 1.0
        return _mean(_series(inp, window, now), window, now, scale)
    if data.last_seen is None or data.last_seen < now - window:
        return None  # no reading inside the window: its pace is unknown, not zero
    end = latest_effective(data, now)
    start = latest_effective(data, now - window)
    if end is None or start is None:
        return None
    return (end[1] - start[1]) / (window / _MONTH)


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


def _flow_rate(points: Sequence[Point], window: timedelta, now: datetime) -> float | None:
    inside = between(points, now - window, now)
    if not inside:
        return None
    covered = now - inside[0][0]
    if covered <= timedelta(0):
        return None
    return sum(v for _, v in inside) / (covered / _MONTH)


def _mean(points: Sequence[Point], window: timedelta, now: datetime, scale: float) -> float | None:
    inside = between(points, now - window, now)
    if not inside:
        return None
    return sum(v for _, v in inside) / len(inside) * scale

"""Which sources pull a target off: stations, terminals, operators or districts, ranked.

``effect`` is in the target's unit and signed so that negative pulls the target off:

- levels (mean of stations; good-air day shares): how much the station moves the city
  mean of the period (the year so far — the deadline year once it has passed — or the
  last 30 days early in a year) —
  ``(station − city) / (n − 1)``, the difference it makes against the mean of the others;
- flows (sum): for a floor (``>=``), the change against the same days of the previous
  year; for a ceiling (``<=``, heavy-pollution days), everything the source added;
- stocks and capacities (carried-forward sum): the change over the last 90 days minus
  the source's share (by its current total) of the change the trajectory expects.

A value made by one source has no contributors.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from operator import attrgetter

from services.alerts.inputs import Bucket, TargetInput
from services.indicators.baseline import resolve_baseline
from services.indicators.measure import period_end, period_year
from services.indicators.pace import fmt
from services.indicators.plan_model import CITY_TZ, Target, year_bounds
from services.indicators.target_data import in_zone_of
from services.indicators.trajectory import expected_at

__all__ = ["Contribution", "contributions"]

STOCK_WINDOW = timedelta(days=90)
_EARLY = timedelta(days=30)
_YEAR = timedelta(days=365)
_at = attrgetter("at")  # a bucket's start: the bisect key (C-level, so cheap)


@dataclass(frozen=True, slots=True)
class Contribution:
    """One source's part in a target's value; ``effect < 0`` pulls the target off."""

    source: str
    value: float
    share: float | None
    change: float | None
    effect: float | None
    text: str


def contributions(inp: TargetInput, now: datetime, limit: int = 5) -> tuple[Contribution, ...]:
    """The ``limit`` sources pulling hardest against the target, worst first."""
    if len(inp.sources) < 2:
        return ()
    target = inp.target
    if target.kind == "level-mean" or (target.kind == "ratio" and inp.data.daily_flags):
        found = list(_levels(inp, now))
    elif target.kind == "flow":
        found = list(_flows(inp, now))
    elif target.kind in ("stock", "capacity") and inp.combine != "mean":
        found = list(_stocks(inp, now))
    else:
        return ()
    found.sort(key=lambda c: (c.effect is None, c.effect or 0.0, -c.value))
    return tuple(found[:limit])


def _unit(target: Target) -> str:
    return " %" if target.unit == "%" else f" {target.unit}"


def _signed(x: float) -> str:
    text = fmt(x)
    return text if text.startswith("-") else "+" + text


def _inside(buckets: Sequence[Bucket], start: datetime, end: datetime) -> Sequence[Bucket]:
    """The buckets with ``start <= at < end`` (buckets sorted by time)."""
    if not buckets:
        return buckets
    first = buckets[0].at
    lo = bisect_left(buckets, in_zone_of(start, first), key=_at)
    return buckets[lo : bisect_left(buckets, in_zone_of(end, first), lo=lo, key=_at)]


def _zoned(inp: TargetInput, *bounds: datetime) -> list[datetime]:
    """``bounds`` in the time zone of the sources' buckets (see ``in_zone_of``), once for
    all the searches through them."""
    sample = next((b[0].at for b in inp.sources.values() if b), None)
    return [in_zone_of(t, sample) if sample is not None else t for t in bounds]


def _levels(inp: TargetInput, now: datetime) -> Iterator[Contribution]:
    target = inp.target
    scale = 100.0 if target.kind == "ratio" else 1.0
    first = year_bounds(period_year(target, now))[0]
    now = period_end(target, now)
    start = first if now - first >= _EARLY else now - _EARLY
    lo, hi = _zoned(inp, start, now)
    means: dict[str, float] = {}
    for source, buckets in inp.sources.items():
        rows = _inside(buckets, lo, hi)
        if rows:
            means[source] = sum(b.mean for b in rows) / len(rows) * scale
    n = len(means)
    if n < 2:
        return
    city = sum(means.values()) / n
    sign = 1.0 if target.higher_is_better else -1.0
    unit = _unit(target)
    for source, value in means.items():
        moves = (value - city) / (n - 1)
        text = (
            f"{source}: {fmt(value)}{unit} on average since {start.astimezone(CITY_TZ):%Y-%m-%d}"
            f"; moves the city mean by {_signed(moves)}{unit}"
        )
        yield Contribution(source, value, None, None, sign * moves, text)


def _flows(inp: TargetInput, now: datetime) -> Iterator[Contribution]:
    target = inp.target
    first = year_bounds(period_year(target, now))[0]
    now = period_end(target, now)
    last_first = year_bounds(first.year - 1)[0]
    year_ago = now - _YEAR
    ytd_from, ytd_to, before_from, before_to = _zoned(inp, first, now, last_first, year_ago)
    totals: dict[str, tuple[float, float | None]] = {}
    for source, buckets in inp.sources.items():
        ytd = sum(b.sum for b in _inside(buckets, ytd_from, ytd_to))
        before = _inside(buckets, before_from, before_to)
        totals[source] = (ytd, sum(b.sum for b in before) if before else None)
    whole = sum(v for v, _ in totals.values())
    unit = _unit(target)
    for source, (ytd, prior) in totals.items():
        share = ytd / whole if whole else None
        change = ytd - prior if prior is not None else None
        if not target.higher_is_better:
            effect: float | None = -ytd
        else:
            effect = change
        text = f"{source}: {fmt(ytd)}{unit} in {first.year} so far"
        if change is not None:
            text += f", {_signed(change)} against the same days of {first.year - 1}"
        yield Contribution(source, ytd, share, change, effect, text)


def _stocks(inp: TargetInput, now: datetime) -> Iterator[Contribution]:
    target = resolve_baseline(inp.target, inp.data)
    now = period_end(target, now)
    then = now - STOCK_WINDOW
    expected = expected_at(target, now) - expected_at(target, then)
    values: dict[str, tuple[float, float]] = {}
    now_z, then_z = _zoned(inp, now, then)
    for source, buckets in inp.sources.items():
        latest = _last_before(buckets, now_z)
        if latest is not None:
            earlier = _last_before(buckets, then_z)
            values[source] = (latest, earlier if earlier is not None else 0.0)
    whole = sum(v for v, _ in values.values())
    sign = 1.0 if target.higher_is_better else -1.0
    unit = _unit(target)
    for source, (value, before) in values.items():
        share = value / whole if whole else 0.0
        change = value - before
        effect = sign * (change - share * expected)
        text = (
            f"{source}: {fmt(value)}{unit}, {_signed(change)} in 90 days "
            f"({_signed(effect)} against its {share:.0%} share of the {fmt(expected)} expected)"
        )
        yield Contribution(source, value, share, change, effect, text)


def _last_before(buckets: Sequence[Bucket], end: datetime) -> float | None:
    if not buckets:
        return None
    i = bisect_left(buckets, in_zone_of(end, buckets[0].at), key=_at)
    return buckets[i - 1].last if i else None

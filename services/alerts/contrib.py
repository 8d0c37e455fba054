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

import heapq
from bisect import bisect_left
from collections.abc import Callable, Iterator, Sequence
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
    """The ``limit`` sources pulling hardest against the target, worst first.

    Every source is ranked, but only the ones kept are described (a city of thousands of
    stations has five contributors, not thousands of sentences).
    """
    if len(inp.sources) < 2:
        return ()
    target = inp.target
    if target.kind == "level-mean" or (target.kind == "ratio" and inp.data.daily_flags):
        found, describe = _levels(inp, now)
    elif target.kind == "flow":
        found, describe = _flows(inp, now)
    elif target.kind in ("stock", "capacity") and inp.combine != "mean":
        found, describe = _stocks(inp, now)
    else:
        return ()
    top = heapq.nsmallest(limit, found, key=_rank)  # as sorted(found, key=_rank)[:limit]
    return tuple(Contribution(*part, describe(*part)) for part in top)


_Part = tuple[str, float, float | None, float | None, float | None]
"""A source's contribution without its text: source, value, share, change, effect."""
_Describe = Callable[[str, float, float | None, float | None, float | None], str]


def _rank(p: _Part) -> tuple[bool, float, float]:
    """Pulling hardest first (most negative effect), unknown effects last, larger values first."""
    effect = p[4]
    return (effect is None, effect or 0.0, -p[1])


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


def _levels(inp: TargetInput, now: datetime) -> tuple[Iterator[_Part], _Describe]:
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
        return iter(()), _no_text
    city = sum(means.values()) / n
    sign = 1.0 if target.higher_is_better else -1.0
    unit = _unit(target)
    since = f"{start.astimezone(CITY_TZ):%Y-%m-%d}"

    def parts() -> Iterator[_Part]:
        for source, value in means.items():
            moves = (value - city) / (n - 1)
            yield (source, value, None, None, sign * moves)

    def describe(source: str, value: float, *_: float | None) -> str:
        moves = (value - city) / (n - 1)
        return (
            f"{source}: {fmt(value)}{unit} on average since {since}"
            f"; moves the city mean by {_signed(moves)}{unit}"
        )

    return parts(), describe


def _no_text(*_: object) -> str:
    return ""


def _flows(inp: TargetInput, now: datetime) -> tuple[Iterator[_Part], _Describe]:
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

    def parts() -> Iterator[_Part]:
        for source, (ytd, prior) in totals.items():
            share = ytd / whole if whole else None
            change = ytd - prior if prior is not None else None
            effect = change if target.higher_is_better else -ytd
            yield (source, ytd, share, change, effect)

    def describe(
        source: str, ytd: float, share: float | None, change: float | None, *_: float | None
    ) -> str:
        text = f"{source}: {fmt(ytd)}{unit} in {first.year} so far"
        if change is not None:
            text += f", {_signed(change)} against the same days of {first.year - 1}"
        return text

    return parts(), describe


def _stocks(inp: TargetInput, now: datetime) -> tuple[Iterator[_Part], _Describe]:
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

    def parts() -> Iterator[_Part]:
        for source, (value, before) in values.items():
            share = value / whole if whole else 0.0
            change = value - before
            yield (source, value, share, change, sign * (change - share * expected))

    def describe(
        source: str, value: float, share: float | None, change: float | None, effect: float | None
    ) -> str:
        assert share is not None and change is not None and effect is not None
        return (
            f"{source}: {fmt(value)}{unit}, {_signed(change)} in 90 days "
            f"({_signed(effect)} against its {share:.0%} share of the {fmt(expected)} expected)"
        )

    return parts(), describe


def _last_before(buckets: Sequence[Bucket], end: datetime) -> float | None:
    if not buckets:
        return None
    i = bisect_left(buckets, in_zone_of(end, buckets[0].at), key=_at)
    return buckets[i - 1].last if i else None

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
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import chain, islice

from services.alerts.engine.inputs import TargetInput
from services.alerts.engine.source_columns import as_columns
from services.indicators.baseline import resolve_baseline
from services.indicators.forecast.pace import fmt
from services.indicators.measure import period_end, period_year
from services.indicators.plans import CITY_TZ, Target, year_bounds
from services.indicators.target_data import in_zone_of
from services.indicators.trajectory import expected_at

__all__ = ["Contribution", "contributions"]

STOCK_WINDOW = timedelta(days=90)
_EARLY = timedelta(days=30)
_YEAR = timedelta(days=365)


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
    head = list(islice(found, limit + 1))
    if len(head) <= limit:
        top = sorted(head, key=_rank)
    else:  # as sorted(...)[:limit], holding only ``limit`` of them
        top = heapq.nsmallest(limit, chain(head, found), key=_rank)
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


class _Rows:
    """The sources' rows in their columns, searched by time within each source's run."""

    def __init__(self, inp: TargetInput) -> None:
        self.cols = as_columns(inp.sources)
        self.at = self.cols.at

    def zoned(self, *bounds: datetime) -> list[datetime]:
        """``bounds`` in the time zone of the buckets (see ``in_zone_of``), once for all
        the searches through them."""
        if not self.at:
            return list(bounds)
        sample = self.at[0]
        return [in_zone_of(t, sample) for t in bounds]

    def inside(self, source: str, start: datetime, end: datetime) -> range:
        """The rows of ``source`` with ``start <= at < end`` (a source's rows sorted by time)."""
        run = self.cols.span(source)
        lo = bisect_left(self.at, start, run.start, run.stop)
        return range(lo, bisect_left(self.at, end, lo, run.stop))

    def last_before(self, source: str, end: datetime) -> int | None:
        """The last row of ``source`` with ``at < end``."""
        run = self.cols.span(source)
        i = bisect_left(self.at, end, run.start, run.stop)
        return i - 1 if i > run.start else None


def _levels(inp: TargetInput, now: datetime) -> tuple[Iterator[_Part], _Describe]:
    target = inp.target
    scale = 100.0 if target.kind == "ratio" else 1.0
    first = year_bounds(period_year(target, now))[0]
    now = period_end(target, now)
    start = first if now - first >= _EARLY else now - _EARLY
    rows = _Rows(inp)
    lo, hi = rows.zoned(start, now)
    mean = rows.cols.column("mean")
    means: dict[str, float] = {}
    for source in rows.cols:
        r = rows.inside(source, lo, hi)
        if r:
            means[source] = sum(mean[r.start : r.stop]) / len(r) * scale
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
    rows = _Rows(inp)
    ytd_from, ytd_to, before_from, before_to = rows.zoned(first, now, last_first, year_ago)
    amount = rows.cols.column("sum")
    totals: dict[str, tuple[float, float | None]] = {}
    for source in rows.cols:
        r = rows.inside(source, ytd_from, ytd_to)
        ytd = sum(amount[r.start : r.stop])
        b = rows.inside(source, before_from, before_to)
        totals[source] = (ytd, sum(amount[b.start : b.stop]) if b else None)
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
    rows = _Rows(inp)
    now_z, then_z = rows.zoned(now, then)
    last = rows.cols.column("last")
    for source in rows.cols:
        latest = rows.last_before(source, now_z)
        if latest is not None:
            earlier = rows.last_before(source, then_z)
            values[source] = (last[latest], last[earlier] if earlier is not None else 0.0)
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

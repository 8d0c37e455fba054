"""Year-to-date totals into flows (pure): the flow of each period since the series' previous
total of the same calendar year.

Statistics bureaus and port operators publish "1–N月累计": each figure is the total since the
start of the year. A flow stores the amount of each reporting period, so a series of totals
t₁, t₂, … of one year becomes t₁, t₂ − t₁, …: the first figure of a year is its own flow (the
January reset), a missing month makes the next figure span both, a figure arriving out of
order or revised changes the flow of the figure after it too (``difference`` says which stored
flows change). Years are the city's calendar years of the readings' instants.

A figure is taken only if every flow it makes, its own and the next one's, lies within the
indicator's plausible range — the range of one reporting period, times the periods the flow
spans (a figure after a missing month, or the first to arrive of a year whose earlier months
are still to come, spans several); otherwise it is refused with the reason, and nothing of it
is applied. Figures of one series are taken in the order given (a batch's order), each against
what is stored and what was taken before it.
"""

from __future__ import annotations

from bisect import bisect_left, insort
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo

__all__ = ["Describe", "Differenced", "Plausible", "Refusal", "difference", "year_of"]


@dataclass(frozen=True, slots=True)
class Refusal:
    """An incoming figure not taken (its position among those given), and why."""

    position: int
    reason: str


@dataclass(slots=True)
class Differenced:
    """What to store for one series: the flow of each figure taken (by position), the stored
    figures whose flow changes (by instant), and the figures refused."""

    flows: dict[int, float] = field(default_factory=dict)
    revised: dict[datetime, float] = field(default_factory=dict)
    refused: list[Refusal] = field(default_factory=list)


def year_of(ts: datetime, tz: tzinfo) -> int:
    """The calendar year (in the city's time zone) a figure stamped ``ts`` belongs to."""
    return ts.astimezone(tz).year


@dataclass(slots=True)
class _Year:
    """The totals of one series in one year, by instant, with their instants sorted."""

    start: datetime
    totals: dict[datetime, float] = field(default_factory=dict)
    order: list[datetime] = field(default_factory=list)

    def since(self, ts: datetime) -> datetime:
        """The instant of the figure before ``ts``, or the start of the year."""
        i = bisect_left(self.order, ts)
        return self.order[i - 1] if i > 0 else self.start

    def flow_at(self, ts: datetime) -> float:
        i = bisect_left(self.order, ts)
        before = self.totals[self.order[i - 1]] if i > 0 else 0.0
        return self.totals[ts] - before

    def after(self, ts: datetime) -> datetime | None:
        i = bisect_left(self.order, ts)
        if i < len(self.order) and self.order[i] == ts:
            i += 1
        return self.order[i] if i < len(self.order) else None

    def put(self, ts: datetime, total: float) -> float | None:
        """Set the total at ``ts``; the one it replaced, if any."""
        old = self.totals.get(ts)
        if old is None:
            insort(self.order, ts)
        self.totals[ts] = total
        return old

    def restore(self, ts: datetime, old: float | None) -> None:
        if old is None:
            del self.totals[ts]
            self.order.remove(ts)
        else:
            self.totals[ts] = old


@dataclass(frozen=True, slots=True)
class Plausible:
    """The plausible flow of one reporting period (``period`` long), scaled to a flow that
    spans several."""

    low: float
    high: float
    period: timedelta | None = None  # None: a flow is one period, however long it spans

    def periods(self, since: datetime, until: datetime) -> int:
        if self.period is None or self.period <= timedelta(0):
            return 1
        return max(1, round((until - since) / self.period))

    def bounds(self, since: datetime, until: datetime) -> tuple[float, float]:
        n = self.periods(since, until)
        return self.low * n, self.high * n


def difference(
    stored: Mapping[datetime, tuple[float, float]],
    incoming: Sequence[tuple[datetime, float]],
    *,
    plausible: Plausible,
    tz: tzinfo,
    describe: Describe | None = None,
) -> Differenced:
    """The flows of a series' incoming year-to-date figures.

    ``stored``: the series' stored figures of the years concerned, instant → (total, flow);
    ``incoming``: (instant, total) in the order they came (a later one at the same instant
    replaces an earlier one); ``plausible``: the range of a period's flow.
    """
    say = describe or Describe()
    years: dict[int, _Year] = {}

    def year_at(ts: datetime) -> _Year:
        y = year_of(ts, tz)
        found = years.get(y)
        if found is None:
            found = years[y] = _Year(datetime(y, 1, 1, tzinfo=tz))
        return found

    for ts, (total, _) in stored.items():
        year_at(ts).put(ts, total)
    taken: dict[int, datetime] = {}
    out = Differenced()
    for position, (ts, total) in enumerate(incoming):
        year = year_at(ts)
        old = year.put(ts, total)
        reason = _implausible(year, ts, plausible, say)
        if reason is None:
            taken = {p: t for p, t in taken.items() if t != ts}  # replaced at the same instant
            taken[position] = ts
        else:
            year.restore(ts, old)
            out.refused.append(Refusal(position, reason))
    for position, ts in taken.items():
        out.flows[position] = years[year_of(ts, tz)].flow_at(ts)
    mine = set(taken.values())
    for ts, (_, flow) in stored.items():
        if ts in mine:
            continue
        now = years[year_of(ts, tz)].flow_at(ts)
        if now != flow:
            out.revised[ts] = now
    return out


class Describe:
    """How figures are named in a refusal (the storage passes the series and unit)."""

    def __init__(self, series: str = "", unit: str = "", tz: tzinfo | None = None) -> None:
        self.series = series
        self.unit = unit
        self.tz = tz

    def amount(self, x: float) -> str:
        text = f"{x:,.0f}" if float(x).is_integer() else f"{x:,.6g}"
        return f"{text} {self.unit}".rstrip()

    def when(self, ts: datetime) -> str:
        return (ts.astimezone(self.tz) if self.tz is not None else ts).isoformat()


def _implausible(year: _Year, ts: datetime, plausible: Plausible, say: Describe) -> str | None:
    """Why the total just put at ``ts`` cannot be taken, or None."""
    for at in _touched(year, ts):
        flow = year.flow_at(at)
        before = year.since(at)
        low, high = plausible.bounds(before, at)
        if low <= flow <= high:
            continue
        since = (
            f"since the total of {say.amount(year.totals[before])} at {say.when(before)}"
            if before != year.start
            else "since the start of the year"
        )
        n = plausible.periods(before, at)
        over = f" over {n} reporting periods" if n > 1 else ""
        which = (
            "its flow"
            if at == ts
            else f"the flow of the next figure ({say.amount(year.totals[at])} at {say.when(at)})"
        )
        return (
            f"year-to-date total {say.amount(year.totals[ts])} at {say.when(ts)}{_of(say)}: "
            f"{which} {since} would be {say.amount(flow)}, outside the plausible range "
            f"{say.amount(low)} to {say.amount(high)}{over}; check the figures (an earlier "
            "month revised upwards goes first)"
        )
    return None


def _of(say: Describe) -> str:
    return f" of {say.series}" if say.series else ""


def _touched(year: _Year, ts: datetime) -> Iterable[datetime]:
    yield ts
    nxt = year.after(ts)
    if nxt is not None:
        yield nxt

"""The demo's script and its feeds agree, computed from the feeds and the plans alone (no
engine): every target is fed (a region's by sources of that region), every story is about a
target or a series the feeds send, and every target outside the stories is comfortably on
track — at least 3 % ahead of the plan's trajectory, or at or above it where the plan only
holds a level (a path moving less than 3 % in all) or a share near its bound."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

import pytest

from services.demo.simulate import CST, START, STORIES, Feed, readings_between, story_of
from services.indicators.catalogue import load_catalogue
from services.indicators.plans import Baseline, Target, end_of_day, load_plans, targets_of
from services.indicators.trajectory import milestone

UNTIL = datetime(2026, 11, 30, tzinfo=CST)
CATALOGUE = load_catalogue()
TARGETS = targets_of(load_plans(None, CATALOGUE))
LEAD = 1.03  # comfortably ahead: 3 % past the trajectory
SETTLED = timedelta(days=183)  # a stock's lead is due half a year after its first report


@dataclass(frozen=True, slots=True)
class Report:
    ts: datetime
    value: float  # in the indicator's canonical unit
    source: str
    increment: bool


@pytest.fixture(scope="module")
def feeds() -> list[Feed]:
    return [f for f in readings_between(START, UNTIL) if f.reading["indicator"] != "air.pm25"]


@pytest.fixture(scope="module")
def by_indicator(feeds: list[Feed]) -> dict[str, list[Feed]]:
    out: dict[str, list[Feed]] = defaultdict(list)
    for f in feeds:
        out[str(f.reading["indicator"])].append(f)
    return out


def _pushed(indicator: str) -> list[str]:
    """The indicators a target's data comes from: itself, or what the stream derives it from."""
    found = CATALOGUE.get(indicator)
    if not found.derived:
        return [indicator]
    return [a for parent in found.derived_from for a in _pushed(parent)]


@pytest.fixture(scope="module")
def sent(feeds: list[Feed]) -> set[tuple[str, str | None]]:
    """(indicator, region) of every reading sent; the stations' hourly PM2.5 from a day."""
    day = list(readings_between(START, START + timedelta(days=1)))
    return {
        (str(f.reading["indicator"]), str(f.reading["region"]) if "region" in f.reading else None)
        for f in [*feeds, *day]
    }


@pytest.mark.parametrize("target", TARGETS, ids=lambda t: t.id)
def test_every_target_is_fed_in_its_scope(
    target: Target, sent: set[tuple[str, str | None]]
) -> None:
    regions = {r for i, r in sent if i in _pushed(target.indicator)}
    if target.region is not None:
        assert target.region in regions, f"nothing is sent for {target.region}"
    elif (
        CATALOGUE.get(target.indicator).combine == "single"
        and not CATALOGUE.get(target.indicator).derived
    ):
        assert None in regions, "no city-wide source is sent"
    else:
        assert regions, "no source is sent"


def test_every_story_is_about_a_target_or_a_series_the_feeds_send(feeds: list[Feed]) -> None:
    series = {f"{f.reading['indicator']}/{f.reading['source']}" for f in feeds}
    series |= {f"air.pm25/{s}" for s in ("qd-pingdu-1", "qd-shinan-1")}  # hourly, left out
    ids = {t.id for t in TARGETS}
    for s in STORIES:
        assert s.subject in ids or any(s.covers(x) for x in series), s.subject
        assert all(s.onset <= by for by in s.alerts.values()), s.subject
        assert (s.final is None) == (s.subject not in ids), s.subject


ON_TRACK = [t for t in TARGETS if story_of(t.id) is None and not t.indicator.startswith("air.")]


@pytest.mark.parametrize("target", ON_TRACK, ids=lambda t: t.id)
def test_targets_outside_the_stories_are_comfortably_on_track(
    target: Target, by_indicator: dict[str, list[Feed]]
) -> None:
    reports = list(_reports(target, by_indicator[target.indicator]))
    assert reports, "no report in its scope"
    if target.kind == "flow":
        _flow_ahead(target, reports)
    elif target.kind in ("stock", "capacity"):
        _stock_ahead(target, reports)
    elif target.kind == "growth":
        _growth_ahead(target, reports)
    else:  # ratios and yearly levels: the year's figure
        _level_ahead(target, reports)


def _reports(target: Target, feeds: Sequence[Feed]) -> Iterator[Report]:
    """The target's reports: its region's sources, or the city's (a city-wide figure's
    sources without a region; every part of a summed or averaged one)."""
    ind = CATALOGUE.get(target.indicator)
    for f in feeds:
        r = f.reading
        region = r.get("region")
        if target.region is not None and region != target.region:
            continue
        if target.region is None and region is not None and ind.combine == "single":
            continue
        convert = ind.converter_for(str(r["unit"]))
        assert convert is not None, r
        labels = r["labels"]
        assert isinstance(labels, dict)
        yield Report(
            datetime.fromisoformat(str(r["ts"])),
            convert(float(str(r["value"]))),
            str(r["source"]),
            labels.get("arrives_as") == "increment",
        )


def _with_baseline(target: Target, value: float, day: date) -> Target:
    if target.baseline.resolved:
        return target
    return replace(target, baseline=Baseline(value=value, date=day, from_data=True))


def _ahead(target: Target, actual: float, expected: float, lead: float = LEAD) -> bool:
    if target.higher_is_better:
        return actual >= expected * lead
    return actual <= expected / lead


def _held(target: Target) -> bool:
    """A path that moves less than 3 % in all, or a share near its bound: at or above it
    is comfortable (3 % more would be a share over 100 %, or the plan's work of years)."""
    base = target.baseline.value if target.baseline.value is not None else target.value
    moves = abs(target.value - base) / abs(base) if base else 1.0
    near_bound = (target.unit == "%" and target.value >= 97) or (
        target.unit == "coefficient" and target.value >= 0.97
    )
    return moves < LEAD - 1 or near_bound or target.satisfied_by(base) and moves == 0.0


def _year_end(year: int) -> datetime:
    return end_of_day(date(year, 12, 31))


def _years(reports: Sequence[Report]) -> dict[int, list[Report]]:
    out: dict[int, list[Report]] = defaultdict(list)
    for r in reports:
        out[r.ts.astimezone(CST).year].append(r)
    return out


def _complete(year: int, reports: Sequence[Report], target: Target) -> bool:
    """A year of the target's the feeds report whole (its last period, ending on the 31st
    of December, is in)."""
    ends = [r.ts.astimezone(CST).date() for r in reports]
    return date(year, 12, 31) in ends and year <= target.deadline.year


def _flow_ahead(target: Target, reports: Sequence[Report]) -> None:
    years = _years(reports)
    totals = {y: sum(r.value for r in rs) for y, rs in years.items() if _complete(y, rs, target)}
    assert totals, "no complete year"
    first = min(totals)
    resolved = _with_baseline(target, totals[first], date(first, 12, 31))
    for year, total in sorted(totals.items()):
        if year == first and not target.baseline.resolved:
            continue  # the first whole year is the baseline the plan leaves to the data
        expected = milestone(resolved, min(_year_end(year), target.deadline_at))
        assert _ahead(target, total, expected), (year, total, expected)


def _stock_ahead(target: Target, reports: Sequence[Report]) -> None:
    known: dict[str, float] = {}
    at: dict[datetime, float] = {}
    for r in sorted(reports, key=lambda r: r.ts):
        known[r.source] = known.get(r.source, 0.0) + r.value if r.increment else r.value
        at[r.ts] = sum(known.values())  # every source's last total (increments added up)
    levels = sorted(at.items())
    first_ts, first = levels[0]
    resolved = _with_baseline(target, first, (first_ts - timedelta(hours=1)).date())
    for ts, level in levels:
        if ts > target.deadline_at:
            break
        expected = milestone(resolved, ts)
        settled = ts - first_ts >= SETTLED and not _held(resolved)
        if target.satisfied_by(level):
            continue  # at its target: met early
        assert _ahead(target, level, expected, LEAD if settled else 1.0), (ts, level, expected)


def _level_ahead(target: Target, reports: Sequence[Report]) -> None:
    years = _years(reports)
    first_ts = min(r.ts for r in reports)
    first = min(reports, key=lambda r: r.ts).value
    resolved = _with_baseline(target, first, first_ts.date())
    for year, rs in sorted(years.items()):
        if year > target.deadline.year or year <= first_ts.astimezone(CST).year:
            continue  # the first year's figure is the baseline
        mean = sum(r.value for r in rs) / len(rs)
        expected = milestone(resolved, min(_year_end(year), target.deadline_at))
        lead = 1.0 if _held(resolved) else LEAD
        assert _ahead(target, mean, expected, lead), (year, mean, expected)


def _growth_ahead(target: Target, reports: Sequence[Report]) -> None:
    latest: dict[int, float] = {}
    for r in sorted(reports, key=lambda r: r.ts):
        latest[r.ts.astimezone(CST).year] = r.value
    base = target.growth_average_from
    years = sorted(y for y in latest if base is None or base < y <= target.deadline.year)
    assert years, "no year after the base year"
    for i, year in enumerate(years):
        rates = [latest[y] for y in years[: i + 1]] if base is not None else [latest[year]]
        average = (math.prod(1 + x / 100 for x in rates) ** (1 / len(rates)) - 1) * 100
        assert average >= target.value * LEAD, (year, average)

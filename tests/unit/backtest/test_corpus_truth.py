"""The corpus's truth matches its data: each scenario's final statuses and "comfortably on
track" labels, recomputed here from the generated readings with plain arithmetic (no code of
the engine), so a scenario cannot teach the engine a wrong answer."""

from __future__ import annotations

import calendar
from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime
from random import Random

import pytest

from services.backtest.corpus import SCENARIOS, Scenario
from services.backtest.corpus.run import _seed
from services.indicators.city import CITY_TZ

YEAR = 2025
FEB_MIN, MONTH_MIN, YEAR_MIN, HOURS_MIN = 25, 27, 324, 20  # GB 3095-2012 validity


def _local(r: dict[str, object]) -> datetime:
    return datetime.fromisoformat(str(r["ts"])).astimezone(CITY_TZ)


def _latest(records: Sequence[dict[str, object]]) -> list[dict[str, object]]:
    """One reading per (source, ts): the last to arrive (a revision replaces a first report)."""
    chosen: dict[tuple[str, str], dict[str, object]] = {}
    for r in sorted(records, key=lambda r: str(r["received_at"])):
        chosen[(str(r["source"]), str(r["ts"]))] = r
    return list(chosen.values())


def _city_days(records: Sequence[dict[str, object]]) -> dict[date, float]:
    """Each day's city value: the mean of the stations' daily means with ≥ 20 hours."""
    hours: dict[tuple[date, str], list[float]] = defaultdict(list)
    for r in records:
        hours[(_local(r).date(), str(r["source"]))].append(float(str(r["value"])))
    stations: dict[date, list[float]] = defaultdict(list)
    for (day, _), values in hours.items():
        if len(values) >= HOURS_MIN:
            stations[day].append(sum(values) / len(values))
    return {day: sum(v) / len(v) for day, v in stations.items()}


def _valid_year(days: dict[date, float]) -> bool:
    inside = [d for d in days if d.year == YEAR]
    per_month = defaultdict(int)
    for d in inside:
        per_month[d.month] += 1
    return len(inside) >= YEAR_MIN and all(
        per_month[m] >= (FEB_MIN if m == 2 else MONTH_MIN) for m in range(1, 13)
    )


def _final(scenario: Scenario, target: str, comparator: str, value: float) -> str:
    records = _latest(scenario.history(Random(_seed(scenario.name))))
    indicator = target.rsplit(".", 1)[0]
    mine = [r for r in records if r["indicator"] == _feed_of(indicator)]
    if not mine:
        return "no_data"
    if indicator.startswith("air."):
        days = _city_days(mine)
        in_year = {d: v for d, v in days.items() if d.year == YEAR}
        if not in_year:
            return "no_data"
        if indicator == "air.heavy_pollution_days":
            actual = float(sum(1 for v in in_year.values() if v > 150))
            if actual > value:
                return "missed"  # a ceiling of days, broken: no later day mends it
        elif indicator == "air.good_days_ratio":
            actual = 100.0 * sum(1 for v in in_year.values() if v <= 75) / len(in_year)
        else:
            actual = sum(in_year.values()) / len(in_year)
        if not _valid_year(days):
            return "insufficient_data"
    else:
        in_year_r = [r for r in mine if _local(r).year == YEAR]
        if not in_year_r:
            return "no_data"
        if _kind(scenario, target) == "flow":
            actual = sum(float(str(r["value"])) for r in in_year_r)
            months = {_local(r).month for r in in_year_r}
            if comparator == ">=" and actual >= value:
                return "met"
            if len(months) < 12:
                return "insufficient_data"
        else:  # the last value of the year, each source's carried forward
            last: dict[str, tuple[datetime, float]] = {}
            for r in mine:
                t = _local(r)
                if t.year <= YEAR and (r["source"] not in last or t > last[str(r["source"])][0]):
                    last[str(r["source"])] = (t, float(str(r["value"])))
            actual = sum(v for _, v in last.values())
    ok = actual >= value if comparator == ">=" else actual <= value
    return "met" if ok else "missed"


def _feed_of(indicator: str) -> str:
    return "air.pm25" if indicator.startswith("air.") else indicator


def _kind(scenario: Scenario, target: str) -> str:
    block = scenario.plan.split(f"- id: {target}\n", 1)[1]
    return block.split("kind: ", 1)[1].split("\n", 1)[0].strip()


def _rule(scenario: Scenario, target: str) -> tuple[str, float]:
    block = scenario.plan.split(f"- id: {target}\n", 1)[1]
    comparator = block.split("comparator: ", 1)[1].split("\n", 1)[0].strip().strip('"')
    value = float(block.split("value: ", 1)[1].split("\n", 1)[0])
    return comparator, value


CASES = [(s, t) for s in SCENARIOS for t in s.truths]


@pytest.mark.parametrize(
    ("scenario", "truth"), CASES, ids=[f"{s.name}:{t.target}" for s, t in CASES]
)
def test_the_final_status_follows_from_the_data(scenario: Scenario, truth: object) -> None:
    comparator, value = _rule(scenario, truth.target)  # type: ignore[attr-defined]
    assert _final(scenario, truth.target, comparator, value) == truth.final  # type: ignore[attr-defined]


def test_the_corpus_covers_every_kind_and_behaviour() -> None:
    tags = {t for s in SCENARIOS for t in s.tags}
    kinds = {"level-mean", "ratio", "flow", "stock", "capacity"}
    behaviours = {
        "on track with noise", "weekly cycle", "seasonal", "far ahead",
        "exactly on the trajectory", "drift", "stall", "collapse", "recovery",
        "late and revised data", "gaps", "a silent station", "a new station",
        "no data in the target year", "reached then fell",
    }  # fmt: skip
    assert kinds <= tags and behaviours <= tags, (kinds | behaviours) - tags
    assert len(SCENARIOS) >= 30
    assert len({s.name for s in SCENARIOS}) == len(SCENARIOS)
    assert calendar.isleap(2024)  # the corpus's day counts assume it

"""The simulated feeds have the shapes the demo's scenario promises."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

import pytest

from services.demo.simulate import (
    CST,
    SILENT_FROM,
    SILENT_STATION,
    START,
    Feed,
    readings_between,
)


@pytest.fixture(scope="module")
def feeds() -> list[Feed]:
    return list(readings_between(START, datetime(2026, 11, 22, tzinfo=CST)))


def _by_year(feeds: list[Feed], indicator: str) -> dict[int, list[float]]:
    out: dict[int, list[float]] = defaultdict(list)
    for f in feeds:
        if f.reading["indicator"] == indicator:
            ts = datetime.fromisoformat(str(f.reading["ts"]))
            out[ts.year].append(float(str(f.reading["value"])))
    return out


def test_pm25_annual_mean_meets_the_2025_target(feeds: list[Feed]) -> None:
    years = _by_year(feeds, "air.pm25")
    mean_2025 = sum(years[2025]) / len(years[2025])
    assert 22 < mean_2025 < 30
    assert sum(years[2023]) / len(years[2023]) > mean_2025  # improving


def test_pollution_episode_reaches_heavy_levels(feeds: list[Feed]) -> None:
    jan_2025 = [
        float(str(f.reading["value"]))
        for f in feeds
        if f.reading["indicator"] == "air.pm25" and str(f.reading["ts"]).startswith("2025-01-1")
    ]
    assert max(jan_2025) > 150


def test_one_station_goes_silent(feeds: list[Feed]) -> None:
    last = max(
        datetime.fromisoformat(str(f.reading["ts"]))
        for f in feeds
        if f.reading["source"] == SILENT_STATION
    )
    assert SILENT_FROM - timedelta(hours=1) <= last < SILENT_FROM


def test_sea_rail_drifts_off_and_teu_stays_on_track(feeds: list[Feed]) -> None:
    rail_2025 = sum(_by_year(feeds, "port.sea_rail_teu")[2025]) * 1e4  # sent in 万标准箱
    teu_2025 = sum(_by_year(feeds, "port.container_teu")[2025])
    assert rail_2025 < 2.2e6
    assert teu_2025 > 26e6


def test_5g_meets_2025_and_slows_in_2026(feeds: list[Feed]) -> None:
    def city_total(month_end: str) -> float:
        total = 0.0
        for f in feeds:
            r = f.reading
            if r["indicator"] != "telecom.5g_base_stations" or str(r["ts"]) > month_end:
                continue
            labels = r["labels"]
            assert isinstance(labels, dict)
            increments = str(r["source"]).endswith(":ctcc")  # a first total, then increments
            if increments or str(r["ts"]).startswith(month_end[:7]):
                total += float(str(r["value"]))
        return total

    end_2025 = city_total("2025-12-31T23:59")
    oct_2026 = city_total("2026-10-31T23:59")
    assert end_2025 >= 34_000
    assert oct_2026 < 40_000 - 2 * 400  # two months left, needing > 400/month


def test_replays_are_reproducible() -> None:
    a = list(readings_between(START, START + timedelta(days=3)))
    b = list(readings_between(START, START + timedelta(days=3)))
    assert a == b and len(a) > 12 * 72


def test_a_statistic_is_the_same_whatever_the_replay_steps() -> None:
    """Monthly and yearly figures do not depend on the window they are published in."""
    whole = datetime(2024, 12, 31, tzinfo=CST)
    once = {_key(f): f.reading["value"] for f in readings_between(START, whole) if _stat(f)}
    stepped: dict[tuple[object, ...], object] = {}
    t = START
    while t < whole:
        end = min(t + timedelta(days=30), whole)
        stepped.update({_key(f): f.reading["value"] for f in readings_between(t, end) if _stat(f)})
        t = end
    assert once == stepped and len(once) > 1000


def _key(f: Feed) -> tuple[object, ...]:
    return (f.reading["indicator"], f.reading["source"], f.reading["ts"])


# Hourly and daily feeds (and a few month-end ones beside them) draw their noise from a
# generator seeded by the window; every other figure is a function of what it reports.
WINDOW_SEEDED = {
    "air.pm25", "port.container_teu", "port.cargo_tonnes", "port.sea_rail_teu",
    "port.transshipment_teu", "power.generation",
}  # fmt: skip


def _stat(f: Feed) -> bool:
    return f.reading["indicator"] not in WINDOW_SEEDED


def test_statistics_are_published_after_the_period_they_describe(feeds: list[Feed]) -> None:
    lags = defaultdict(list)
    for f in feeds:
        ts = datetime.fromisoformat(str(f.reading["ts"]))
        assert f.at >= ts, f.reading
        lags[f.reading["indicator"]].append(f.at - ts)
    assert min(lags["people.talent_pool"]) > timedelta(days=60)  # the yearly communiqué
    assert min(lags["economy.foreign_trade"]) >= timedelta(days=10)  # a month's customs figures
    assert max(lags["air.pm25"]) == timedelta(0)  # stations send as they measure


@pytest.mark.parametrize(
    ("start", "end"),
    [
        # a step that ends in the middle of a day: the day's port report is not yet due
        (datetime(2025, 3, 25, tzinfo=CST), datetime(2025, 4, 1, 2, tzinfo=CST)),
        # a step that ends before the month-end reports of the 31st
        (datetime(2025, 1, 24, tzinfo=CST), datetime(2025, 1, 31, 22, tzinfo=CST)),
        # the step in which last year's statistics are published
        (datetime(2025, 3, 10, tzinfo=CST), datetime(2025, 3, 17, tzinfo=CST)),
    ],
)
def test_each_step_holds_exactly_the_readings_published_inside_it(
    start: datetime, end: datetime
) -> None:
    whole = [f.reading for f in readings_between(start, end + timedelta(days=3))]
    first = list(readings_between(start, end))
    rest = [f.reading for f in readings_between(end, end + timedelta(days=3))]
    assert all(start <= f.at < end for f in first)
    key = lambda r: (r["indicator"], r["source"], r["ts"])  # noqa: E731
    assert sorted(map(key, [f.reading for f in first] + rest)) == sorted(map(key, whole))

"""Top contributing sources: who moves the city mean, who lags last year, who grows too slowly."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date, datetime, timedelta

import pytest

from services.alerts.engine.contributors import STOCK_WINDOW, contributions
from services.alerts.engine.inputs import Bucket, TargetInput
from services.indicators.plans.model import CITY_TZ, Target
from services.indicators.target_data import TargetData
from services.indicators.trajectory import expected_at
from tests.unit.alerts.factories import bucket, stock_target

NOW = datetime(2026, 11, 22, 12, tzinfo=CITY_TZ)


def daily(start: datetime, end: datetime, value: float) -> list[Bucket]:
    out, t = [], start
    while t < end:
        out.append(bucket(t, value))
        t += timedelta(days=1)
    return out


def inp(target: Target, sources: dict[str, Sequence[Bucket]], combine: str = "mean") -> TargetInput:
    return TargetInput(target, family="x", data=TargetData(), combine=combine, sources=sources)


PM25 = replace(stock_target(), kind="level-mean", comparator="<=", value=30.0, unit="µg/m³")
YEAR = datetime(2026, 1, 1, tzinfo=CITY_TZ)


def test_levels_rank_stations_by_how_much_they_move_the_city_mean() -> None:
    sources = {s: daily(YEAR, NOW, v) for s, v in (("low", 30.0), ("mid", 40.0), ("high", 50.0))}
    got = contributions(inp(PM25, sources), NOW)
    assert [(c.source, c.value, c.effect) for c in got] == [
        ("high", 50.0, -5.0),  # without it the city mean would be 5 lower
        ("mid", 40.0, 0.0),
        ("low", 30.0, 5.0),
    ]
    assert got[0].text == (
        "high: 50.0 µg/m³ on average since 2026-01-01; moves the city mean by +5.00 µg/m³"
    )


def test_early_in_the_year_levels_look_at_the_last_30_days() -> None:
    now = datetime(2026, 1, 10, tzinfo=CITY_TZ)
    sources = {
        "a": daily(now - timedelta(days=60), now - timedelta(days=31), 90.0)
        + daily(now - timedelta(days=30), now, 20.0),
        "b": daily(now - timedelta(days=60), now, 40.0),
    }
    got = contributions(inp(PM25, sources), now)
    assert {c.source: c.value for c in got} == {"a": 20.0, "b": 40.0}
    assert got[0].source == "b" and "since 2025-12-11" in got[0].text


def test_good_air_day_shares_are_in_percent_and_higher_is_better() -> None:
    target = replace(PM25, kind="ratio", comparator=">=", value=88.8, unit="%")
    good = daily(YEAR, NOW, 1.0)
    poor = [bucket(b.at, float(i % 2)) for i, b in enumerate(daily(YEAR, NOW, 0.0))]
    data = TargetData(daily_flags=True)
    got = contributions(replace(inp(target, {"good": good, "poor": poor}), data=data), NOW)
    assert got[0].source == "poor" and got[0].value == pytest.approx(50.0, abs=0.5)
    assert got[0].effect is not None and got[0].effect < 0


TEU = replace(stock_target(), kind="flow", value=26e6, unit="TEU")


def test_flows_compare_with_the_same_days_of_last_year() -> None:
    last_year = datetime(2025, 1, 1, tzinfo=CITY_TZ)
    sources = {
        "qianwan": daily(last_year, NOW, 100.0),
        "dongjiakou": daily(last_year, datetime(2026, 1, 1, tzinfo=CITY_TZ), 100.0)
        + daily(YEAR, NOW, 50.0),
    }
    got = contributions(inp(TEU, sources, "sum"), NOW)
    days = (NOW.date() - date(2026, 1, 1)).days + 1
    assert [c.source for c in got] == ["dongjiakou", "qianwan"]
    assert got[0].value == 50.0 * days
    assert got[0].change == pytest.approx(50.0 * days - 100.0 * days)
    assert got[0].share == pytest.approx(1 / 3)
    assert "against the same days of 2025" in got[0].text


def test_a_ceiling_flow_counts_everything_a_source_added() -> None:
    heavy = replace(TEU, comparator="<=", value=0.0, unit="days")
    yesterday = NOW - timedelta(days=1, hours=12)
    sources = {
        "a": [*daily(YEAR, NOW, 0.0)[:-3], bucket(yesterday, 1.0)],
        "b": daily(YEAR, NOW, 0.0),
    }
    got = contributions(inp(heavy, sources, "mean"), NOW)
    assert [(c.source, c.effect) for c in got] == [("a", -1.0), ("b", -0.0)]


def test_stocks_compare_growth_with_each_source_share_of_the_expected_growth() -> None:
    target = stock_target()
    then = NOW - STOCK_WINDOW - timedelta(days=5)
    sources = {
        "op-a": [bucket(then, 15_000.0), bucket(NOW - timedelta(days=2), 18_000.0)],
        "op-b": [bucket(then, 5_000.0), bucket(NOW - timedelta(days=2), 5_100.0)],
    }
    got = contributions(inp(target, sources, "sum"), NOW)
    grown = expected_at(target, NOW) - expected_at(target, NOW - STOCK_WINDOW)
    share_b = 5_100.0 / 23_100.0
    assert [c.source for c in got] == ["op-b", "op-a"]
    assert got[0].change == 100.0
    assert got[0].effect == pytest.approx(100.0 - share_b * grown)
    assert got[1].effect == pytest.approx(3_000.0 - (1 - share_b) * grown)
    assert "+100 in 90 days" in got[0].text


@pytest.mark.parametrize(
    ("target", "sources", "combine"),
    [
        (stock_target(), {"only": [bucket(NOW, 1.0)]}, "sum"),  # one source
        (replace(stock_target(), kind="growth"), {"a": [], "b": []}, "single"),
        (stock_target(), {"a": [bucket(NOW, 1.0)], "b": [bucket(NOW, 2.0)]}, "mean"),
    ],
)
def test_nothing_to_rank(
    target: Target, sources: dict[str, Sequence[Bucket]], combine: str
) -> None:
    assert contributions(inp(target, sources, combine), NOW) == ()


def test_at_most_limit_sources_worst_first() -> None:
    sources = {f"st-{v}": daily(YEAR, NOW, float(v)) for v in range(10, 80, 10)}
    got = contributions(inp(PM25, sources), NOW, limit=3)
    assert [c.source for c in got] == ["st-70", "st-60", "st-50"]


def test_after_the_deadline_the_deadline_year_counts() -> None:
    target = replace(PM25, deadline=date(2025, 12, 31))
    last_year = datetime(2025, 1, 1, tzinfo=CITY_TZ)
    sources = {
        "a": daily(last_year, YEAR, 60.0) + daily(YEAR, NOW, 10.0),
        "b": daily(last_year, NOW, 20.0),
    }
    got = contributions(inp(target, sources), NOW)
    assert [(c.source, c.value) for c in got] == [("a", 60.0), ("b", 20.0)]

"""Feed freshness, the one-sentence summary and annotation placeholders."""

from __future__ import annotations

from datetime import timedelta

import pytest

from services.alerts.engine.explain import duration, feed_of, summary, target_values
from services.indicators.assess import Assessment
from services.indicators.forecast.projection import Projection
from tests.unit.alerts.factories import T0, stock_input, stock_target

DAY = timedelta(days=1)


@pytest.mark.parametrize(
    ("seen", "cadence", "silent", "stale"),
    [
        (T0 - timedelta(hours=5), DAY, "5h", False),
        (T0 - timedelta(days=3, seconds=1), DAY, "3d1s", True),
        (T0 - timedelta(days=30), None, "30d", False),  # no cadence: never called stale
        (T0 + timedelta(minutes=1), DAY, "0s", False),  # a clock ahead: no negative silence
        (None, DAY, None, True),  # never reported
    ],
)
def test_feed_of(seen: object, cadence: timedelta | None, silent: str | None, stale: bool) -> None:
    feed = feed_of(seen, cadence, T0)  # type: ignore[arg-type]
    assert feed.stale is stale
    assert feed.as_dict()["silent_for"] == silent


@pytest.mark.parametrize(
    ("delta", "text"),
    [(timedelta(seconds=59.6), "1m"), (timedelta(hours=49), "2d1h"), (timedelta(0), "0s")],
)
def test_duration(delta: timedelta, text: str) -> None:
    assert duration(delta) == text


PROJECTION = Projection(31_000.0, 29_500.0, 33_000.0, T0, "theil-sen", 12)
INPUT = stock_input(23_120.0, T0)


@pytest.mark.parametrize(
    ("a", "text"),
    [
        (
            Assessment(
                "t",
                "off_track",
                actual=23_120.0,
                expected=28_900.0,
                gap_pct=-20.0,
                projection=PROJECTION,
                probability_met=0.05,
                pace_text="+1,400 stations/month needed, +300/month recently",
            ),
            "telecom.5g_base_stations.2027 is off track: 23,120 stations against 28,900 stations "
            "expected (-20.0 %); projected 31,000 stations (29,500–33,000) at 2027-12-31, 5% "
            "likely to reach >= 40,000; +1,400 stations/month needed, +300/month recently",
        ),
        (
            Assessment(
                "t",
                "missed",
                actual=30_000.0,
                expected=40_000.0,
                gap_pct=-25.0,
                projection=Projection(30_000.0, 30_000.0, 30_000.0, T0, "final", 1),
            ),
            "telecom.5g_base_stations.2027 is missed: 30,000 stations against 40,000 stations "
            "expected (-25.0 %)",
        ),
        (
            Assessment("t", "no_data"),
            "telecom.5g_base_stations.2027 is no data: no data yet for telecom.5g_base_stations "
            "(>= 40,000 stations by 2027-12-31)",
        ),
    ],
)
def test_summary(a: Assessment, text: str) -> None:
    assert summary(INPUT, a) == text


def test_placeholders_are_formatted_for_people() -> None:
    a = Assessment(
        "t",
        "off_track",
        actual=23_120.0,
        expected=28_900.4,
        shortfall_pct=20.0,
        projection=PROJECTION,
        pace_needed=1_400.0,
    )
    values = target_values(INPUT, a, feed_of(T0 - timedelta(hours=2), DAY, T0))
    assert values["target"] == stock_target().id
    assert (values["actual"], values["expected"], values["target_value"]) == (
        "23,120",
        "28,900",
        "40,000",
    )
    assert values["projected"] == "31,000" and values["needed_pace"] == "1,400"
    assert values["shortfall_pct"] == 20.0
    assert values["deadline"] == "2027-12-31"
    assert values["last_seen"] == "2026-11-22 14:00"  # local time

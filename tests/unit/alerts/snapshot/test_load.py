"""Which indicators an aggregates event touches: the one named and those derived from it."""

from __future__ import annotations

import pytest

from services.alerts.snapshot.load import affected
from services.indicators.catalogue import load_catalogue

CATALOGUE = load_catalogue()
AIR_DERIVED = {"air.aqi_daily", "air.good_days_ratio", "air.heavy_pollution_days"}


@pytest.mark.parametrize(
    ("named", "expected"),
    [
        ({"air.pm25"}, {"air.pm25"} | AIR_DERIVED),
        ({"air.o3", "port.container_teu"}, {"air.o3", "port.container_teu"} | AIR_DERIVED),
        ({"telecom.5g_base_stations"}, {"telecom.5g_base_stations"}),
        ({"air.good_days_ratio"}, {"air.good_days_ratio"}),
        ({"not.in_the_catalogue"}, {"not.in_the_catalogue"}),
        (set(), set()),
    ],
)
def test_affected(named: set[str], expected: set[str]) -> None:
    assert affected(CATALOGUE, named) == expected

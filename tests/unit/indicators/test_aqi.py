"""HJ 633-2012 daily AQI: a row per case, checked against the regulation's tables."""

from __future__ import annotations

import pytest

from services.indicators.aqi import daily_aqi, iaqi, o3_max_8h


@pytest.mark.parametrize(
    ("pollutant", "conc", "expected"),
    [
        ("air.pm25", 0, 0),
        ("air.pm25", 35, 50),
        ("air.pm25", 35.1, 51),  # rounded up
        ("air.pm25", 75, 100),
        ("air.pm25", 76, 102),  # 50/40 × 1 + 100 = 101.25 → 102
        ("air.pm25", 150, 200),
        ("air.pm25", 151, 201),
        ("air.pm25", 250, 300),
        ("air.pm25", 500, 500),
        ("air.pm25", 900, 500),  # beyond the table: capped
        ("air.pm10", 150, 100),
        ("air.so2", 475, 150),
        ("air.no2", 80, 100),
        ("air.co", 4, 100),
        ("air.o3", 160, 100),
        ("air.o3", 800, 300),
        ("air.pm25", -3, 0),
    ],
)
def test_iaqi(pollutant: str, conc: float, expected: int) -> None:
    assert iaqi(pollutant, conc) == expected


@pytest.mark.parametrize(
    ("conc", "aqi", "primary", "good", "heavy"),
    [
        ({"air.pm25": 20, "air.pm10": 40}, 40, (), True, False),
        ({"air.pm25": 80, "air.pm10": 100}, 107, ("air.pm25",), False, False),
        ({"air.pm25": 30, "air.pm10": 160}, 105, ("air.pm10",), False, False),
        ({"air.pm25": 151}, 201, ("air.pm25",), False, True),
        ({"air.pm25": 150}, 200, ("air.pm25",), False, False),  # 200 is heavy only above
        ({"air.pm25": 75}, 100, ("air.pm25",), True, False),  # 100 is still good
    ],
)
def test_daily_aqi(
    conc: dict[str, float], aqi: int, primary: tuple[str, ...], good: bool, heavy: bool
) -> None:
    got = daily_aqi(conc)
    assert got is not None
    assert (got.aqi, got.primary, got.good, got.heavy) == (aqi, primary, good, heavy)


def test_no_pollutant_no_aqi() -> None:
    assert daily_aqi({"air.unknown": 3}) is None


def test_o3_max_8h() -> None:
    hours: list[float | None] = [50.0] * 24
    hours[12:20] = [200.0] * 8
    assert o3_max_8h(hours) == 200.0
    sparse: list[float | None] = [None] * 24
    sparse[0:5] = [100.0] * 5
    assert o3_max_8h(sparse) is None  # no window with 6 valid hours

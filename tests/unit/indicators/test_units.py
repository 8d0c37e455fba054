"""Units: spellings, conversions, 万/亿 prefixes and Chinese quantities."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.errors import OntrackError
from services.indicators.units import (
    QuantityError,
    UnitError,
    convert,
    dimension,
    known_units,
    normalise_unit,
    parse_quantity,
)


@pytest.mark.parametrize(
    ("spelling", "canonical"),
    [
        ("ug/m3", "µg/m³"),
        ("µg/m³", "µg/m³"),
        ("μg/m³", "µg/m³"),  # Greek mu rather than the micro sign
        ("微克/立方米", "µg/m³"),
        ("UG/M3", "µg/m³"),
        ("ug/m^3", "µg/m³"),
        ("mg/m3", "mg/m³"),
        ("毫克/立方米", "mg/m³"),
        ("kw", "kW"),
        ("千瓦", "kW"),
        ("MW", "MW"),
        ("万千瓦", "万千瓦"),
        ("万kW", "万千瓦"),
        ("万 kW", "万千瓦"),
        ("kWh", "kWh"),
        ("千瓦时", "kWh"),
        ("亿千瓦时", "亿千瓦时"),
        ("亿kWh", "亿千瓦时"),
        ("吨", "t"),
        ("万吨", "万吨"),
        ("亿吨", "亿吨"),
        ("标准箱", "TEU"),
        ("万TEU", "万标准箱"),
        ("个", "stations"),
        ("万个", "万个"),
        ("条", "routes"),
        ("列", "trains"),
        ("台", "piles"),
        ("万台", "万台"),
        ("家", "enterprises"),
        ("firms", "firms"),
        ("人", "people"),
        ("万人", "万人"),
        ("人次", "passengers"),
        ("万人次", "万人次"),
        ("元", "CNY"),
        ("万元", "万元"),
        ("亿元", "亿元"),
        ("万亿元", "万亿元"),
        ("％", "%"),
        ("percent", "%"),
        ("天", "days"),
        ("吨/年", "t/yr"),
        ("万吨/年", "万吨/年"),
        ("t/a", "t/yr"),
        ("公里", "km"),
        ("亩", "mu"),
        ("万亩", "万亩"),
        ("岁", "years"),
        ("所", "institutions"),
        ("项", "items"),
        ("倍", "times"),
        ("件/万人", "per 10k people"),
        ("人/万人", "per 10k people"),
        ("个/千人", "per 1000 people"),
        ("平方米/人", "m²/person"),
    ],
)
def test_normalise_unit(spelling: str, canonical: str) -> None:
    assert normalise_unit(spelling) == canonical


@pytest.mark.parametrize(
    ("value", "unit", "to", "expected"),
    [
        (35, "µg/m³", "mg/m³", 0.035),
        (0.035, "mg/m³", "ug/m3", 35.0),
        (52, "万千瓦", "MW", 520.0),
        (520, "万千瓦", "kW", 5_200_000.0),
        (1100, "万kW", "GW", 11.0),
        (5.2, "GW", "kW", 5_200_000.0),
        (1, "亿千瓦时", "kWh", 1e8),
        (3, "GWh", "万千瓦时", 300.0),
        (6.7, "亿吨", "t", 670_000_000.0),
        (40, "万吨", "t", 400_000.0),
        (2600, "万标准箱", "TEU", 26_000_000.0),
        (220, "万TEU", "TEU", 2_200_000.0),
        (1, "FEU", "TEU", 2.0),
        (3.4, "万个", "stations", 34_000.0),
        (3.5, "万台", "piles", 35_000.0),
        (3000, "万人次", "passengers", 30_000_000.0),
        (300, "万人", "people", 3_000_000.0),
        (1.3, "万亿元", "CNY", 1.3e12),
        (2000, "亿元", "CNY", 2e11),
        (1, "万亿元", "亿元", 10_000.0),
        (1100, "万吨/年", "t/yr", 11_000_000.0),
        (11, "Mt/yr", "万吨/年", 1100.0),
        (5, "‰", "%", 0.5),
        (88.8, "%", "%", 88.8),
        (1, "家", "firms", 1.0),
        (430, "万亩", "mu", 4_300_000.0),
        (1, "公顷", "亩", 15.0),
        (1.7, "亿人次", "visits", 170_000_000.0),
        (4.5, "per 1000 people", "per 10k people", 45.0),
        (130, "家", "institutions", 130.0),
    ],
)
def test_convert(value: float, unit: str, to: str, expected: float) -> None:
    assert convert(value, unit, to) == pytest.approx(expected, rel=1e-12)


def test_powers_of_ten_convert_exactly() -> None:
    assert convert(35, "µg/m³", "mg/m³") == 0.035
    assert convert(2600, "万标准箱", "TEU") == 26_000_000.0


@pytest.mark.parametrize(
    ("unit", "to", "words"),
    [
        ("kW", "t", ['"kW" measures power', '"t"', "measures mass", "accepted: kg, t, kt, Mt"]),
        ("TEU", "stations", ["containers", "stations"]),
        ("people", "passengers", ["people", "passengers"]),
        ("mg/l", "µg/m³", ['unit "mg/l" is unknown', "accepted:", "µg/m³", "万kW"]),
        ("µg/m³", "bananas", ['unit "bananas" is unknown']),
        ("万", "kW", ['unit "万" is unknown']),
    ],
)
def test_convert_refuses_with_a_message_naming_unit_problem_and_accepted(
    unit: str, to: str, words: list[str]
) -> None:
    with pytest.raises(UnitError) as caught:
        convert(1, unit, to)
    for word in words:
        assert word in str(caught.value)


def test_unit_error_is_an_ontrack_error() -> None:
    assert issubclass(UnitError, OntrackError)
    assert issubclass(QuantityError, UnitError)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("6.7亿", 670_000_000.0),
        ("2600万", 26_000_000.0),
        ("1.3万亿", 1.3e12),
        ("3.4万", 34_000.0),
        ("520万", 5_200_000.0),
        ("2000亿", 2e11),
        ("100百万", 1e8),
        ("-1.5万", -15_000.0),
        ("35", 35.0),
        ("35.5", 35.5),
        (" 12 ", 12.0),
        ("1,234.5", 1234.5),
        ("1e3", 1000.0),
        (".5", 0.5),
        ("１２", 12.0),  # full-width digits
        (42, 42.0),
        (4.5, 4.5),
    ],
)
def test_parse_quantity(text: str | float, expected: float) -> None:
    assert parse_quantity(text) == expected


@pytest.mark.parametrize(
    "text",
    ["", "abc", "万", "1,23", "12kg", "1.2.3", "NaN", "inf", "1e999", "六万", "٣"],
)
def test_parse_quantity_refuses(text: str) -> None:
    with pytest.raises(QuantityError):
        parse_quantity(text)


@pytest.mark.parametrize("bad", [True, None, math.nan, math.inf, 10**400, [1]])
def test_parse_quantity_refuses_non_numbers(bad: object) -> None:
    with pytest.raises(QuantityError):
        parse_quantity(bad)  # type: ignore[arg-type]


@pytest.mark.parametrize("unit", known_units())
def test_every_unit_takes_a_chinese_multiplier(unit: str) -> None:
    assert convert(1, "万" + unit, unit) == 1e4
    assert convert(1, "亿" + unit, unit) == 1e8
    assert dimension("万" + unit) == dimension(unit)
    assert normalise_unit(normalise_unit("万" + unit)) == normalise_unit("万" + unit)


@given(
    st.floats(min_value=-1e12, max_value=1e12, allow_nan=False),
    st.sampled_from(["kW", "MW", "GW", "万千瓦", "千瓦", "万kW"]),
    st.sampled_from(["kW", "MW", "GW", "万千瓦"]),
)
def test_convert_round_trips(value: float, unit: str, to: str) -> None:
    assert convert(convert(value, unit, to), to, unit) == pytest.approx(value, rel=1e-12)

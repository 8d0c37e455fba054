"""Numbers as Chinese statistics and English write them: 万/亿, million/billion, no e-notation."""

from __future__ import annotations

import re

import pytest

from services.language import Language, number, percent, plain, quantity, signed, unit_label

ZH, EN = Language.ZH, Language.EN


@pytest.mark.parametrize(
    ("value", "unit", "zh", "en"),
    [
        (32_433_072, "TEU", "3,243万标准箱", "32.4 million TEU"),
        (725_623_690, "t", "7.26亿吨", "726 million tonnes"),
        (1.3e12, "CNY", "1.3万亿元", "1.3 trillion yuan"),
        (5_200_000, "kW", "520万千瓦", "5.2 million kW"),
        (36_006, "stations", "3.6万个", "36,006 stations"),
        (1_975_010, "TEU", "198万标准箱", "1.98 million TEU"),
        (99_995_000, "t", "1亿吨", "100 million tonnes"),  # 9,999.5万 rounds up a unit
        (9_999.7, "people", "1万人", "10,000 people"),
        (2_200, "trains", "2200列", "2,200 trains"),
        (98.4, "%", "98.4%", "98.4%"),
        (29.8, "µg/m³", "29.8微克/立方米", "29.8 µg/m³"),
        (30.0, "µg/m³", "30微克/立方米", "30 µg/m³"),
        (1.0, "days", "1天", "1 day"),
        (0.0, "days", "0天", "0 days"),
        (0.35, "", "0.35", "0.35"),
        (0.0035, "mg/m³", "0.0035毫克/立方米", "0.0035 mg/m³"),
        (-2_404.47, "stations", "-2404个", "-2,404 stations"),
        (1.207e6, "", "121万", "1.21 million"),
        (61.4, "AQI", "61.4", "61.4"),
        (7, "widgets", "7widgets", "7 widgets"),  # a unit the catalogue does not know
    ],
)
def test_quantities(value: float, unit: str, zh: str, en: str) -> None:
    assert quantity(value, unit, ZH) == zh
    assert quantity(value, unit, EN) == en


@pytest.mark.parametrize("value", [1e-9, 3.2e-5, 1.207e6, 4.4e15, 1e21, -7.5e11, 123456789.123])
@pytest.mark.parametrize("lang", [ZH, EN])
def test_never_scientific_notation(value: float, lang: Language) -> None:
    for text in (number(value, lang), plain(value), percent(value * 100)):
        assert not re.search(r"\d[eE][+-]?\d", text), text


def test_not_a_number_is_a_dash() -> None:
    assert number(float("nan"), ZH) == "—" and percent(float("inf")) == "—"


@pytest.mark.parametrize(
    ("value", "kw", "text"),
    [
        (12.44, {}, "12.4%"),
        (6.0, {"sign": True}, "+6.0%"),
        (-10.2, {"sign": True}, "-10.2%"),
        (-0.01, {"sign": True}, "+0.0%"),
        (27.4, {"places": 0}, "27%"),
    ],
)
def test_percent(value: float, kw: dict[str, object], text: str) -> None:
    assert percent(value, **kw) == text  # type: ignore[arg-type]


def test_signed_and_plain() -> None:
    assert signed(100.2, "stations", EN) == "+100 stations"
    assert signed(-13, "stations", ZH) == "-13个"
    assert plain(18_500_000.0) == "18500000" and plain(0.035) == "0.035" and plain(31.0) == "31"


def test_unit_labels() -> None:
    assert unit_label("TEU", ZH) == "标准箱" and unit_label("TEU", EN) == "TEU"
    assert unit_label("kWh", ZH) == "千瓦时" and unit_label("t", EN) == "tonnes"

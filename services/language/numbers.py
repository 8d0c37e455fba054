"""Numbers and quantities as people read them, never in scientific notation.

Chinese follows the way statistics are published: 万 (10⁴), 亿 (10⁸) and 万亿 (10¹²), the
unit right after the number (3,243万标准箱, 7.26亿吨, 98.4%). English uses million and
billion, with a space before the unit (32.4 million TEU, 726 million tonnes). Large values
keep three significant digits (never rounding away whole digits); small ones one or two
decimals; trailing zeros go.
"""

from __future__ import annotations

import math
from decimal import Decimal

from services.language.model import Language

__all__ = ["number", "percent", "plain", "quantity", "short_number", "signed", "unit_label"]

_ZH_SCALES = ((10**12, "万亿"), (10**8, "亿"), (10**4, "万"))
_EN_SCALES = ((10**12, " trillion"), (10**9, " billion"), (10**6, " million"))

# Units as each language writes them; units not listed are written as they are.
_UNITS: dict[str, tuple[str, str]] = {
    "t": ("tonnes", "吨"),
    "t/yr": ("tonnes/year", "吨/年"),
    "TEU": ("TEU", "标准箱"),
    "kW": ("kW", "千瓦"),
    "kWh": ("kWh", "千瓦时"),
    "CNY": ("yuan", "元"),
    "days": ("days", "天"),
    "people": ("people", "人"),
    "passengers": ("passengers", "人次"),
    "enterprises": ("enterprises", "家"),
    "firms": ("firms", "家"),
    "stations": ("stations", "个"),
    "piles": ("charging piles", "个"),
    "routes": ("routes", "条"),
    "trains": ("trains", "列"),
    "µg/m³": ("µg/m³", "微克/立方米"),
    "mg/m³": ("mg/m³", "毫克/立方米"),
    "AQI": ("", ""),
    "%": ("%", "%"),
    "cities": ("cities", "个"),
    "institutions": ("institutions", "家"),
    "projects": ("projects", "个"),
    "parks": ("parks", "个"),
    "visits": ("visits", "人次"),
    "km": ("km", "公里"),
    "mu": ("mu", "亩"),
    "m²/person": ("m²/person", "平方米/人"),
    "per 1000 people": ("per 1,000 people", "个/千人"),
    "per 10k people": ("per 10,000 people", "个/万人"),
    "times": ("times", "倍"),
    "years": ("years", "岁"),
    "coefficient": ("", ""),
}


def unit_label(unit: str, lang: Language) -> str:
    """A unit as ``lang`` writes it: ``TEU`` → 标准箱, ``t`` → tonnes."""
    found = _UNITS.get(unit)
    if found is None:
        return unit
    return found[1] if lang is Language.ZH else found[0]


def number(value: float, lang: Language) -> str:
    """``value`` for people: 3,243万, 7.26亿 (zh); 32.4 million, 36,006 (en); 29.8; 0.35."""
    if not math.isfinite(value):
        return "—"
    sign = "-" if value < 0 else ""
    a = abs(value)
    scales = _ZH_SCALES if lang is Language.ZH else _EN_SCALES
    step = 10**4 if lang is Language.ZH else 10**3
    for index, (size, word) in enumerate(scales):
        if a < size:
            continue
        text = _significant(a / size)
        if index > 0 and _value(text) >= step:  # 9,999.6万 rounds to 1亿
            size, word = scales[index - 1]
            text = _significant(a / size)
        return f"{sign}{text}{word}"
    text = _small(a, separators=lang is Language.EN)
    if lang is Language.ZH and _value(text) >= 10**4:  # 9,999.7 rounds to 1万
        return f"{sign}1万"
    if lang is Language.EN and _value(text) >= 10**6:
        return f"{sign}1 million"
    return sign + text if text != "0" else "0"


# English units whose one is spelled otherwise: 1 day, 1 station.
_SINGULAR = {
    "days": "day", "stations": "station", "routes": "route", "trains": "train",
    "passengers": "passenger", "enterprises": "enterprise", "firms": "firm",
    "charging piles": "charging pile", "tonnes": "tonne", "cities": "city",
    "institutions": "institution", "projects": "project", "parks": "park", "visits": "visit",
    "years": "year",
}  # fmt: skip


def short_number(value: float, lang: Language) -> str:
    """``number`` for a chart's axis: 32.4M and 7.26B in English (万/亿 are short already)."""
    text = number(value, lang)
    for word, letter in ((" trillion", "T"), (" billion", "B"), (" million", "M")):
        text = text.replace(word, letter)
    return text


def quantity(value: float, unit: str, lang: Language) -> str:
    """A number with its unit: 3,243万标准箱, 98.4% (zh); 32.4 million TEU, 98.4% (en)."""
    shown = unit_label(unit, lang)
    text = number(value, lang)
    if not shown:
        return text
    if lang is Language.EN and text in ("1", "-1"):
        shown = _SINGULAR.get(shown, shown)
    if shown == "%" or lang is Language.ZH:
        return f"{text}{shown}"
    return f"{text} {shown}"


def signed(value: float, unit: str, lang: Language) -> str:
    """A change with its sign: +1.2万个, -3.5%, +120 stations."""
    text = quantity(value, unit, lang)
    return text if text.startswith("-") or text == "—" else f"+{text}"


def percent(value: float, *, places: int = 1, sign: bool = False) -> str:
    """A percentage as written in both languages: 12.4%, +10.8% (``value`` in percent)."""
    if not math.isfinite(value):
        return "—"
    text = f"{value:.{places}f}"
    if float(text) == 0:
        text = text.lstrip("-")
    return f"+{text}%" if sign and not text.startswith("-") else f"{text}%"


def plain(value: float) -> str:
    """A stored value exactly, in positional notation: 18500000, 0.035, 31."""
    if not math.isfinite(value):
        return str(value)
    return _trim(format(Decimal(repr(float(value))), "f"))


def _significant(q: float, digits: int = 3) -> str:
    """``q`` (≥ 1) with ``digits`` significant digits but every whole digit, separators."""
    whole = len(str(int(q)))
    places = max(0, digits - whole)
    return _trim(f"{q:,.{places}f}")


def _small(a: float, *, separators: bool) -> str:
    if a == 0:
        return "0"
    if a >= 100:
        places = 0
    elif a >= 10:
        places = 1
    elif a >= 0.01:
        places = 2
    else:  # two significant digits of a small share, at most 6 places
        places = min(6, 1 - math.floor(math.log10(a)))
    text = f"{a:,.{places}f}" if separators else f"{a:.{places}f}"
    return _trim(text)


def _trim(text: str) -> str:
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def _value(text: str) -> float:
    return float(text.replace(",", ""))

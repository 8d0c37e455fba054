"""Units of measure, their spellings, conversions and Chinese quantities (万, 亿).

Every unit belongs to a dimension (concentration, power, mass, ...) and has a factor to
the dimension's base unit. Any known unit may carry a Chinese multiplier prefix: "万X" is
10⁴ X and "亿X" is 10⁸ X (also 十万, 百万, 千万, 万亿), so "万千瓦", "万kW", "亿千瓦时",
"万标准箱" and "万吨/年" all work without being listed; their canonical spelling is the
one the plans use (万千瓦, 万标准箱, 亿元). Spellings are matched case-insensitively after
Unicode NFKC folding, so "MW" and "mw" are the same unit.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from services.errors import OntrackError

__all__ = [
    "MULTIPLIERS",
    "QUANTITY_PATTERN",
    "QuantityError",
    "UnitError",
    "convert",
    "converter",
    "dimension",
    "known_units",
    "normalise_unit",
    "parse_quantity",
    "quantity_from_match",
]


class UnitError(OntrackError):
    """A unit is unknown, or cannot be converted to the unit asked for."""


class QuantityError(UnitError):
    """A text is not a number (optionally with 万/亿)."""


MULTIPLIERS: dict[str, int] = {
    "万亿": 10**12,
    "千万": 10**7,
    "百万": 10**6,
    "十万": 10**5,
    "亿": 10**8,
    "万": 10**4,
}
_PREFIXES = tuple(sorted(MULTIPLIERS, key=len, reverse=True))

# Decimal digits only ([0-9], not any Unicode digit): the same text is used by the JSON Schema.
QUANTITY_PATTERN = (
    r"^[+-]?(?:(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]*)?|\.[0-9]+)"
    r"(?:[eE][+-]?[0-9]+)?(?:万亿|千万|百万|十万|亿|万)?$"
)
_QUANTITY_RE = re.compile(QUANTITY_PATTERN)


@dataclass(frozen=True, slots=True)
class _Unit:
    symbol: str  # canonical spelling
    dimension: str
    factor: float  # how many base units of the dimension one of this is
    counted_as: str  # the spelling after a 万/亿 prefix, as the plans write it (万千瓦)


# (canonical symbol, dimension, factor to the dimension's base, other spellings); when a
# unit has a Chinese spelling, the first one is the one used after a prefix (万千瓦, 亿元).
_TABLE: tuple[tuple[str, str, float, tuple[str, ...]], ...] = (
    ("µg/m³", "concentration", 1.0, ("微克/立方米", "ug/m3", "μg/m³", "µg/m3", "mcg/m3")),
    ("mg/m³", "concentration", 1e3, ("毫克/立方米", "mg/m3")),
    ("ng/m³", "concentration", 1e-3, ("纳克/立方米", "ng/m3")),
    ("W", "power", 1e-3, ("瓦",)),
    ("kW", "power", 1.0, ("千瓦",)),
    ("MW", "power", 1e3, ("兆瓦",)),
    ("GW", "power", 1e6, ("吉瓦", "gigawatt")),
    ("kWh", "energy", 1.0, ("千瓦时", "kw·h", "kw.h", "度")),
    ("MWh", "energy", 1e3, ("兆瓦时", "mw·h")),
    ("GWh", "energy", 1e6, ("吉瓦时", "gw·h")),
    ("TWh", "energy", 1e9, ("太瓦时", "tw·h")),
    ("kg", "mass", 1e-3, ("千克", "公斤")),
    ("t", "mass", 1.0, ("吨", "tonne", "tonnes", "ton", "tons")),
    ("kt", "mass", 1e3, ("千吨",)),
    ("Mt", "mass", 1e6, ("megatonne", "megatonnes")),
    ("t/yr", "mass rate", 1.0, ("吨/年", "t/a", "t/year", "tpa")),
    ("Mt/yr", "mass rate", 1e6, ("mt/a", "mt/year", "mtpa")),
    ("TEU", "containers", 1.0, ("标准箱", "标箱")),
    ("FEU", "containers", 2.0, ()),
    ("stations", "stations", 1.0, ("个", "station", "座", "base stations")),
    ("routes", "routes", 1.0, ("条", "route")),
    ("trains", "trains", 1.0, ("列", "train")),
    ("piles", "piles", 1.0, ("台", "pile", "chargers", "charging piles")),
    ("enterprises", "organisations", 1.0, ("家", "enterprise", "companies", "company")),
    ("firms", "organisations", 1.0, ("firm",)),
    ("institutions", "organisations", 1.0, ("所", "institution", "schools", "hospitals")),
    ("people", "people", 1.0, ("人", "person", "persons")),
    ("passengers", "person-trips", 1.0, ("人次", "passenger", "pax")),
    ("visits", "person-trips", 1.0, ("visit", "tourist visits")),
    ("CNY", "money", 1.0, ("元", "yuan", "rmb", "¥")),
    ("%", "ratio", 1.0, ("percent", "pct", "百分比")),
    ("‰", "ratio", 0.1, ("permille", "千分比")),
    ("times", "multiple", 1.0, ("倍",)),
    ("coefficient", "multiple", 1.0, ("系数",)),
    ("per 10k people", "per population", 1.0, ("/万人", "每万人", "件/万人", "人/万人")),
    ("per 1000 people", "per population", 10.0, ("/千人", "每千人", "个/千人")),
    ("days", "time", 1.0, ("天", "day", "d", "日")),
    ("years", "age", 1.0, ("岁", "year", "yr")),
    ("AQI", "index", 1.0, ("指数", "index")),
    ("km", "length", 1.0, ("公里", "千米", "kilometre", "kilometres")),
    ("m²/person", "area per person", 1.0, ("平方米/人", "m2/person", "m²/capita")),
    ("mu", "land area", 1.0, ("亩",)),
    ("ha", "land area", 15.0, ("公顷", "hectare", "hectares")),
    ("items", "items", 1.0, ("项", "件", "item")),
    ("projects", "items", 1.0, ("project",)),
    ("cities", "places", 1.0, ("city",)),
    ("parks", "places", 1.0, ("park",)),
)


def _key(spelling: str) -> str:
    """Fold a spelling for lookup: NFKC (µ→μ, ³→3, ％→%), μ→u, lower case, no spaces."""
    folded = unicodedata.normalize("NFKC", spelling).replace("μ", "u").lower()
    return "".join(folded.split()).replace("^", "")


def _counted_as(symbol: str, aliases: tuple[str, ...]) -> str:
    chinese = [a for a in aliases if any("\u4e00" <= ch <= "\u9fff" for ch in a)]
    return chinese[0] if chinese else symbol


def _build() -> dict[str, _Unit]:
    units: dict[str, _Unit] = {}
    for symbol, dim, factor, aliases in _TABLE:
        unit = _Unit(symbol, dim, factor, _counted_as(symbol, aliases))
        for spelling in (symbol, *aliases):
            if units.setdefault(_key(spelling), unit) is not unit:
                raise UnitError(f"unit spelling {spelling!r} is listed twice")
    return units


_UNITS = _build()
_BASE_SYMBOLS = tuple(symbol for symbol, *_ in _TABLE)


def known_units() -> tuple[str, ...]:
    """The canonical spellings of the units known without a 万/亿 prefix."""
    return _BASE_SYMBOLS


def _unknown(unit: str) -> UnitError:
    return UnitError(
        f'unit "{unit}" is unknown (accepted: {", ".join(_BASE_SYMBOLS)}; '
        "each may carry 万 or 亿, e.g. 万kW)"
    )


@lru_cache(maxsize=2048)
def _lookup(unit: str) -> _Unit:
    if not isinstance(unit, str):
        raise UnitError(f"unit {unit!r} is not a string; send a unit such as µg/m³ or 万kW")
    key = _key(unit)
    found = _UNITS.get(key)
    if found is not None:
        return found
    for prefix in _PREFIXES:
        if key.startswith(prefix) and key[len(prefix) :] in _UNITS:
            base = _UNITS[key[len(prefix) :]]
            symbol = prefix + base.counted_as
            return _Unit(symbol, base.dimension, base.factor * MULTIPLIERS[prefix], symbol)
    raise _unknown(unit)


def normalise_unit(unit: str) -> str:
    """The canonical spelling of ``unit``: "ug/m3" → "µg/m³", "万kW" → "万千瓦"."""
    return _lookup(unit).symbol


def dimension(unit: str) -> str:
    """What ``unit`` measures, e.g. "power" for 万千瓦."""
    return _lookup(unit).dimension


def _same_dimension(dim: str) -> str:
    return ", ".join(s for s, d, *_ in _TABLE if d == dim)


def _identity(value: float) -> float:
    return value


@lru_cache(maxsize=2048)
def converter(unit: str, to: str) -> Callable[[float], float]:
    """A function converting values in ``unit`` to ``to``; raises UnitError if incompatible."""
    src, dst = _lookup(unit), _lookup(to)
    if src.dimension != dst.dimension:
        raise UnitError(
            f'unit "{unit}" measures {src.dimension} and cannot be converted to "{to}", '
            f"which measures {dst.dimension} (accepted: {_same_dimension(dst.dimension)}, "
            "with or without 万/亿)"
        )
    if src.factor == dst.factor:
        return _identity
    # Multiply or divide by a ratio ≥ 1, so powers of ten convert exactly (35 µg → 0.035 mg).
    if src.factor > dst.factor:
        ratio = src.factor / dst.factor
        return lambda value: value * ratio
    ratio = dst.factor / src.factor
    return lambda value: value / ratio


def convert(value: float, unit: str, to: str) -> float:
    """Convert ``value`` from ``unit`` to ``to``: convert(52, "万千瓦", "MW") == 520.0."""
    return converter(unit, to)(value)


def parse_quantity(text: str | float | int) -> float:
    """A number from a plain number or a Chinese form: "6.7亿" → 6.7e8, "1.3万亿" → 1.3e12."""
    if isinstance(text, bool) or not isinstance(text, str | int | float):
        raise QuantityError(f"{text!r} is not a number; send e.g. 2600, 2600万 or 6.7亿")
    if isinstance(text, str):
        return _parse_text(text)
    try:
        number = float(text)
    except OverflowError:
        number = math.inf
    if not math.isfinite(number):
        raise QuantityError(f"{text!r} is not a finite number; send a real measurement")
    return number


def _parse_text(text: str) -> float:
    stripped = unicodedata.normalize("NFKC", text).strip()
    match = _QUANTITY_RE.match(stripped)
    if match is None:
        raise QuantityError(
            f'"{text}" is not a number; send digits with an optional 万, 亿 or 万亿, '
            "e.g. 2600, 1,234.5, 2600万, 6.7亿"
        )
    return quantity_from_match(stripped)


def quantity_from_match(text: str) -> float:
    """The value of a text already known to match QUANTITY_PATTERN (raises if not finite)."""
    text = text.strip()
    digits, scale = text, 1
    for prefix in _PREFIXES:
        if text.endswith(prefix):
            digits, scale = text[: -len(prefix)], MULTIPLIERS[prefix]
            break
    try:
        if scale == 1 and "," not in digits:
            number = float(digits)
        else:  # exact decimal scaling: "6.7亿" is 670000000, not 670000000.0000001
            number = float(Decimal(digits.replace(",", "")) * scale)
    except (ArithmeticError, ValueError) as exc:  # decimal.Overflow and kin are Arithmetic
        raise QuantityError(f'"{text}" is not a finite number') from exc
    if not math.isfinite(number):
        raise QuantityError(f'"{text}" is too large to be a measurement')
    return number

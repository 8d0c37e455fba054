"""Durations as rule files write them: ``30m``, ``1h30m``, ``14d``, ISO-8601 ``P14D``."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import timedelta

from services.alerts.rules.errors import DurationError

__all__ = ["format_duration", "parse_duration", "spell_duration"]

_UNITS = {
    "ms": timedelta(milliseconds=1),
    "s": timedelta(seconds=1),
    "m": timedelta(minutes=1),
    "h": timedelta(hours=1),
    "d": timedelta(days=1),
    "w": timedelta(weeks=1),
}
_SHORT = re.compile(r"(?:[0-9]+(?:\.[0-9]+)?(?:ms|s|m|h|d|w))+")
_SHORT_PART = re.compile(r"([0-9]+(?:\.[0-9]+)?)(ms|s|m|h|d|w)")
_ISO = re.compile(
    r"P(?:(?P<w>[0-9]+)W)?(?:(?P<d>[0-9]+)D)?"
    r"(?:T(?=[0-9])(?:(?P<h>[0-9]+)H)?(?:(?P<m>[0-9]+)M)?(?:(?P<s>[0-9]+(?:\.[0-9]+)?)S)?)?"
)
_DURATION_FIX = "write a duration such as 30m, 1h, 14d, 1h30m or ISO-8601 P14D / PT1H"


def parse_duration(text: str | timedelta) -> timedelta:
    """Read ``30m``, ``1h``, ``14d``, ``2w``, ``1h30m``, ``500ms`` or ISO-8601 ``P14D``/``PT1H``.

    Months and years are refused: they have no fixed length.
    """
    if isinstance(text, timedelta):
        return text
    value = text.strip()
    if _SHORT.fullmatch(value):
        parts = _SHORT_PART.findall(value)
        return sum((float(n) * _UNITS[unit] for n, unit in parts), timedelta(0))
    match = _ISO.fullmatch(value)
    if match and value != "P":
        weeks, days, hours, minutes, seconds = (float(g or 0) for g in match.group(*"wdhms"))
        return timedelta(weeks=weeks, days=days, hours=hours, minutes=minutes, seconds=seconds)
    if re.fullmatch(r"P(?:[0-9]+[YM])+.*", value):
        raise DurationError(f"{text!r}: months and years have no fixed length", "write days: P30D")
    raise DurationError(f"{text!r} is not a duration", _DURATION_FIX)


def spell_duration(amount: int, units: Sequence[tuple[str, int]]) -> str:
    """``amount`` (of the last unit) spelled in the largest ``units`` first: ``1h30m``."""
    sign, amount = ("-", -amount) if amount < 0 else ("", amount)
    parts = []
    for unit, size in units:
        count, amount = divmod(amount, size)
        if count:
            parts.append(f"{count}{unit}")
    return sign + ("".join(parts) or "0s")


def format_duration(delta: timedelta) -> str:
    """Write a duration the way rule files do: ``14d``, ``1h30m``, ``45s``, ``0s``."""
    return spell_duration(round(delta.total_seconds() * 1000), _FORMAT_UNITS)


_FORMAT_UNITS = tuple(
    (unit, round(_UNITS[unit].total_seconds() * 1000)) for unit in ("d", "h", "m", "s", "ms")
)

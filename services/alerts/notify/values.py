"""Values read from an alert's explanation, safely: whatever is missing or of another type
is None (an explanation is JSON the engine wrote, perhaps by an older or newer version)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from services.alerts.rules import DurationError, parse_duration
from services.language import Language, duration, percent

__all__ = ["as_date", "as_map", "as_number", "as_time", "probability", "spelled"]


def as_map(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def as_number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def probability(p: float) -> str:
    """27%; below 1 % as <1% (never 0.004%, never 4.4e-05)."""
    if 0 < p < 0.005:
        return "<1%"
    if 0.995 < p < 1:
        return ">99%"
    return percent(p * 100, places=0)


def as_date(value: Any) -> date | None:
    if isinstance(value, date):
        return value if not isinstance(value, datetime) else value.date()
    try:
        return date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def as_time(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value if value.utcoffset() is not None else None
    try:
        found = datetime.fromisoformat(str(value)) if value else None
    except ValueError:
        return None
    return found if found is not None and found.utcoffset() is not None else None


def spelled(value: Any, lang: Language) -> str:
    """A rule's or feed's duration (``1h``, ``31d``) in days and hours."""
    if not value:
        return ""
    try:
        return duration(parse_duration(str(value)), lang)
    except DurationError:
        return str(value)

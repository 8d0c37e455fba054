"""What every simulated feed is made of: a reading as a provider sends it, when it was
published, the report instants of each cadence, and noise that depends on nothing but
the report it belongs to (so every replay, whatever its step, sends the same values)."""

from __future__ import annotations

import calendar
import random
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from services.indicators.city import CITY_TZ_NAME

__all__ = [
    "CST",
    "START",
    "Feed",
    "days",
    "gauss",
    "interpolate",
    "month_ends",
    "reading",
    "stamped",
    "year_end",
]

CST = ZoneInfo(CITY_TZ_NAME)
START = datetime(2023, 1, 1, tzinfo=CST)


@dataclass(frozen=True, slots=True)
class Feed:
    """One reading as ``provider`` sends it, pushed when it was published (``at``): a
    month's statistics some days after the month, a year's in the spring after it."""

    provider: str
    reading: dict[str, object]
    at: datetime


def reading(
    indicator: str,
    source: str,
    ts: datetime,
    value: float,
    unit: str,
    labels: dict[str, str] | None = None,
    region: str | None = None,
) -> dict[str, object]:
    """A reading in the provider format (docs/providers.md), labelled as simulated."""
    out: dict[str, object] = {
        "indicator": indicator,
        "source": source,
        "ts": ts.isoformat(),
        "value": round(value, 3),
        "unit": unit,
        "labels": {"simulated": "true", **(labels or {})},
    }
    if region is not None:
        out["region"] = region
    return out


def gauss(*key: object) -> float:
    """A standard normal draw fixed by ``key`` (the series and the instant it reports)."""
    seed = zlib.crc32("|".join(str(k) for k in key).encode())
    return random.Random(seed).gauss(0.0, 1.0)


def days(start: datetime, end: datetime) -> Iterator[datetime]:
    """Local midnights in [start, end)."""
    d = datetime.combine(start.astimezone(CST).date(), datetime.min.time(), CST)
    if d < start:
        d += timedelta(days=1)
    while d < end:
        yield d
        d += timedelta(days=1)


def stamped(start: datetime, end: datetime, at: timedelta) -> Iterator[datetime]:
    """The days whose report, stamped ``at`` after midnight, falls within [start, end)."""
    return days(start - at, end - at)


def month_ends(start: datetime, end: datetime, every: int = 1) -> Iterator[datetime]:
    """Report instants (the period's last day, 23:00 local) of months, quarters
    (``every=3``) or years (``every=12``) that end within [start, end)."""
    at = timedelta(hours=23)
    for d in stamped(start, end, at):
        if (d + timedelta(days=1)).day == 1 and d.month % every == 0:
            yield d + at


def year_end(year: int) -> datetime:
    """The instant a year's figure describes: 31 December, 23:00 local."""
    return datetime(year, 12, 31, 23, tzinfo=CST)


def interpolate(points: Sequence[tuple[date, float]], day: date, *, step: bool = False) -> float:
    """The level at ``day`` between dated anchors: linear, or (``step``) the last anchor's
    value — lines and routes open on a date, counts of things built grow in between."""
    if day <= points[0][0]:
        return points[0][1]
    for (d0, v0), (d1, v1) in zip(points, points[1:], strict=False):
        if day < d1:
            if step:
                return v0
            return v0 + (v1 - v0) * (day - d0).days / (d1 - d0).days
    return points[-1][1]


def month_days(year: int, month: int) -> int:
    return calendar.monthrange(year, month)[1]

"""The data a target is judged on, read back from TimescaleDB for the dashboards: the
city's rollups (each station's valid days for a mean of hourly measurements) or the AQI
day flags, shaped as the alert engine shapes them (services.alerts.snapshot) — as of now
or as of any instant, from what had been stored by then. Publishing resolves baselines
from it; the tests hold the charts' SQL to the engine with it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from types import MappingProxyType
from typing import cast
from zoneinfo import ZoneInfo

from psycopg import AsyncConnection

from services.alerts.engine import Bucket
from services.alerts.snapshot import AQI_FLAGS, city_days, coverage_of, flag_data, target_data
from services.indicators.catalogue import Indicator
from services.indicators.city import CITY_TZ_NAME
from services.indicators.plans import Target
from services.indicators.target_data import TargetData, month_index, month_start

__all__ = ["StoredData", "load_stored_data", "load_target_data"]

_BUCKETS = """
SELECT width, bucket, count, sum, min, max, mean, last, last_ts
FROM city_rollups
WHERE indicator = %s AND width IN ('day', 'month')
ORDER BY width, bucket
"""

_STATION_DAYS = """
SELECT source, bucket, count, sum, min, max, mean, last, last_ts
FROM rollups
WHERE indicator = %s AND width = 'day' AND source <> '*'
ORDER BY source, bucket
"""

_FLAGS = """
SELECT day, good, heavy FROM air_quality_days WHERE scope = 'city' ORDER BY day
"""


def _no_stations() -> Mapping[str, Sequence[Bucket]]:
    return MappingProxyType({})


@dataclass(frozen=True, slots=True)
class StoredData:
    """What TimescaleDB holds of a city target's indicator: the city's day and month
    rollups, each station's day rollups (for a mean of hourly values) or the city's AQI
    day flags (good-air and heavy-pollution days)."""

    target: Target
    indicator: Indicator
    day: Sequence[Bucket] = ()
    month: Sequence[Bucket] = ()
    stations: Mapping[str, Sequence[Bucket]] = field(default_factory=_no_stations)
    flags: Sequence[tuple[date, bool]] | None = None
    tz: str = CITY_TZ_NAME

    def as_of(self, at: datetime | None = None) -> TargetData:
        """The data the target is judged on, shaped as the alert engine shapes it (valid
        days of hourly measurements, the coverage a year needs), from what had been
        stored by ``at``: the days begun and the months ended by then (all when None)."""
        t, ind = self.target, self.indicator
        cadence, coverage = ind.cadence_max, coverage_of(t, ind)
        if self.flags is not None:
            zone = ZoneInfo(self.tz)
            days = [(d, f) for d, f in self.flags if at is None or _midnight(d, zone) <= at]
            last = _midnight(days[-1][0], zone) if days else None
            return flag_data(t, days, self.tz, last, cadence=cadence, coverage=coverage)
        day = [b for b in self.day if at is None or b.at <= at]
        month = [b for b in self.month if at is None or month_start(month_index(b.at) + 1) <= at]
        stations = {
            s: [b for b in buckets if at is None or b.at <= at]
            for s, buckets in self.stations.items()
        }
        seen = max((b.last_ts for b in day[-1:]), default=None)
        judged = city_days(t, ind, day, stations)
        return target_data(t, judged, month, seen, cadence=cadence, coverage=coverage)


def _midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(), zone)


async def load_stored_data(
    conn: AsyncConnection[tuple[object, ...]],
    target: Target,
    indicator: Indicator,
    tz: str = CITY_TZ_NAME,
) -> StoredData:
    """Everything stored that ``target`` (city scope) is judged on."""
    flag = AQI_FLAGS.get(target.indicator)
    if flag is not None:
        cur = await conn.execute(_FLAGS)
        days = [
            (cast(date, d), bool(good if flag == "good" else heavy))
            for d, good, heavy in await cur.fetchall()
        ]
        return StoredData(target, indicator, flags=days, tz=tz)
    cur = await conn.execute(_BUCKETS, [target.indicator])
    widths: dict[str, list[Bucket]] = {"day": [], "month": []}
    for width, *row in await cur.fetchall():
        widths[str(width)].append(Bucket(*row))  # type: ignore[arg-type]
    stations: dict[str, list[Bucket]] = {}
    if target.kind == "level-mean":  # a mean of hourly values rests on valid days only
        cur = await conn.execute(_STATION_DAYS, [target.indicator])
        for source, *row in await cur.fetchall():
            stations.setdefault(str(source), []).append(Bucket(*row))  # type: ignore[arg-type]
    return StoredData(target, indicator, widths["day"], widths["month"], stations, tz=tz)


async def load_target_data(
    conn: AsyncConnection[tuple[object, ...]],
    target: Target,
    indicator: Indicator,
    tz: str = CITY_TZ_NAME,
) -> TargetData:
    """The city data a target is judged on, shaped as the alert engine shapes it."""
    return (await load_stored_data(conn, target, indicator, tz)).as_of()

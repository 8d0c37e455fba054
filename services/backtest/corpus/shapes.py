"""Histories as providers would send them: hourly stations, daily and monthly flows,
monthly stocks and ratios, with seasons, weekly cycles, noise and arrival delays.

Every generator takes a seeded ``Random`` and returns provider-format records with
``received_at``; values are in the indicator's canonical unit.
"""

from __future__ import annotations

import calendar
import math
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime, time, timedelta
from random import Random

from services.backtest.corpus.model import Record
from services.indicators.city import CITY_TZ

__all__ = [
    "PM25_SEASON",
    "TEU_SEASON",
    "air_hourly",
    "daily_flow",
    "days",
    "local",
    "month_end",
    "monthly_flow",
    "monthly_series",
    "months",
    "scale_year",
]

# Relative monthly level of PM2.5 in a northern coastal city: heating season and winter
# inversions, clean late summer (mean 1 over the year).
PM25_SEASON = (1.6, 1.35, 1.15, 0.95, 0.85, 0.75, 0.6, 0.55, 0.6, 0.8, 1.1, 1.45)
# Share of a year's containers per month: the Spring Festival dip in January and February.
TEU_SEASON = (0.080, 0.066, 0.084, 0.084, 0.086, 0.085, 0.087, 0.087, 0.086, 0.085, 0.087, 0.093)
_WEEKDAY = (1.04, 1.04, 1.04, 1.04, 1.04, 0.92, 0.88)  # Monday … Sunday, mean 1


def local(d: date, hour: int = 0) -> datetime:
    return datetime.combine(d, time(hour), CITY_TZ)


def days(start: date, end: date) -> list[date]:
    """Every day in [start, end)."""
    return [start + timedelta(days=i) for i in range((end - start).days)]


def months(start: date, end: date) -> list[tuple[int, int]]:
    """(year, month) of every month starting in [start, end)."""
    out = []
    y, m = start.year, start.month
    while date(y, m, 1) < end:
        out.append((y, m))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def month_end(y: int, m: int) -> datetime:
    """The instant a monthly report describes: the month's last day, 23:00 local."""
    return local(date(y, m, calendar.monthrange(y, m)[1]), 23)


def _record(
    indicator: str, ts: datetime, value: float, unit: str, source: str, received: datetime
) -> Record:
    return {
        "indicator": indicator,
        "ts": ts.isoformat(),
        "value": round(value, 3),
        "unit": unit,
        "source": source,
        "received_at": received.isoformat(),
    }


def air_hourly(
    rng: Random,
    *,
    stations: Mapping[str, float],
    start: date,
    end: date,
    level: Callable[[date], float],
    silent: Callable[[str, datetime], bool] = lambda _s, _t: False,
    indicator: str = "air.pm25",
    lag: timedelta = timedelta(minutes=40),
) -> list[Record]:
    """Hourly concentrations per station: the city's level of the day × the station's
    factor × a daily cycle × a persistent day-to-day weather factor × hourly noise."""
    out: list[Record] = []
    weather = dict.fromkeys(stations, 0.0)
    for d in days(start, end):
        base = level(d)
        for station, factor in stations.items():
            weather[station] = 0.6 * weather[station] + rng.gauss(0.0, 0.28)
            day_level = base * factor * math.exp(weather[station] - 0.1)
            for h in range(24):
                ts = local(d, h)
                if silent(station, ts):
                    continue
                cycle = 1.0 + 0.15 * math.cos(2 * math.pi * (h - 9) / 24)
                value = max(1.0, day_level * cycle * math.exp(rng.gauss(0.0, 0.15)))
                out.append(_record(indicator, ts, value, "µg/m³", station, ts + lag))
    return out


def daily_flow(
    rng: Random,
    *,
    indicator: str,
    unit: str,
    source: str,
    start: date,
    end: date,
    annual: Callable[[int], float],
    season: Sequence[float],
    factor: Callable[[date], float] = lambda _d: 1.0,
    noise: float = 0.05,
    lag: timedelta = timedelta(hours=10),
    missing: Callable[[date], bool] = lambda _d: False,
) -> list[Record]:
    """A day's total, stamped at the day's last second: the year's amount shared by month,
    then by day of the week, times ``factor(day)`` (drifts) and noise."""
    out: list[Record] = []
    for d in days(start, end):
        if missing(d):
            continue
        per_day = annual(d.year) * season[d.month - 1] / calendar.monthrange(d.year, d.month)[1]
        value = per_day * _WEEKDAY[d.weekday()] * factor(d) * (1.0 + rng.gauss(0.0, noise))
        ts = local(d, 23) + timedelta(minutes=59, seconds=59)
        out.append(_record(indicator, ts, max(0.0, value), unit, source, ts + lag))
    return out


def monthly_flow(
    rng: Random,
    *,
    indicator: str,
    unit: str,
    source: str,
    start: date,
    end: date,
    annual: Callable[[int], float],
    season: Sequence[float],
    factor: Callable[[date], float] = lambda _d: 1.0,
    noise: float = 0.03,
    lag: timedelta = timedelta(days=10),
    missing: Callable[[date], bool] = lambda _d: False,
) -> list[Record]:
    """A month's total, reported ``lag`` after the month's end."""
    out: list[Record] = []
    for y, m in months(start, end):
        first = date(y, m, 1)
        if missing(first):
            continue
        value = annual(y) * season[m - 1] * factor(first) * (1.0 + rng.gauss(0.0, noise))
        ts = month_end(y, m)
        out.append(_record(indicator, ts, max(0.0, value), unit, source, ts + lag))
    return out


def monthly_series(
    rng: Random,
    *,
    indicator: str,
    unit: str,
    source: str,
    start: date,
    end: date,
    value: Callable[[date], float],
    noise: float = 0.0,
    lag: timedelta = timedelta(days=5),
    missing: Callable[[date], bool] = lambda _d: False,
    whole: bool = False,
) -> list[Record]:
    """A level reported at each month's end (a stock's total, a capacity, a share)."""
    out: list[Record] = []
    for y, m in months(start, end):
        first = date(y, m, 1)
        if missing(first):
            continue
        v = value(first) * (1.0 + rng.gauss(0.0, noise))
        ts = month_end(y, m)
        out.append(_record(indicator, ts, round(v) if whole else v, unit, source, ts + lag))
    return out


def scale_year(records: Sequence[Record], year: int, total: float) -> list[Record]:
    """The records with the values stamped in ``year`` scaled so that they add up to
    ``total`` (a flow whose final outcome the scenario fixes exactly)."""
    prefix = str(year)
    have = sum(float(str(r["value"])) for r in records if str(r["ts"]).startswith(prefix))
    k = total / have if have else 1.0
    return [
        {**r, "value": round(float(str(r["value"])) * k, 3)}
        if str(r["ts"]).startswith(prefix)
        else r
        for r in records
    ]

"""Hourly PM2.5 at twelve stations of the environment monitoring centre: a daily cycle,
the winter heating season, the January 2025 episode and the Pingdu station falling silent."""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from datetime import datetime, timedelta

from services.demo.simulate.base import CST, Feed, reading
from services.demo.simulate.script import story

__all__ = ["ANNUAL_PM25", "EPISODE", "SILENT_FROM", "SILENT_STATION", "STATIONS", "air"]

PROVIDER = "environment-centre"
STATIONS = {  # station → relative level (coastal stations cleaner than inland ones)
    "qd-shinan-1": 0.86, "qd-shibei-1": 1.00, "qd-licang-1": 1.05, "qd-laoshan-1": 0.82,
    "qd-chengyang-1": 1.12, "qd-huangdao-1": 0.95, "qd-jimo-1": 1.08, "qd-jiaozhou-1": 1.15,
    "qd-pingdu-1": 1.18, "qd-laixi-1": 1.10, "qd-xihai-1": 0.90, "qd-hongdao-1": 1.02,
}  # fmt: skip
SILENT_STATION = "qd-pingdu-1"
_SILENT = story(f"air.pm25/{SILENT_STATION}")
SILENT_FROM = datetime.combine(_SILENT.onset, datetime.min.time(), CST)
_EPISODE = story("air.pm25.2025")
assert _EPISODE.until is not None
EPISODE = (
    datetime.combine(_EPISODE.onset, datetime.min.time(), CST),
    datetime.combine(_EPISODE.until, datetime.min.time(), CST),
)
# The level of each year, before the stations' spread and the weather's noise (which add
# about 5 %): under the plan's 30 µg/m³ every year, the episode included.
ANNUAL_PM25 = {2023: 27.5, 2024: 26.5, 2025: 24.5, 2026: 24.0}
# The episode's week: the city's daily mean near 170 µg/m³, heavy pollution (AQI over 200).
EPISODE_FACTOR = 4.6


def _seasonal(t: datetime) -> float:
    doy = t.timetuple().tm_yday
    winter = 1 + 0.45 * math.cos(2 * math.pi * (doy - 15) / 365.25)  # peak mid-January
    daily = 1 + 0.15 * math.cos(2 * math.pi * (t.hour - 8) / 12)  # morning/evening peaks
    return winter * daily


def air(start: datetime, end: datetime, rng: random.Random) -> Iterator[Feed]:
    """Every station's hourly value stamped in [start, end), sent as it is measured."""
    t = start.astimezone(CST).replace(minute=0, second=0, microsecond=0)
    if t < start:
        t += timedelta(hours=1)
    noise = dict.fromkeys(STATIONS, 1.0)
    while t < end:
        base = ANNUAL_PM25.get(t.year, 24.0) / 1.02
        episode = EPISODE_FACTOR if EPISODE[0] <= t < EPISODE[1] else 1.0
        for station, rel in STATIONS.items():
            if station == SILENT_STATION and t >= SILENT_FROM:
                continue
            noise[station] = 0.85 * noise[station] + 0.15 * rng.lognormvariate(0, 0.35)
            value = base * rel * _seasonal(t) * noise[station] * episode
            yield Feed(PROVIDER, reading("air.pm25", station, t, max(value, 1.0), "µg/m³"), t)
        t += timedelta(hours=1)

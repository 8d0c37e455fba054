"""Daily Air Quality Index per HJ 633-2012 (China's Technical Regulation on Ambient Air Quality Index).

IAQI_P = (IAQI_hi − IAQI_lo) / (BP_hi − BP_lo) × (C_P − BP_lo) + IAQI_lo between the two
breakpoints around the concentration; results are rounded up to whole numbers; the AQI is
the largest IAQI and its pollutant is the primary one when the AQI is above 50. A day is
"good" (优良) when the AQI is at most 100, "heavily polluted" (重度及以上) above 200.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final

__all__ = ["DAILY_BREAKPOINTS", "DailyAqi", "daily_aqi", "iaqi", "o3_max_8h"]

_IAQI_STEPS: Final = (0, 50, 100, 150, 200, 300, 400, 500)

# Concentration breakpoints for the daily index; µg/m³ except CO in mg/m³.
DAILY_BREAKPOINTS: Final[Mapping[str, tuple[float, ...]]] = {
    "air.so2": (0, 50, 150, 475, 800, 1600, 2100, 2620),
    "air.no2": (0, 40, 80, 180, 280, 565, 750, 940),
    "air.pm10": (0, 50, 150, 250, 350, 420, 500, 600),
    "air.co": (0, 2, 4, 14, 24, 36, 48, 60),
    "air.o3": (0, 100, 160, 215, 265, 800),  # daily maximum 8-hour mean
    "air.pm25": (0, 35, 75, 115, 150, 250, 350, 500),
}

GOOD_MAX: Final = 100
HEAVY_ABOVE: Final = 200


@dataclass(frozen=True, slots=True)
class DailyAqi:
    aqi: int
    primary: tuple[str, ...]  # empty when the AQI is 50 or less
    good: bool
    heavy: bool


def iaqi(pollutant: str, concentration: float) -> int:
    """The individual index of one pollutant's daily concentration (capped at the table's top)."""
    bps = DAILY_BREAKPOINTS[pollutant]
    c = max(concentration, 0.0)
    for i in range(1, len(bps)):
        if c <= bps[i]:
            lo, hi = bps[i - 1], bps[i]
            value = (_IAQI_STEPS[i] - _IAQI_STEPS[i - 1]) / (hi - lo) * (c - lo) + _IAQI_STEPS[
                i - 1
            ]
            return math.ceil(round(value, 9))
    return _IAQI_STEPS[len(bps) - 1]


def daily_aqi(concentrations: Mapping[str, float]) -> DailyAqi | None:
    """The day's AQI from the pollutants available (None when none is)."""
    indices = {p: iaqi(p, c) for p, c in concentrations.items() if p in DAILY_BREAKPOINTS}
    if not indices:
        return None
    aqi = max(indices.values())
    primary = tuple(sorted(p for p, v in indices.items() if v == aqi)) if aqi > 50 else ()
    return DailyAqi(aqi, primary, aqi <= GOOD_MAX, aqi > HEAVY_ABOVE)


def o3_max_8h(hourly: Sequence[float | None]) -> float | None:
    """The largest 8-hour moving mean of a day's 24 hourly O3 values (≥ 6 valid hours each)."""
    best: float | None = None
    for end in range(8, len(hourly) + 1):
        window = [v for v in hourly[end - 8 : end] if v is not None]
        if len(window) >= 6:
            mean = sum(window) / len(window)
            best = mean if best is None else max(best, mean)
    return best

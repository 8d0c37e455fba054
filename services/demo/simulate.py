"""SIMULATED feeds for the demo — realistic shapes, not real data.

Four providers, from January 2023 on: the environment monitoring centre (hourly PM2.5 at
twelve stations: daily cycle, winter heating season, a pollution episode in January 2025,
one station going silent in October 2026), the port (daily TEU and tonnes per terminal
with the Spring Festival dip; monthly sea-rail and transshipment TEU, routes and the
international transshipment share), the grid company (monthly installed capacity by
source, generation, grid supply capacity) and three telecom operators
(monthly 5G base stations per district, one operator sending increments).

The scenario is scripted so that some targets stay on track, some drift off, one recovers
and one feed goes stale; ``SCENARIO`` names which.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from services.indicators.city import CITY_TZ_NAME

__all__ = ["PROVIDERS", "SCENARIO", "Feed", "readings_between"]

CST = ZoneInfo(CITY_TZ_NAME)
START = datetime(2023, 1, 1, tzinfo=CST)

STATIONS = {  # station → relative level (coastal stations cleaner than inland ones)
    "qd-shinan-1": 0.86, "qd-shibei-1": 1.00, "qd-licang-1": 1.05, "qd-laoshan-1": 0.82,
    "qd-chengyang-1": 1.12, "qd-huangdao-1": 0.95, "qd-jimo-1": 1.08, "qd-jiaozhou-1": 1.15,
    "qd-pingdu-1": 1.18, "qd-laixi-1": 1.10, "qd-xihai-1": 0.90, "qd-hongdao-1": 1.02,
}  # fmt: skip
SILENT_STATION = "qd-pingdu-1"
SILENT_FROM = datetime(2026, 10, 20, tzinfo=CST)
EPISODE = (datetime(2025, 1, 8, tzinfo=CST), datetime(2025, 1, 14, tzinfo=CST))
ANNUAL_PM25 = {2023: 31.0, 2024: 29.0, 2025: 26.5, 2026: 25.5}

TERMINALS = {"qianwan": 0.55, "dongjiakou": 0.25, "huangdao-oil-general": 0.20}
ANNUAL_TEU = {2023: 28.8e6, 2024: 30.9e6, 2025: 32.5e6, 2026: 33.6e6}
ANNUAL_TONNES = {2023: 6.83e8, 2024: 7.10e8, 2025: 7.25e8, 2026: 7.40e8}
# Sea-rail drifts off its 2.2M TEU target in 2025; transshipment stays on track.
ANNUAL_SEA_RAIL = {2023: 2.05e6, 2024: 2.10e6, 2025: 1.95e6, 2026: 2.0e6}
ANNUAL_TRANSSHIP = {2023: 4.2e6, 2024: 4.7e6, 2025: 5.3e6, 2026: 5.6e6}
MONTH_WEIGHT = (0.079, 0.066, 0.085, 0.084, 0.087, 0.085, 0.087, 0.087, 0.084, 0.085, 0.085, 0.086)

DISTRICTS = ("shinan", "shibei", "licang", "laoshan", "chengyang", "huangdao", "jimo",
             "jiaozhou", "pingdu", "laixi")  # fmt: skip
OPERATORS = {"cmcc": 0.5, "cucc": 0.2, "ctcc": 0.3}  # ctcc sends increments
INCREMENT_OPERATOR = "ctcc"

SCENARIO = {
    # on track all along: never an alert
    "on_track": [
        "port.container_teu.2025",
        "port.direct_container_routes.2025",
        "port.intl_container_routes.2026",
        "power.grid_supply_capacity.2025",
        "telecom.5g_base_stations.2025",
        "telecom.5g_village_coverage.2025",
    ],
    # fall behind and end missed (2025) or off track (2026, still live)
    "drifts_off": ["port.sea_rail_teu.2025", "telecom.5g_base_stations.2026"],
    # stall through 2024 (alerts fire), catch up in 2025 (they resolve), end met
    "recovers": ["power.renewable_capacity.2025"],
    # the January 2025 episode: alerts fire and resolve; the annual mean still ends met
    "episode": ["air.pm25.2025"],
    "stale": [f"air.pm25/{SILENT_STATION}"],
}

PROVIDERS = {
    "environment-centre": ["air.*"],
    "qingdao-port": ["port.*"],
    "grid-company": ["power.*"],
    "telecom-operators": ["telecom.*"],
}


@dataclass(frozen=True, slots=True)
class Feed:
    provider: str
    reading: dict[str, object]


def _r(
    indicator: str,
    source: str,
    ts: datetime,
    value: float,
    unit: str,
    labels: dict[str, str] | None = None,
) -> dict[str, object]:
    return {
        "indicator": indicator,
        "source": source,
        "ts": ts.isoformat(),
        "value": round(value, 3),
        "unit": unit,
        "labels": {"simulated": "true", **(labels or {})},
    }


def _seasonal_pm25(t: datetime) -> float:
    doy = t.timetuple().tm_yday
    winter = 1 + 0.45 * math.cos(2 * math.pi * (doy - 15) / 365.25)  # peak mid-January
    daily = 1 + 0.15 * math.cos(2 * math.pi * (t.hour - 8) / 12)  # morning/evening peaks
    return winter * daily


def _air(start: datetime, end: datetime, rng: random.Random) -> Iterator[Feed]:
    t = start.replace(minute=0, second=0, microsecond=0)
    noise = {s: 1.0 for s in STATIONS}
    while t < end:
        base = ANNUAL_PM25.get(t.year, 25.0) / 1.02
        episode = 3.6 if EPISODE[0] <= t < EPISODE[1] else 1.0
        for station, rel in STATIONS.items():
            if station == SILENT_STATION and t >= SILENT_FROM:
                continue
            noise[station] = 0.85 * noise[station] + 0.15 * rng.lognormvariate(0, 0.35)
            value = base * rel * _seasonal_pm25(t) * noise[station] * episode
            yield Feed("environment-centre", _r("air.pm25", station, t, max(value, 1.0), "µg/m³"))
        t += timedelta(hours=1)


def _days(start: datetime, end: datetime) -> Iterator[datetime]:
    d = datetime.combine(start.astimezone(CST).date(), datetime.min.time(), CST)
    if d < start:
        d += timedelta(days=1)
    while d < end:
        yield d
        d += timedelta(days=1)


def _daily_share(d: date, annual: float) -> float:
    days_in_month = ((d.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)).day
    return annual * MONTH_WEIGHT[d.month - 1] / days_in_month


def _stamped(start: datetime, end: datetime, at: timedelta) -> Iterator[datetime]:
    """The days whose report, stamped ``at`` after midnight, falls within [start, end)."""
    return _days(start - at, end - at)


def _port(start: datetime, end: datetime, rng: random.Random) -> Iterator[Feed]:
    at = timedelta(hours=23, minutes=59)
    for d in _stamped(start, end, at):
        stamp = d + at
        for terminal, share in TERMINALS.items():
            teu = _daily_share(d.date(), ANNUAL_TEU[d.year]) * share * rng.gauss(1, 0.06)
            tonnes = _daily_share(d.date(), ANNUAL_TONNES[d.year]) * share * rng.gauss(1, 0.05)
            yield Feed("qingdao-port", _r("port.container_teu", terminal, stamp, teu, "TEU"))
            yield Feed(
                "qingdao-port", _r("port.cargo_tonnes", terminal, stamp, tonnes / 1e4, "万吨")
            )
        if (d + timedelta(days=1)).day == 1:  # month end: monthly figures, in 万标准箱
            month = MONTH_WEIGHT[d.month - 1]
            rail = ANNUAL_SEA_RAIL[d.year] * month * rng.gauss(1, 0.03)
            tranship = ANNUAL_TRANSSHIP[d.year] * month * rng.gauss(1, 0.03)
            direct = 175 + (d.year - 2023) * 12 + d.month  # domestic and international
            international = 170 + (d.year - 2023) * 12 + d.month
            yield Feed(
                "qingdao-port",
                _r("port.sea_rail_teu", "qingdao-port", stamp, rail / 1e4, "万标准箱"),
            )
            yield Feed(
                "qingdao-port",
                _r("port.transshipment_teu", "qingdao-port", stamp, tranship / 1e4, "万标准箱"),
            )
            for indicator, routes in (
                ("port.direct_container_routes", direct),
                ("port.intl_container_routes", international),
            ):
                yield Feed("qingdao-port", _r(indicator, "qingdao-port", stamp, routes, "条"))
            months = (d.year - 2023) * 12 + d.month
            share = (
                19.6 + 0.06 * months + rng.gauss(0, 0.15)
            )  # international share of transshipment
            yield Feed(
                "qingdao-port",
                _r("port.intl_transshipment_ratio", "qingdao-port", stamp, share, "%"),
            )


def _months(start: datetime, end: datetime) -> Iterator[datetime]:
    """Month-end report times (last day, 23:00 Asia/Shanghai) within [start, end)."""
    at = timedelta(hours=23)
    for d in _stamped(start, end, at):
        if (d + timedelta(days=1)).day == 1:
            yield d + at


def _renewable_kw(t: datetime) -> float:
    """Installed renewables: 2.6M kW end-2022, stalls through 2024, catches up in 2025."""
    months = (t.year - 2023) * 12 + t.month
    if months <= 12:
        return 2.6e6 + months * 95_000
    if months <= 24:
        return 2.6e6 + 12 * 95_000 + (months - 12) * 35_000
    return min(2.6e6 + 12 * 95_000 + 12 * 35_000 + (months - 24) * 150_000, 6.1e6)


def _power(start: datetime, end: datetime, rng: random.Random) -> Iterator[Feed]:
    mix = {"wind": 0.42, "solar": 0.50, "biomass": 0.08}
    for t in _months(start, end):
        total = _renewable_kw(t)
        for src, share in mix.items():
            yield Feed(
                "grid-company",
                _r(
                    "power.renewable_capacity",
                    f"grid-{src}",
                    t,
                    total * share / 1e4,
                    "万千瓦",
                    {"source": src},
                ),
            )
            gen = total * share * (0.25 if src == "wind" else 0.15) * 730 * rng.gauss(1, 0.08)
            yield Feed(
                "grid-company",
                _r("power.generation", f"grid-{src}", t, gen, "kWh", {"source": src}),
            )
        thermal = 5.2e6
        months = (t.year - 2023) * 12 + t.month
        grid = 9.6e6 + months * 45_000  # supply capacity: transmission and imports, on pace
        yield Feed(
            "grid-company",
            _r("power.grid_supply_capacity", "grid-all", t, grid / 1e4, "万千瓦"),
        )
        yield Feed(
            "grid-company",
            _r("power.total_capacity", "grid-all", t, (total + thermal) / 1e4, "万千瓦"),
        )
        yield Feed(
            "grid-company",
            _r("power.new_energy_share", "grid-all", t, 100 * total / (total + thermal) + 8, "%"),
        )


def _stations_5g(t: datetime) -> float:
    """City 5G base stations: 26k end-2022, on pace to 36k by end-2025, then it slows."""
    months = (t.year - 2023) * 12 + t.month
    if months <= 36:
        return 26_000 + months * 278
    return 26_000 + 36 * 278 + (months - 36) * 100


def _telecom(start: datetime, end: datetime, rng: random.Random) -> Iterator[Feed]:
    weights = [1.0 + 0.1 * i for i in range(len(DISTRICTS))]
    wsum = sum(weights)
    for t in _months(start, end):
        prev = t - timedelta(days=31)
        for d_i, district in enumerate(DISTRICTS):
            for op, share in OPERATORS.items():
                part = weights[d_i] / wsum * share
                now_total = round(_stations_5g(t) * part)
                source = f"{district}:{op}"
                if op == INCREMENT_OPERATOR and prev >= START:
                    # After a first running total, this operator reports what it built.
                    before = round(_stations_5g(prev) * part)
                    yield Feed(
                        "telecom-operators",
                        _r(
                            "telecom.5g_base_stations",
                            source,
                            t,
                            now_total - before,
                            "个",
                            {"arrives_as": "increment"},
                        ),
                    )
                else:
                    yield Feed(
                        "telecom-operators",
                        _r(
                            "telecom.5g_base_stations",
                            source,
                            t,
                            now_total,
                            "个",
                            {"arrives_as": "total"},
                        ),
                    )
        coverage = min(97.0 + (t.year - 2023) * 1.0 + t.month * 0.08, 99.8)
        yield Feed("telecom-operators", _r("telecom.5g_village_coverage", "city", t, coverage, "%"))


def readings_between(start: datetime, end: datetime, *, seed: int = 2025) -> Iterator[Feed]:
    """Every simulated reading with ``start <= ts < end``, provider by provider."""
    if start < START:
        start = START
    # One generator per family, each seeded by the window so replays are reproducible.
    base = seed * 1_000_003 + int(start.timestamp())
    yield from _air(start, end, random.Random(base + 1))
    yield from _port(start, end, random.Random(base + 2))
    yield from _power(start, end, random.Random(base + 3))
    yield from _telecom(start, end, random.Random(base + 4))

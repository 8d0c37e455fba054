"""A small, realistic data set for the dashboards, as providers would send it.

- air: hourly PM2.5 at four stations for the second half of December 2024 and three weeks
  of December 2025 (each with a heavy pollution episode), and for the last three weeks up to
  ``now``; one station stopped 30 hours ago (silent), one 2 hours ago (late). With fewer
  than 30 days in 2025, the 2025 annual mean so far is taken over the last 12 months;

- port: monthly container TEU and cargo tonnes per terminal, sea-rail (behind its target)
  and transshipment TEU, container routes and the international transshipment share,
  January 2025 to last month;
- power: month-end renewable and total capacity per company, grid supply capacity and
  the new-energy share;
- 5G: month-end base stations per district and village coverage;
- water: quarterly near-shore surveys, each revised later the same day;
- airport: monthly passengers and cargo; energy: LNG receiving capacity of two terminals;
  economy, people, industry, green: the statistics bureau's monthly, quarterly and yearly
  figures (trade, GDP growth, R&D intensity, enterprises, talent, the AI industry, green
  factories);
- every other indicator providers push (``everything_else``), made from the catalogue and
  the plans so that a new indicator has data as soon as it is catalogued: reported at its
  cadence (daily, monthly, quarterly or yearly) from the January two years before ``now``,
  by one source (two when several make the city value), near the trajectory of its
  targets — a flow's period amount its share of the year's expected total, a stock, ratio
  or level the path's value, a growth rate about the target's. Hourly indicators are left
  out: their only panels are the air family's own, fed by the stations above.

Every source is named ``demo-…``; the set is stored in a database of its own.
``alert_history`` gives alerts and their transitions as the alert engine would have
recorded them.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from services.indicators.catalogue import Catalogue, Indicator
from services.indicators.plans.model import Plan, Target
from services.indicators.trajectory import expected_annual, milestone, month_weights

CST = ZoneInfo("Asia/Shanghai")

STATIONS = {"demo-shinan": 0.85, "demo-licang": 1.0, "demo-huangdao": 0.95, "demo-jimo": 1.1}
SILENT_STATION, SILENT_FOR = "demo-jimo", timedelta(hours=30)
LATE_STATION, LATE_FOR = "demo-huangdao", timedelta(hours=2)
LAST_YEAR_END = (datetime(2024, 12, 15, tzinfo=CST), datetime(2025, 1, 1, tzinfo=CST))
EPISODES = (
    (datetime(2024, 12, 28, tzinfo=CST), datetime(2024, 12, 30, tzinfo=CST)),
    (datetime(2025, 12, 10, tzinfo=CST), datetime(2025, 12, 13, tzinfo=CST)),
)
DECEMBER = (datetime(2025, 12, 1, tzinfo=CST), datetime(2025, 12, 22, tzinfo=CST))
RECENT_DAYS = 21

TERMINALS = {"demo-qianwan": 0.6, "demo-dongjiakou": 0.4}
MONTH_SHARE = (0.079, 0.066, 0.085, 0.084, 0.087, 0.085, 0.087, 0.087, 0.084, 0.085, 0.085, 0.086)
ANNUAL = {  # indicator → yearly total (2025, 2026)
    "port.container_teu": (26.6e6, 27.4e6),
    "port.cargo_tonnes": (6.82e8, 6.95e8),
    "port.sea_rail_teu": (1.95e6, 2.0e6),
    "port.transshipment_teu": (5.3e6, 5.6e6),
}
DISTRICTS = {"demo-shinan": 0.2, "demo-licang": 0.25, "demo-huangdao": 0.35, "demo-jimo": 0.2}
COMPANIES = {"demo-grid-a": 0.6, "demo-grid-b": 0.4}
LNG_TERMINALS = {"demo-dongjiakou-lng": 0.7, "demo-qianwan-lng": 0.3}


@dataclass(frozen=True, slots=True)
class DemoAlert:
    fingerprint: str
    rule_id: str
    kind: str
    severity: str
    subject: str
    labels: dict[str, str]
    summary: str  # what it said when it fired (kept as it was)
    transitions: tuple[tuple[timedelta, str, str, str], ...]  # (ago, from, to, reason)
    latest: str = ""  # what the latest evaluation says, when it says otherwise

    @property
    def state(self) -> str:
        return self.transitions[-1][2]


def _r(
    indicator: str,
    source: str,
    ts: datetime,
    value: float,
    unit: str,
    labels: dict[str, str] | None = None,
) -> dict[str, object]:
    reading: dict[str, object] = {
        "indicator": indicator,
        "source": source,
        "ts": ts.isoformat(),
        "value": round(value, 3),
        "unit": unit,
    }
    if labels:
        reading["labels"] = labels
    return reading


def _pm25(t: datetime, factor: float, rng: random.Random) -> float:
    local = t.astimezone(CST)
    base = 42.0 if local.month in (12, 1, 2) else 28.0
    if any(start <= t < end for start, end in EPISODES):
        base = 175.0
    daily = 1.0 + 0.25 * math.sin((local.hour - 8) / 24 * 2 * math.pi)
    return max(1.0, base * factor * daily * rng.uniform(0.85, 1.15))


def _hours(start: datetime, end: datetime) -> Iterator[datetime]:
    t = start
    while t < end:
        yield t
        t += timedelta(hours=1)


def air(now: datetime, rng: random.Random) -> Iterator[dict[str, object]]:
    top = now.replace(minute=0, second=0, microsecond=0)
    recent = (top - timedelta(days=RECENT_DAYS), top + timedelta(hours=1))
    for station, factor in STATIONS.items():
        stop = recent[1]
        if station == SILENT_STATION:
            stop = top - SILENT_FOR + timedelta(hours=1)
        elif station == LATE_STATION:
            stop = top - LATE_FOR + timedelta(hours=1)
        for start, end in (LAST_YEAR_END, DECEMBER, (recent[0], stop)):
            for t in _hours(start, end):
                yield _r("air.pm25", station, t, _pm25(t, factor, rng), "µg/m³")


def _month_ends(now: datetime) -> Iterator[datetime]:
    """Noon on the last day of each month from January 2025 to last month (local)."""
    year, month = 2025, 1
    this = now.astimezone(CST)
    while (year, month) < (this.year, this.month):
        nxt = datetime(year + month // 12, month % 12 + 1, 1, 12, tzinfo=CST)
        yield nxt - timedelta(days=1)
        year, month = year + month // 12, month % 12 + 1


def port(now: datetime, rng: random.Random) -> Iterator[dict[str, object]]:
    for i, t in enumerate(_month_ends(now)):
        share = MONTH_SHARE[t.month - 1]
        for indicator, (y2025, y2026) in ANNUAL.items():
            total = (y2025 if t.year == 2025 else y2026) * share * rng.uniform(0.97, 1.03)
            unit = "t" if indicator == "port.cargo_tonnes" else "TEU"
            if indicator in ("port.container_teu", "port.cargo_tonnes"):
                for terminal, part in TERMINALS.items():
                    yield _r(indicator, terminal, t, total * part, unit)
            else:
                yield _r(indicator, "demo-port", t, total, unit)
        yield _r("port.direct_container_routes", "demo-port", t, 185 + 2 * i, "routes")
        yield _r("port.intl_container_routes", "demo-port", t, 180 + 2 * i, "routes")
        yield _r("port.intl_transshipment_ratio", "demo-port", t, 20.5 + 0.08 * i, "%")


def power(now: datetime, rng: random.Random) -> Iterator[dict[str, object]]:
    for i, t in enumerate(_month_ends(now)):
        renewable = 4.2e6 + 95_000 * i
        for company, part in COMPANIES.items():
            yield _r("power.renewable_capacity", company, t, renewable * part, "kW")
            yield _r("power.total_capacity", company, t, (8.5e6 + 60_000 * i) * part, "kW")
        yield _r("power.grid_supply_capacity", "demo-grid-a", t, 10.4e6 + 70_000 * i, "kW")
        yield _r("power.new_energy_share", "demo-grid-a", t, 57.5 + 0.25 * i, "%")


def telecom(now: datetime, rng: random.Random) -> Iterator[dict[str, object]]:
    for i, t in enumerate(_month_ends(now)):
        total = 28_000 + 520 * i - (0 if t.year == 2025 else 180 * (t.month - 1))
        for district, part in DISTRICTS.items():
            yield _r("telecom.5g_base_stations", district, t, round(total * part), "stations")
        yield _r("telecom.5g_village_coverage", "demo-telecom", t, min(99.6, 96 + 0.2 * i), "%")


def water(now: datetime, rng: random.Random) -> Iterator[dict[str, object]]:
    """Quarterly near-shore surveys, each reported twice on its day: a preliminary figure in
    the morning and the final one in the afternoon (the day's latest value counts)."""
    for t in _month_ends(now):
        if t.month % 3 == 0:
            final = 98.2 + rng.uniform(0, 1.2)
            yield _r(
                "water.nearshore_good_quality_ratio",
                "demo-marine",
                t - timedelta(hours=3),
                final - 1.5,
                "%",
            )
            yield _r(
                "water.nearshore_good_quality_ratio",
                "demo-marine",
                t + timedelta(hours=3),
                final,
                "%",
            )


def airport(now: datetime, rng: random.Random) -> Iterator[dict[str, object]]:
    for t in _month_ends(now):
        share = MONTH_SHARE[t.month - 1] * 12
        yield _r("airport.passengers", "demo-airport", t, 2.45e6 * share, "passengers")
        yield _r("airport.cargo_mail_tonnes", "demo-airport", t, 2.9e4 * share, "t")


def energy(now: datetime, rng: random.Random) -> Iterator[dict[str, object]]:
    """LNG receiving capacity, reported each quarter by two terminals (one expanding)."""
    for i, t in enumerate(_month_ends(now)):
        if t.month % 3 == 0:
            yield _r("energy.lng_receiving_capacity", "demo-dongjiakou-lng", t, 7.0e6, "t/yr")
            yield _r(
                "energy.lng_receiving_capacity", "demo-qianwan-lng", t, 3.0e6 + 1e5 * i, "t/yr"
            )


def statistics(now: datetime, rng: random.Random) -> Iterator[dict[str, object]]:
    """The statistics bureau: trade monthly; growth, enterprises, talent and green factories
    quarterly; R&D intensity and the AI industry once a year."""
    for i, t in enumerate(_month_ends(now)):
        trade = 1.05e11 * MONTH_SHARE[t.month - 1] * 12 * rng.uniform(0.97, 1.03)
        yield _r("economy.foreign_trade", "demo-stats", t, trade, "CNY")
        if t.month % 3 == 0:
            yield _r("economy.gdp_growth", "demo-stats", t, 5.2 + 0.1 * (i % 4), "%")
            yield _r(
                "economy.high_tech_enterprises", "demo-stats", t, 7200 + 160 * i, "enterprises"
            )
            yield _r("people.talent_pool", "demo-stats", t, 2.7e6 + 2.5e4 * i, "people")
            yield _r("green.green_factories", "demo-stats", t, 55 + i, "firms")
        if t.month == 12:
            yield _r("economy.rd_intensity", "demo-stats", t, 3.05, "%")
            yield _r("industry.ai_industry_size", "demo-stats", t, 1.1e11, "CNY")


_HOUR = timedelta(hours=1)
_SPLIT = (("a", 0.6), ("b", 0.4))  # two sources of an indicator several sources make


def _period_ends(cadence: timedelta, start: datetime, now: datetime) -> Iterator[datetime]:
    """Noon (local) on the last day of each reporting period from ``start`` up to ``now``:
    every day, month, quarter or year by the indicator's cadence."""
    local = start.astimezone(CST)
    if cadence <= timedelta(days=1):
        t = local.replace(hour=12)
        while t <= now:
            yield t
            t += timedelta(days=1)
        return
    months = 12 if cadence >= timedelta(days=365) else 3 if cadence >= timedelta(days=89) else 1
    year, month = local.year, months
    while True:
        first_after = datetime(year + month // 12, month % 12 + 1, 1, 12, tzinfo=CST)
        end = first_after - timedelta(days=1)
        if end > now:
            return
        yield end
        year, month = year + (month + months - 1) // 12, (month + months - 1) % 12 + 1


def _target_for(targets: Sequence[Target], year: int) -> Target | None:
    """The target the city works toward in ``year``: the first whose deadline year is not
    before it, else the last; the city's own before a region's."""
    if not targets:
        return None
    ahead = [t for t in targets if t.deadline.year >= year]
    return ahead[0] if ahead else targets[-1]


def _level(ind: Indicator, target: Target | None, at: datetime, rng: random.Random) -> float:
    """A stock's, ratio's, level's or growth rate's value at ``at``: on the target's path."""
    if target is None:
        middle = 50.0 if ind.unit == "%" else ind.range.max / 5
        return middle * rng.uniform(0.97, 1.03)
    if ind.kind == "growth":
        return target.value + rng.uniform(-0.3, 0.6)
    return milestone(target, at) * rng.uniform(0.985, 1.015)


def _flow(ind: Indicator, target: Target | None, end: datetime, cadence: timedelta) -> float:
    """A flow's amount over the period ending at ``end``: its share of the year's total."""
    year = end.astimezone(CST).year
    annual = expected_annual(target, year) if target is not None else ind.range.max
    if cadence <= timedelta(days=1):
        days = (datetime(year + 1, 1, 1, tzinfo=CST) - datetime(year, 1, 1, tzinfo=CST)).days
        return annual / days
    if target is None:
        return annual / 4
    weights = month_weights(target, year)
    month = end.astimezone(CST).month
    span = 12 if cadence >= timedelta(days=365) else 3 if cadence >= timedelta(days=89) else 1
    return annual * sum(weights[month - span : month])


def _sources(ind: Indicator) -> tuple[tuple[str, float], ...]:
    name = f"demo-{ind.family}"
    if ind.combine == "single":
        return ((name, 1.0),)
    if ind.combine == "mean":
        return tuple((f"{name}-{s}", 1.0) for s, _ in _SPLIT)
    return tuple((f"{name}-{s}", part) for s, part in _SPLIT)


def everything_else(
    now: datetime,
    rng: random.Random,
    catalogue: Catalogue,
    plans: Sequence[Plan],
    covered: Iterable[str],
) -> Iterator[dict[str, object]]:
    """Readings of every pushed indicator not in ``covered`` and not hourly (module doc)."""
    skip = set(covered)
    start = datetime(now.astimezone(CST).year - 2, 1, 1, tzinfo=CST)
    by_indicator: dict[str, list[Target]] = {}
    for t in sorted(
        (t for p in plans for t in p.targets), key=lambda t: (t.scope != "city", t.deadline)
    ):
        by_indicator.setdefault(t.indicator, []).append(t)
    for ind in catalogue:
        if ind.derived or ind.id in skip or ind.cadence_max <= _HOUR:
            continue
        targets = by_indicator.get(ind.id, [])
        for end in _period_ends(ind.cadence_max, start, now):
            target = _target_for(targets, end.astimezone(CST).year)
            if ind.kind == "flow":
                value = _flow(ind, target, end, ind.cadence_max) * rng.uniform(0.97, 1.05)
            else:
                value = _level(ind, target, end, rng)
            labels = dict.fromkeys(ind.required_labels, "demo")
            for source, part in _sources(ind):
                shown = value * part if ind.combine == "sum" else value
                if ind.kind in ("stock", "capacity"):
                    shown = round(shown)  # whole institutions, enterprises, kilometres…
                yield _r(ind.id, source, end, _within(ind, shown), ind.unit, labels)


def _within(ind: Indicator, value: float) -> float:
    top = min(ind.range.max, 100.0) if ind.unit == "%" else ind.range.max
    return min(max(value, ind.range.min), top)


def readings(
    now: datetime, catalogue: Catalogue, plans: Sequence[Plan], seed: int = 2025
) -> list[dict[str, object]]:
    """Every reading of the demo set, up to ``now`` (tz-aware)."""
    rng = random.Random(seed)
    now = now.astimezone(UTC)
    stories = [
        *air(now, rng), *port(now, rng), *power(now, rng), *telecom(now, rng), *water(now, rng),
        *airport(now, rng), *energy(now, rng), *statistics(now, rng),
    ]  # fmt: skip
    told = {str(r["indicator"]) for r in stories}
    return [*stories, *everything_else(now, rng, catalogue, plans, told)]


def alert_history() -> list[DemoAlert]:
    """Alerts as the engine records them: one firing, one pending, one resolved."""
    day = timedelta(days=1)
    return [
        DemoAlert(
            "demo-5g-off-trajectory",
            "off-trajectory-ticket",
            "off_trajectory",
            "ticket",
            "telecom.5g_base_stations.2026",
            {"target": "telecom.5g_base_stations.2026", "family": "telecom"},
            "telecom.5g_base_stations.2026 is 6.2 % behind its trajectory",
            (
                (20 * day, "inactive", "pending", "behind the trajectory by 5.4 %"),
                (6 * day, "pending", "firing", "behind the trajectory for 14d"),
            ),
            "telecom.5g_base_stations.2026 is 6.9 % behind its trajectory",
        ),
        DemoAlert(
            "demo-pm25-stale",
            "stale-feed-air-stations",
            "stale_feed",
            "ticket",
            f"air.pm25/{SILENT_STATION}",
            {"series": f"air.pm25/{SILENT_STATION}", "family": "air"},
            f"air.pm25 from {SILENT_STATION} has sent nothing for 30 hours",
            ((2 * day, "inactive", "pending", "no reading for 6h"),),
        ),
        DemoAlert(
            "demo-routes-projected-miss",
            "projected-miss-ticket",
            "projected_miss",
            "page",
            "port.intl_container_routes.2026",
            {"target": "port.intl_container_routes.2026", "family": "port"},
            "port.intl_container_routes.2026 will probably miss 200 routes",
            (
                (25 * day, "inactive", "pending", "probability of meeting 0.42"),
                (18 * day, "pending", "firing", "probability below 0.5 for 7d"),
                (9 * day, "firing", "resolved", "probability back above 0.7 for 7d"),
            ),
        ),
    ]

"""The grid company: month-end installed capacity by source, generation, the grid's supply
capacity, the new-energy share, and the charging piles of every district (the West Coast
New Area's with its region)."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date, datetime, timedelta

from services.demo.simulate.base import Feed, interpolate, month_ends, reading
from services.demo.simulate.script import story

__all__ = ["EV_DISTRICTS", "grid"]

PROVIDER = "grid-company"
WEST_COAST = "west-coast-new-area"
_STALL = story("power.renewable_capacity.2025").onset  # renewables stall for a year from here
_EV_STALL = story("power.ev_charging_piles.west-coast.2025").onset
EV_LAG = timedelta(days=10)  # charging piles are counted from the operators' returns

# Supply capacity (transmission and imports), kW: a new 500 kV substation every half year.
SUPPLY = [
    (date(2022, 12, 31), 9.6e6), (date(2023, 6, 30), 10.2e6), (date(2023, 12, 31), 10.55e6),
    (date(2024, 6, 30), 10.8e6), (date(2024, 12, 31), 11.1e6), (date(2025, 12, 31), 11.3e6),
    (date(2026, 12, 31), 11.5e6),
]  # fmt: skip
# New energy's share of installed capacity (distributed solar included), %.
NEW_ENERGY_SHARE = [
    (date(2022, 12, 31), 57.0), (date(2023, 12, 31), 60.5), (date(2024, 12, 31), 62.0),
    (date(2025, 12, 31), 63.5), (date(2026, 12, 31), 65.0),
]  # fmt: skip
# Charging piles of the West Coast New Area: built apace, then hardly any from the stall on.
EV_WEST_COAST = [
    (date(2022, 12, 31), 7_000), (date(2023, 12, 31), 9_400), (_EV_STALL, 10_600),
    (date(2024, 12, 31), 10_750), (date(2025, 12, 31), 11_050), (date(2026, 12, 31), 11_350),
]  # fmt: skip
# The rest of the city builds on (its districts share it by their weights).
EV_REST = [
    (date(2022, 12, 31), 15_000), (date(2023, 12, 31), 18_200), (date(2024, 12, 31), 21_800),
    (date(2025, 12, 31), 26_000), (date(2026, 12, 31), 29_000),
]  # fmt: skip
EV_DISTRICTS = {  # district → share of the rest of the city's piles
    "shinan": 0.16, "shibei": 0.15, "licang": 0.12, "laoshan": 0.12, "chengyang": 0.14,
    "jimo": 0.10, "jiaozhou": 0.08, "pingdu": 0.07, "laixi": 0.06,
}  # fmt: skip


def _renewable_kw(t: datetime) -> float:
    """Installed renewables: 2.6M kW end-2022, stalls through 2024, catches up in 2025."""
    months = (t.year - _STALL.year + 1) * 12 + t.month  # from January of the year before
    if months <= 12:
        return 2.6e6 + months * 95_000
    if months <= 24:
        return 2.6e6 + 12 * 95_000 + (months - 12) * 35_000
    return min(2.6e6 + 12 * 95_000 + 12 * 35_000 + (months - 24) * 150_000, 6.1e6)


def grid(start: datetime, end: datetime, rng: random.Random) -> Iterator[Feed]:
    """Month-end capacity reports, sent at once; the piles' counts ten days later."""
    mix = {"wind": 0.42, "solar": 0.50, "biomass": 0.08}
    for t in month_ends(start, end):
        if t.year < 2023:
            continue
        total = _renewable_kw(t)
        for src, share in mix.items():
            labels = {"source": src}
            kw = total * share / 1e4
            yield _feed("power.renewable_capacity", f"grid-{src}", t, kw, "万千瓦", labels)
            gen = total * share * (0.25 if src == "wind" else 0.15) * 730 * rng.gauss(1, 0.08)
            yield _feed("power.generation", f"grid-{src}", t, gen, "kWh", labels)
        thermal = 5.2e6
        day = t.date()
        yield _feed(
            "power.grid_supply_capacity", "grid-all", t, interpolate(SUPPLY, day) / 1e4, "万千瓦"
        )
        yield _feed("power.total_capacity", "grid-all", t, (total + thermal) / 1e4, "万千瓦")
        yield _feed(
            "power.new_energy_share", "grid-all", t, interpolate(NEW_ENERGY_SHARE, day), "%"
        )
    for t in month_ends(start - EV_LAG, end - EV_LAG):
        yield from _piles(t)


def _piles(t: datetime) -> Iterator[Feed]:
    day = t.date()
    counts = {WEST_COAST: interpolate(EV_WEST_COAST, day)}
    rest = interpolate(EV_REST, day)
    counts.update({d: rest * w for d, w in EV_DISTRICTS.items()})
    for district, piles in counts.items():
        r = reading(
            "power.ev_charging_piles", f"ev-{district}", t, round(piles), "piles", region=district
        )
        yield Feed(PROVIDER, r, t + EV_LAG)


def _feed(
    indicator: str,
    source: str,
    t: datetime,
    value: float,
    unit: str,
    labels: dict[str, str] | None = None,
) -> Feed:
    return Feed(PROVIDER, reading(indicator, source, t, value, unit, labels), t)

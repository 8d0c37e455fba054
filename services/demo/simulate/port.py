"""The port: daily TEU and tonnes per terminal with the Spring Festival dip; month-end
sea-rail and transshipment TEU, routes and the international transshipment share; the
China–Europe (Qilu) trains leaving each day."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date, datetime, timedelta

from services.demo.simulate.base import (
    Feed,
    gauss,
    interpolate,
    month_days,
    reading,
    stamped,
)
from services.demo.simulate.script import story

__all__ = ["ANNUAL_SEA_RAIL", "ANNUAL_TEU", "port"]

PROVIDER = "qingdao-port"
TERMINALS = {"qianwan": 0.55, "dongjiakou": 0.25, "huangdao-oil-general": 0.20}
ANNUAL_TEU = {2023: 28.8e6, 2024: 30.9e6, 2025: 32.5e6, 2026: 33.6e6}
ANNUAL_TONNES = {2023: 6.83e8, 2024: 7.10e8, 2025: 7.25e8, 2026: 7.40e8}
# Sea-rail runs ahead of its 2.2M TEU path until 2025, then falls off it (the story);
# transshipment stays above its 5M TEU all along.
_RAIL_DRIFT = story("port.sea_rail_teu.2025").onset.year
ANNUAL_SEA_RAIL = {2023: 2.08e6, 2024: 2.20e6, _RAIL_DRIFT: 1.95e6, 2026: 2.0e6}
ANNUAL_TRANSSHIP = {2023: 5.25e6, 2024: 5.45e6, 2025: 5.6e6, 2026: 5.75e6}
ANNUAL_TRAINS = {2023: 860, 2024: 900, 2025: 940, 2026: 960}
MONTH_WEIGHT = (0.079, 0.066, 0.085, 0.084, 0.087, 0.085, 0.087, 0.087, 0.084, 0.085, 0.085, 0.086)
TRAIN_WEIGHT = (0.078, 0.07, 0.084, 0.084, 0.085, 0.085, 0.086, 0.086, 0.085, 0.086, 0.085, 0.086)
# International share of transshipment, %: year-end levels, monthly in between.
INTL_SHARE = [
    (date(2022, 12, 31), 20.0), (date(2023, 12, 31), 21.4), (date(2024, 12, 31), 22.2),
    (date(2025, 12, 31), 22.8), (date(2026, 12, 31), 23.2),
]  # fmt: skip


def _daily_share(d: date, annual: float, weights: tuple[float, ...] = MONTH_WEIGHT) -> float:
    return annual * weights[d.month - 1] / month_days(d.year, d.month)


def port(start: datetime, end: datetime, rng: random.Random) -> Iterator[Feed]:
    """The day's reports (stamped 23:59) and the month-end ones, sent as they are made."""
    at = timedelta(hours=23, minutes=59)
    for d in stamped(start, end, at):
        stamp = d + at
        for terminal, share in TERMINALS.items():
            teu = _daily_share(d.date(), ANNUAL_TEU[d.year]) * share * rng.gauss(1, 0.06)
            tonnes = _daily_share(d.date(), ANNUAL_TONNES[d.year]) * share * rng.gauss(1, 0.05)
            yield _feed("port.container_teu", terminal, stamp, teu, "TEU")
            yield _feed("port.cargo_tonnes", terminal, stamp, tonnes / 1e4, "万吨")
        yield _feed("port.china_europe_trains", "qilu-trains", stamp, _trains(d.date()), "trains")
        if (d + timedelta(days=1)).day == 1:  # month end: monthly figures, in 万标准箱
            yield from _month_end(d.date(), stamp, rng)


def _month_end(d: date, stamp: datetime, rng: random.Random) -> Iterator[Feed]:
    month = MONTH_WEIGHT[d.month - 1]
    rail = ANNUAL_SEA_RAIL[d.year] * month * rng.gauss(1, 0.03)
    tranship = ANNUAL_TRANSSHIP[d.year] * month * rng.gauss(1, 0.03)
    months = (d.year - 2023) * 12 + d.month
    direct = 175 + round(1.6 * months)  # domestic and international
    international = 170 + round(1.5 * months)
    # the share of the year so far: the year's own, settling as the months add up
    year_share = interpolate(INTL_SHARE, date(d.year, 12, 31))
    share = year_share + 0.2 * (13 - d.month) / 12 * gauss("port.intl_transshipment_ratio", d)
    yield _feed("port.sea_rail_teu", PROVIDER, stamp, rail / 1e4, "万标准箱")
    yield _feed("port.transshipment_teu", PROVIDER, stamp, tranship / 1e4, "万标准箱")
    yield _feed("port.direct_container_routes", PROVIDER, stamp, direct, "routes")
    yield _feed("port.intl_container_routes", PROVIDER, stamp, international, "routes")
    yield _feed("port.intl_transshipment_ratio", PROVIDER, stamp, share, "%")


def _trains(d: date) -> int:
    """Trains leaving on day ``d``: the timetable's, two or three a day, adding up to the
    month's share of the year's departures."""
    before = _trains_by(d - timedelta(days=1)) if (d.month, d.day) != (1, 1) else 0.0
    return round(_trains_by(d)) - round(before)


def _trains_by(d: date) -> float:
    """Departures of ``d``'s year up to the end of day ``d``."""
    annual = ANNUAL_TRAINS[d.year]
    done = sum(TRAIN_WEIGHT[: d.month - 1]) * annual
    return done + _daily_share(d, annual, TRAIN_WEIGHT) * d.day


def _feed(indicator: str, source: str, ts: datetime, value: float, unit: str) -> Feed:
    return Feed(PROVIDER, reading(indicator, source, ts, value, unit), ts)

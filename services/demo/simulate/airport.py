"""Qingdao Jiaodong International Airport: passengers and cargo every day (summer and
Spring Festival peaks), and at each month's end the cities it flies to, which change when
the summer and winter schedules begin (late March, late October)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta

from services.demo.simulate.base import (
    Feed,
    gauss,
    interpolate,
    month_days,
    month_ends,
    reading,
    stamped,
)
from services.demo.simulate.script import story

__all__ = ["airport"]

PROVIDER = "airport"
SOURCE = "qingdao-jiaodong"
REPORTED = timedelta(days=3)  # month-end destinations, published three days later
PASSENGERS = {2023: 31.5e6, 2024: 33.0e6, 2025: 34.2e6, 2026: 35.0e6}
CARGO_T = {2023: 4.25e5, 2024: 4.40e5, 2025: 4.55e5, 2026: 4.65e5}
PAX_WEIGHT = (0.080, 0.080, 0.078, 0.079, 0.083, 0.083, 0.094, 0.096, 0.084, 0.086, 0.078, 0.079)
CARGO_WEIGHT = (0.078, 0.066, 0.083, 0.083, 0.083, 0.082, 0.082, 0.083, 0.086, 0.087, 0.092, 0.095)
DOMESTIC = [
    (date(2022, 12, 31), 118), (date(2023, 1, 15), 121), (date(2023, 3, 26), 126),
    (date(2023, 10, 29), 129), (date(2024, 3, 31), 134), (date(2024, 10, 27), 135),
    (date(2025, 3, 30), 138), (date(2025, 10, 26), 139), (date(2026, 3, 29), 141),
    (date(2026, 10, 25), 142),
]  # fmt: skip
_DROP = story("airport.international_destinations.2025").onset  # the 2025 summer schedule
INTERNATIONAL = [
    (date(2022, 12, 31), 24), (date(2023, 1, 15), 27), (date(2023, 3, 26), 30),
    (date(2023, 10, 29), 34), (date(2024, 3, 31), 41), (date(2024, 10, 27), 42),
    (_DROP, 34), (date(2025, 10, 26), 35), (date(2026, 3, 29), 37), (date(2026, 10, 25), 38),
]  # fmt: skip


def airport(start: datetime, end: datetime) -> Iterator[Feed]:
    """The day's traffic (stamped 23:59, sent at once) and the month-end destinations."""
    at = timedelta(hours=23, minutes=59)
    for d in stamped(start, end, at):
        stamp, day = d + at, d.date()
        pax = _day_share(day, PASSENGERS, PAX_WEIGHT) * (1 + 0.04 * gauss("pax", day))
        cargo = _day_share(day, CARGO_T, CARGO_WEIGHT) * (1 + 0.05 * gauss("cargo", day))
        yield _feed("airport.passengers", stamp, round(pax), "passengers", stamp)
        yield _feed("airport.cargo_mail_tonnes", stamp, cargo, "t", stamp)
    for t in month_ends(start - REPORTED, end - REPORTED):
        for indicator, points in (
            ("airport.domestic_destinations", DOMESTIC),
            ("airport.international_destinations", INTERNATIONAL),
        ):
            cities = interpolate(points, t.date(), step=True)
            yield _feed(indicator, t, cities, "cities", t + REPORTED)


def _day_share(day: date, annual: dict[int, float], weights: tuple[float, ...]) -> float:
    return annual[day.year] * weights[day.month - 1] / month_days(day.year, day.month)


def _feed(indicator: str, ts: datetime, value: float, unit: str, at: datetime) -> Feed:
    return Feed(PROVIDER, reading(indicator, SOURCE, ts, value, unit), at)

"""Three telecom operators: month-end 5G base stations per district (one operator sending
what it built instead of its total), and the share of villages with 5G coverage."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta

from services.demo.simulate.base import START, Feed, interpolate, month_ends, reading
from services.demo.simulate.script import story

__all__ = ["DISTRICTS", "OPERATORS", "stations_5g", "telecom"]

PROVIDER = "telecom-operators"
DISTRICTS = ("shinan", "shibei", "licang", "laoshan", "chengyang", "huangdao", "jimo",
             "jiaozhou", "pingdu", "laixi")  # fmt: skip
OPERATORS = {"cmcc": 0.5, "cucc": 0.2, "ctcc": 0.3}  # ctcc sends increments
INCREMENT_OPERATOR = "ctcc"
_SLOWDOWN = story("telecom.5g_base_stations.2026").onset
# City 5G base stations at each year's end: 26k built by end-2022, most in the first year,
# ahead of the paths to 34k (2025) and 40k (2026); from the slowdown on, 40 a month.
STATIONS_5G = [
    (date(2022, 12, 31), 26_000), (date(2023, 12, 31), 31_000), (date(2024, 12, 31), 34_500),
    (date(2025, 12, 31), 37_700),
]  # fmt: skip
SLOW_PER_MONTH = 40
VILLAGE_COVERAGE = [
    (date(2022, 12, 31), 97.6), (date(2023, 12, 31), 99.1), (date(2024, 12, 31), 99.5),
    (date(2025, 12, 31), 99.8), (date(2026, 12, 31), 99.9),
]  # fmt: skip


def stations_5g(t: datetime) -> float:
    """The city's 5G base stations at instant ``t``."""
    day = t.date()
    if day < _SLOWDOWN:
        return interpolate(STATIONS_5G, day)
    months = (day.year - _SLOWDOWN.year) * 12 + day.month - _SLOWDOWN.month + 1
    return STATIONS_5G[-1][1] + months * SLOW_PER_MONTH


def telecom(start: datetime, end: datetime) -> Iterator[Feed]:
    """Month-end reports, sent at once."""
    weights = [1.0 + 0.1 * i for i in range(len(DISTRICTS))]
    wsum = sum(weights)
    for t in month_ends(start, end):
        prev = t.replace(day=1) - timedelta(days=1)  # the previous month's report
        for d_i, district in enumerate(DISTRICTS):
            for op, share in OPERATORS.items():
                part = weights[d_i] / wsum * share
                now_total = round(stations_5g(t) * part)
                source = f"{district}:{op}"
                if op == INCREMENT_OPERATOR and prev >= START:
                    # After a first running total, this operator reports what it built.
                    built = now_total - round(stations_5g(prev) * part)
                    yield _feed(source, t, built, "increment")
                else:
                    yield _feed(source, t, now_total, "total")
        coverage = interpolate(VILLAGE_COVERAGE, t.date())
        r = reading("telecom.5g_village_coverage", "city", t, coverage, "%")
        yield Feed(PROVIDER, r, t)


def _feed(source: str, t: datetime, value: float, arrives_as: str) -> Feed:
    labels = {"arrives_as": arrives_as}
    return Feed(PROVIDER, reading("telecom.5g_base_stations", source, t, value, "个", labels), t)

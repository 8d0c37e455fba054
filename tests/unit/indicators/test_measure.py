"""The average yearly growth of a 年均增长 target: the formula, and what measure makes of data."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import datetime

import pytest

from services.indicators.measure import average_growth, measure
from services.indicators.plans.load import load_plans
from services.indicators.plans.model import CITY_TZ
from services.indicators.target_data import TargetData

GDP = next(t for p in load_plans() for t in p.targets if t.id == "economy.gdp_growth.2027")


def at(y: int, m: int, d: int = 1) -> datetime:
    return datetime(y, m, d, tzinfo=CITY_TZ)


# yearly rates in % → compound average in %
AVERAGES = [
    ([5.0], 5.0),
    ([5.0, 5.0, 5.0], 5.0),
    ([5.0, 3.0], (1.05 * 1.03) ** 0.5 * 100 - 100),  # 3.995, not the arithmetic 4
    ([10.0, -10.0], (1.10 * 0.90) ** 0.5 * 100 - 100),  # -0.501: a rise and an equal fall lose
    ([0.0, 0.0], 0.0),
    ([-2.0], -2.0),
    ([8.0, 6.0, 4.0, 2.0], (1.08 * 1.06 * 1.04 * 1.02) ** 0.25 * 100 - 100),
    ([-100.0, 5.0], -100.0),  # nothing left to compound
]


@pytest.mark.parametrize(("rates", "expected"), AVERAGES, ids=[str(r) for r, _ in AVERAGES])
def test_average_growth(rates: list[float], expected: float) -> None:
    assert average_growth(rates) == pytest.approx(expected)


# levels over the years → the average growth their yearly rates give
LEVELS = [
    [100.0, 105.0, 110.25],
    [8_720.0, 9_136.0, 9_760.0, 10_221.0],  # three uneven years
    [50.0, 49.0, 53.0],
]


@pytest.mark.parametrize("levels", LEVELS, ids=[str(levels) for levels in LEVELS])
def test_average_growth_of_the_yearly_rates_is_end_over_start(levels: list[float]) -> None:
    rates = [(b / a - 1) * 100 for a, b in zip(levels, levels[1:], strict=False)]
    years = len(levels) - 1
    assert average_growth(rates) == pytest.approx(
        ((levels[-1] / levels[0]) ** (1 / years) - 1) * 100
    )


def test_average_growth_needs_a_rate() -> None:
    with pytest.raises(ValueError, match="at least one yearly rate"):
        average_growth([])


# now, data (monthly points: year-to-date growth) → actual, years counted, basis words
MEASURES = [
    ("the base year itself does not count", at(2026, 2, 10),
     ((at(2025, 12), 5.4), (at(2026, 1), 4.0)), 4.0, 1, "2026 (1 of 2 years after 2025)"),
    ("each year's latest rate, the year in progress included", at(2027, 5, 1),
     ((at(2026, 3), 5.9), (at(2026, 12), 5.1), (at(2027, 3), 4.7)),
     average_growth([5.1, 4.7]), 2, "2026–2027 (2 of 2 years after 2025)"),
    ("after the deadline, what came later does not count", at(2028, 6, 1),
     ((at(2026, 12), 5.1), (at(2027, 12), 4.7), (at(2028, 3), 9.9)),
     average_growth([5.1, 4.7]), 2, "2026–2027"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("name", "now", "monthly", "expected", "years", "words"),
    MEASURES,
    ids=[m[0] for m in MEASURES],
)
def test_an_average_growth_target_is_measured_over_the_years_after_its_base(
    name: str,
    now: datetime,
    monthly: tuple[tuple[datetime, float], ...],
    expected: float,
    years: int,
    words: str,
) -> None:
    m = measure(GDP, TargetData(monthly=monthly), now)
    assert m is not None
    assert m.actual == pytest.approx(expected)
    assert (m.count, m.expected) == (years, GDP.value)
    assert words in m.basis


def test_a_latest_value_newer_than_the_month_counts_for_its_year() -> None:
    data = TargetData(monthly=((at(2026, 12), 5.1),), latest=(at(2027, 4, 20), 4.2))
    m = measure(GDP, data, at(2027, 5, 1))
    assert m is not None and m.actual == pytest.approx(average_growth([5.1, 4.2]))
    assert m.as_of == at(2027, 4, 20)


def test_an_each_year_growth_target_is_judged_on_the_latest_rate() -> None:
    each_year = replace(GDP, growth_average_from=None)
    data = TargetData(monthly=((at(2026, 12), 5.1), (at(2027, 3), 4.2)))
    m = measure(each_year, data, at(2027, 5, 1))
    assert m is not None and m.actual == 4.2 and m.count == 1
    averaged = measure(GDP, data, at(2027, 5, 1))
    assert averaged is not None and not math.isclose(averaged.actual, 4.2)

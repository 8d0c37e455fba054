"""How many reports a year of monthly, quarterly and yearly flows needs before it is judged."""

from __future__ import annotations

from datetime import datetime

from services.indicators.coverage import MONTHLY, QUARTERLY, YEARLY, year_coverage
from services.indicators.plans.model import CITY_TZ
from services.indicators.target_data import TargetData


def at(year: int, month: int, day: int = 1) -> datetime:
    return datetime(year, month, day, tzinfo=CITY_TZ)


def reports(year: int, months: list[int]) -> TargetData:
    return TargetData(monthly=[(at(year, m), 100.0) for m in months])


def test_quarterly_reports_stand_for_their_quarter() -> None:
    data = reports(2025, [3, 6, 9, 12])  # a quarter's total stamped on its last month
    cov = year_coverage(QUARTERLY, data, 2025, at(2026, 2))
    assert cov.complete and cov.possible and cov.counted == 4
    # judged monthly, the same four reports are eight months short
    assert not year_coverage(MONTHLY, data, 2025, at(2026, 2)).possible


def test_a_quarter_missing_before_a_later_report_is_missing_for_good() -> None:
    cov = year_coverage(QUARTERLY, reports(2025, [3, 9]), 2025, at(2025, 11))
    assert not cov.possible
    assert cov.short == (6,)
    assert "Q2 short" in cov.text


def test_the_latest_quarter_not_reported_yet_is_pending() -> None:
    cov = year_coverage(QUARTERLY, reports(2025, [3, 6]), 2025, at(2025, 11))
    assert cov.possible and not cov.complete  # Q3 may still come in October's weeks


def test_a_yearly_flow_needs_its_one_report() -> None:
    assert not year_coverage(YEARLY, reports(2025, []), 2025, at(2026, 1, 2)).complete
    done = year_coverage(YEARLY, reports(2025, [12]), 2025, at(2026, 1, 2))
    assert done.complete and done.counted == 1

"""Flows reported per quarter or per year (value added, harvests): each report stands for
its period, and before this year's first report the latest whole year is judged."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from services.indicators.assess import assess
from services.indicators.coverage import QUARTERLY, YEARLY, Coverage
from services.indicators.plans.load import load_plans, targets_of
from services.indicators.plans.model import CITY_TZ, Target
from services.indicators.target_data import Point, TargetData
from tests.fixtures.paths import DATA

TARGETS = {t.id: t for t in targets_of(load_plans(DATA / "plans"))}
QUARTER_SHARES = (0.22, 0.25, 0.25, 0.28)


def month(y: int, m: int) -> datetime:
    return datetime(y, m, 1, tzinfo=CITY_TZ)


def quarterly(totals: dict[int, float]) -> list[Point]:
    """Each year's total in four reports, each in the bucket of its quarter's last month."""
    return [
        (month(y, 3 * q + 3), total * QUARTER_SHARES[q])
        for y, total in totals.items()
        for q in range(4)
    ]


def arrived(points: list[Point], now: datetime, lag: timedelta) -> list[Point]:
    """What had been published by ``now``: a period's report ``lag`` after it ends."""

    def end(t: datetime) -> datetime:
        return month(t.year + (t.month == 12), t.month % 12 + 1)

    return [(t, v) for t, v in points if end(t) + lag <= now]


def data(points: list[Point], coverage: Coverage, cadence: timedelta) -> TargetData:
    return TargetData(
        monthly=points,
        coverage=coverage,
        cadence=cadence,
        last_seen=points[-1][0] if points else None,
    )


@pytest.fixture
def services_va() -> Target:
    return TARGETS["economy.services_value_added.2025"]


@pytest.fixture
def grain() -> Target:
    return TARGETS["agriculture.grain_output.2025"]


def test_a_quarter_on_its_path_is_expected_as_a_quarter(services_va: Target) -> None:
    # 2025 exactly on the plan's value, in the same quarterly shares as the years before
    points = quarterly({2023: 9.0e11, 2024: 9.8e11, 2025: services_va.value})
    now = datetime(2025, 8, 20, tzinfo=CITY_TZ)
    seen = arrived(points, now, timedelta(days=20))
    a = assess(services_va, data(seen, QUARTERLY, timedelta(days=93)), now)
    assert a.actual == pytest.approx(services_va.value * (0.22 + 0.25))
    assert a.expected == pytest.approx(a.actual, rel=0.01)  # two quarters of the year
    assert a.basis == "sum of 2025 so far (2 quarterly reports)"
    assert a.validity == "2025 so far: 2 reports"  # no month "not reported"
    assert a.projection is not None
    assert a.projection.value == pytest.approx(services_va.value, rel=0.03)


def test_a_missing_quarter_is_named_once_a_later_one_is_in(services_va: Target) -> None:
    points = quarterly({2023: 9.0e11, 2024: 9.8e11, 2025: services_va.value})
    del points[-3]  # 2025's second quarter never comes
    now = datetime(2025, 11, 20, tzinfo=CITY_TZ)
    a = assess(
        services_va,
        data(arrived(points, now, timedelta(days=20)), QUARTERLY, timedelta(days=93)),
        now,
    )
    assert "Apr, May, Jun not reported" in a.validity


def test_before_its_report_a_yearly_flow_is_judged_on_the_latest_whole_year(
    grain: Target,
) -> None:
    points = [(month(y, 12), v) for y, v in ((2022, 2.9e6), (2023, 2.95e6), (2024, 2.7e6))]
    now = datetime(2025, 5, 20, tzinfo=CITY_TZ)  # 2024's harvest published in February
    a = assess(
        grain, data(arrived(points, now, timedelta(days=50)), YEARLY, timedelta(days=366)), now
    )
    assert a.basis == "2024 total (the year's report), the latest whole year"
    assert a.actual == pytest.approx(2.7e6)
    assert a.expected is not None and a.expected > 2.9e6  # on the path from 2022 to 3 Mt
    assert a.status != "on_track"  # 2024 fell well behind its milestone
    assert a.validity == "2024: 1 report, enough (the year's report)"
    assert a.projection is not None and a.projection.value > 0


def test_the_baseline_year_alone_says_nothing_of_the_path(grain: Target) -> None:
    points = [(month(2022, 12), 2.9e6)]  # the baseline year, then 2023's report never came
    now = datetime(2024, 3, 1, tzinfo=CITY_TZ)
    a = assess(grain, data(points, YEARLY, timedelta(days=366)), now)
    assert a.status == "no_data" and a.actual is None
    assert a.basis == "no data in 2024"


def test_the_deadline_year_report_decides(grain: Target) -> None:
    points = [
        (month(y, 12), v) for y, v in ((2022, 2.9e6), (2023, 2.95e6), (2024, 3.0e6), (2025, 3.05e6))
    ]
    now = datetime(2026, 3, 1, tzinfo=CITY_TZ)
    a = assess(grain, data(points, YEARLY, timedelta(days=366)), now)
    assert a.status == "met" and a.actual == pytest.approx(3.05e6)
    assert a.basis == "2025 total (the year's report)"
    assert a.expected == pytest.approx(grain.value)


def test_a_monthly_report_in_its_last_day_bucket_is_one_month_not_one_day() -> None:
    """A month's total stamped at the month's end also sits in that day's bucket: the
    forecast must read it as the month's, not as one day of a month 31 times larger."""
    rail = TARGETS["port.sea_rail_teu.2025"]
    monthly = [(month(y, m), 150_000.0) for y in (2023, 2024) for m in range(1, 13)]
    monthly.append((month(2025, 1), 160_000.0))
    last_days = [(t.replace(day=28), v) for t, v in monthly]  # the day bucket of the report
    now = datetime(2025, 2, 15, tzinfo=CITY_TZ)
    got = TargetData(
        daily=last_days,
        monthly=monthly,
        last_seen=monthly[-1][0],
        cadence=timedelta(days=31),
    )
    a = assess(rail, got, now)
    assert a.projection is not None
    assert a.projection.value == pytest.approx(12 * 150_000 * 160 / 150, rel=0.1)

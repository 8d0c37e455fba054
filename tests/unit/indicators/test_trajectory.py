"""expected_at: a row per case — target, instant → expected value."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.indicators.plans.model import CITY_TZ, Baseline, Target, Trajectory
from services.indicators.trajectory import (
    expected_at,
    flow_share,
    level_factor_to_date,
    level_factors,
    milestone,
)


def at(y: int, m: int, d: int = 1) -> datetime:
    return datetime(y, m, d, tzinfo=CITY_TZ)


TEU_PROFILE = (8.2, 6.9, 8.3, 8.3, 8.5, 8.4, 8.6, 8.6, 8.5, 8.4, 8.6, 8.7)
PM_PROFILE = (50, 42, 36, 30, 26, 23, 19, 16, 18, 23, 33, 44)


def profile(weights: tuple[float, ...]) -> tuple[float, ...]:
    return tuple(w / sum(weights) for w in weights)


def target(kind: str = "stock", **kw: object) -> Target:
    fields: dict[str, object] = {
        "id": f"x.{kind}.2025",
        "plan_id": "p",
        "indicator": "x.y",
        "comparator": ">=",
        "value": 34_000.0,
        "unit": "stations",
        "deadline": date(2025, 12, 31),
        "kind": kind,
        "baseline": Baseline(26_000.0, date(2022, 12, 31)),
    }
    fields.update(kw)
    return Target(**fields)  # type: ignore[arg-type]


STOCK = target()
COMPOUND = target(
    "capacity",
    value=5_200_000.0,
    unit="kW",
    baseline=Baseline(2_600_000.0, date(2022, 12, 31)),
    trajectory=Trajectory("compound", "compound"),
)
FLOW = target(
    "flow", value=26_000_000.0, unit="TEU", baseline=Baseline(25_670_000.0, date(2022, 12, 31))
)
SEASONAL_FLOW = replace(FLOW, trajectory=Trajectory("seasonal", "linear", profile(TEU_PROFILE)))
PM25 = target(
    "level-mean",
    comparator="<=",
    value=30.0,
    unit="µg/m³",
    baseline=Baseline(36.0, date(2022, 12, 31)),
)
PM25_ALREADY_BELOW = replace(PM25, baseline=Baseline(28.0, date(2022, 12, 31)))
PM25_SEASONAL = replace(
    PM25_ALREADY_BELOW, trajectory=Trajectory("seasonal", "linear", profile(PM_PROFILE))
)
RATIO = target("ratio", value=99.0, unit="%", baseline=Baseline(90.0, date(2022, 12, 31)))
GROWTH = target("growth", value=5.0, unit="%", deadline=date(2027, 12, 31))
FROM_DATA_STOCK = replace(STOCK, baseline=Baseline(from_data=True))
FROM_DATA_FLOW = replace(FLOW, baseline=Baseline(from_data=True))

# 2023-01-01 → 2026-01-01 is 1096 days; 2024-07-02 is day 548, exactly half way.
HALF = at(2024, 7, 2)
END_2024 = 731 / 1096  # share of the way at the end of 2024
JAN_FEB = sum(profile(TEU_PROFILE)[:2])

CASES = [
    # name, target, t, expected
    ("stock before baseline", STOCK, at(2022, 6, 1), 26_000.0),
    ("stock at baseline", STOCK, at(2023, 1, 1), 26_000.0),
    ("stock half way", STOCK, HALF, 30_000.0),
    ("stock at deadline", STOCK, at(2026, 1, 1), 34_000.0),
    ("stock after deadline", STOCK, at(2027, 3, 1), 34_000.0),
    ("compound half way", COMPOUND, HALF, 2_600_000.0 * math.sqrt(2)),
    ("flow, 1 July of deadline year", FLOW, at(2025, 7, 2), 26_000_000.0 * 182 / 365),
    ("flow, new year", FLOW, at(2025, 1, 1), 0.0),
    (
        "flow, year before deadline",
        FLOW,
        at(2024, 7, 1),
        (25_670_000 + 330_000 * END_2024) * 182 / 366,  # 2024 is a leap year
    ),
    ("seasonal flow, end of February", SEASONAL_FLOW, at(2025, 3, 1), 26_000_000.0 * JAN_FEB),
    ("flow after deadline", FLOW, at(2026, 2, 1), 26_000_000.0),
    ("level-mean, year before deadline", PM25, at(2024, 5, 1), 36.0 - 6.0 * END_2024),
    ("level-mean, deadline year", PM25, at(2025, 5, 1), 30.0),
    ("level-mean, baseline already better", PM25_ALREADY_BELOW, at(2024, 5, 1), 30.0),
    (
        "seasonal level-mean, end of January",
        PM25_SEASONAL,
        at(2025, 2, 1),
        30.0 * level_factors(PM25_SEASONAL, 2025)[0],
    ),
    ("ratio, the year's level", RATIO, HALF, 90.0 + 9.0 * END_2024),
    ("growth is flat", GROWTH, at(2024, 1, 1), 5.0),
    ("stock, baseline from data", FROM_DATA_STOCK, HALF, 34_000.0),
    ("flow, baseline from data", FROM_DATA_FLOW, at(2025, 7, 2), 26_000_000.0 * 182 / 365),
]


@pytest.mark.parametrize(("name", "tgt", "t", "expected"), CASES, ids=[c[0] for c in CASES])
def test_expected_at(name: str, tgt: Target, t: datetime, expected: float) -> None:
    assert expected_at(tgt, t) == pytest.approx(expected, rel=1e-9, abs=1e-6)


SHARES = [
    ("new year", FLOW, at(2025, 1, 1), 0.0),
    ("1 July, by days", FLOW, at(2025, 7, 1), 181 / 365),
    ("1 March, by profile", SEASONAL_FLOW, at(2025, 3, 1), JAN_FEB),
    ("mid February, by profile", SEASONAL_FLOW, at(2025, 2, 15), profile(TEU_PROFILE)[0]
     + profile(TEU_PROFILE)[1] * 14 / 28),
    ("31 December 12:00", FLOW, datetime(2025, 12, 31, 12, tzinfo=CITY_TZ), 1 - 0.5 / 365),
]  # fmt: skip


@pytest.mark.parametrize(("name", "tgt", "t", "share"), SHARES, ids=[c[0] for c in SHARES])
def test_flow_share(name: str, tgt: Target, t: datetime, share: float) -> None:
    assert flow_share(tgt, t) == pytest.approx(share, abs=1e-12)


def test_level_factors_average_to_one_over_the_year() -> None:
    factors = level_factors(PM25_SEASONAL, 2025)
    days = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
    assert sum(f * d for f, d in zip(factors, days, strict=True)) / 365 == pytest.approx(1.0)
    assert factors[0] > 1.4 and factors[7] < 0.6  # January smog, clean August
    assert level_factor_to_date(PM25_SEASONAL, at(2025, 2, 1)) == pytest.approx(factors[0])
    year_end = datetime(2025, 12, 31, 23, 59, 59, tzinfo=CITY_TZ)
    assert level_factor_to_date(PM25_SEASONAL, year_end) == pytest.approx(1.0, abs=1e-4)


def test_utc_instants_are_judged_in_local_time() -> None:
    # 2025-06-30T16:00Z is already 1 July in Qingdao.
    utc = datetime.fromisoformat("2025-06-30T16:00:00+00:00")
    assert flow_share(FLOW, utc) == pytest.approx(181 / 365)


def test_ratio_expectation_is_capped_at_100_percent() -> None:
    high = replace(
        RATIO,
        value=99.5,
        baseline=Baseline(from_data=True),
        trajectory=Trajectory("seasonal", "linear", profile((120,) * 6 + (80,) * 6)),
    )
    assert expected_at(high, at(2025, 2, 1)) == 100.0


@given(
    base=st.floats(1, 1e7),
    goal=st.floats(1, 1e7),
    offset=st.integers(-400, 1500),
    path=st.sampled_from(["linear", "compound"]),
)
def test_stock_path_stays_between_baseline_and_target(
    base: float, goal: float, offset: int, path: str
) -> None:
    tgt = replace(
        STOCK,
        value=goal,
        baseline=Baseline(base, date(2022, 12, 31)),
        trajectory=Trajectory(path, path),  # type: ignore[arg-type]
    )
    t = at(2023, 1, 1) + (at(2023, 1, 2) - at(2023, 1, 1)) * offset
    value = milestone(tgt, t)
    if base >= goal:  # already satisfied: hold the target
        assert value == goal
    else:
        assert base * (1 - 1e-12) <= value <= goal * (1 + 1e-12)

"""The engine's sentences about the data under a judgement, in Chinese
(services/dashboards/language/sentences.py): every basis services.indicators.measure writes, with how
many values it rests on, and every validity services.indicators.coverage and assess write,
with no English left but the name of the standard (GB 3095-2012)."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

import pytest

from services.dashboards.language.sentences import (
    BASIS,
    VALIDITY,
    basis_text,
    basis_values,
    validity_text,
)
from services.indicators.assess import assess
from services.indicators.coverage import DAILY_FLOW, GB3095, MONTHLY, Coverage, year_coverage
from services.indicators.measure import measure
from services.indicators.plans import CITY_TZ
from services.indicators.plans.model import Baseline, Target
from services.indicators.target_data import TargetData

LATIN = re.compile(r"[A-Za-z]")


def _at(y: int, m: int, d: int) -> datetime:
    return datetime(y, m, d, 12, tzinfo=CITY_TZ)


def _days(start: datetime, n: int, value: float = 30.0) -> list[tuple[datetime, float]]:
    return [(start + timedelta(days=i), value) for i in range(n)]


def _target(kind: str, indicator: str, **kw: object) -> Target:
    return Target(
        id="t", plan_id="p", indicator=indicator, comparator=">=", value=100.0,
        unit="x", deadline=date(2026, 12, 31), kind=kind,  # type: ignore[arg-type]
        baseline=Baseline(50.0, date(2024, 12, 31)), **kw,  # type: ignore[arg-type]
    )  # fmt: skip


NOW = _at(2026, 4, 10)
MEASURED = [  # every way services.indicators.measure says what an actual rests on
    ("level-mean", TargetData(daily=_days(_at(2026, 1, 1), 90)), 90, "2026年以来90个日值的平均"),
    ("level-mean", TargetData(daily=_days(_at(2025, 9, 1), 40)), 40, "近12个月40个日值的平均"),
    (
        "level-mean",
        TargetData(monthly=[(_at(2025, m, 1), 30.0) for m in range(5, 9)]),
        4,
        "近12个月4个月值的平均",
    ),
    ("flow", TargetData(monthly=[(_at(2026, m, 1), 5.0) for m in (1, 2, 3)]), 3, "2026年累计（3个月有数据）"),
    ("stock", TargetData(monthly=[(_at(2026, 3, 1), 80.0)]), 1, "最新值（"),
]  # fmt: skip


@pytest.mark.parametrize(("kind", "data", "count", "chinese"), MEASURED)
def test_every_basis_the_engine_writes_reads_in_chinese_with_its_count(
    kind: str, data: TargetData, count: int, chinese: str
) -> None:
    m = measure(_target(kind, "port.container_teu"), data, NOW)
    assert m is not None
    assert basis_values(m.basis) == m.count == count, m.basis
    said = basis_text(m.basis, "zh-CN")
    assert said.startswith(chinese) and not LATIN.search(said), said
    assert basis_text(m.basis, "en") == m.basis


@pytest.mark.parametrize(
    ("rates", "count", "chinese"),
    [
        ({2025: 5.2}, 1, "2025年增速的复合平均（2024年后2年中已有1年数据）"),
        ({2025: 5.2, 2026: 4.8}, 2, "2025–2026年增速的复合平均（2024年后2年中已有2年数据）"),
    ],
)
def test_an_average_growth_says_over_which_years_in_chinese(
    rates: dict[int, float], count: int, chinese: str
) -> None:
    target = _target("growth", "economy.gdp_growth", growth_average_from=2024)
    data = TargetData(monthly=[(_at(year, 3, 1), rate) for year, rate in rates.items()])
    m = measure(target, data, _at(2026, 12, 1))
    assert m is not None
    assert basis_values(m.basis) == m.count == count, m.basis
    assert basis_text(m.basis, "zh-CN") == chinese


def _year(skip: tuple[int, ...] = (), year: int = 2025) -> list[tuple[datetime, float]]:
    days = _days(_at(year, 1, 1), 365)
    return [(t, v) for t, v in days if t.month not in skip]


def _months(skip: tuple[int, ...] = (), year: int = 2025) -> list[tuple[datetime, float]]:
    return [(_at(year, m, 1), 5.0) for m in range(1, 13) if m not in skip]


END, MID = _at(2026, 1, 1), _at(2025, 6, 15)
COVERED = [  # (coverage, data, until) → what services.indicators.coverage says, in Chinese
    (GB3095, TargetData(daily=_year()), END,
     "2025年：365个有效日，足以判断（GB 3095-2012有效性规定）"),
    (GB3095, TargetData(daily=_year(skip=(2,))), END,
     "2025年无法判断：2月有效数据不足（GB 3095-2012有效性规定）"),
    (GB3095, TargetData(daily=_year(skip=(2, 3))), MID,
     "2025年无法判断：2月、3月有效数据不足（GB 3095-2012有效性规定）"),
    (GB3095, TargetData(daily=_year()), MID, "2025年至今：165个有效日"),
    (DAILY_FLOW, TargetData(daily=_year(skip=(11,))), END,
     "2025年无法判断：11月有效数据不足（每月须有九成天数的数据）"),
    (MONTHLY, TargetData(monthly=_months()), END, "2025年：12个月有报送，足以判断（每月须有报送）"),
    (MONTHLY, TargetData(monthly=_months(skip=(1, 5))), MID,
     "2025年无法判断：1月、5月有效数据不足（每月须有报送）"),
    (MONTHLY, TargetData(monthly=_months()), MID, "2025年至今：6个月有报送"),
]  # fmt: skip


@pytest.mark.parametrize(("coverage", "data", "until", "chinese"), COVERED)
def test_every_validity_of_a_year_reads_in_chinese(
    coverage: Coverage, data: TargetData, until: datetime, chinese: str
) -> None:
    said = year_coverage(coverage, data, 2025, until).text
    assert validity_text(said, "zh-CN") == chinese, said
    assert validity_text(said, "en") == said


def test_a_year_too_short_to_judge_and_months_not_reported_read_in_chinese() -> None:
    # a year that ended with too few valid days, though no month fell short (as coverage.py
    # words it for any requirement of valid days)
    assert (
        validity_text("2025: only 300 valid days (GB 3095-2012 validity)", "zh-CN")
        == "2025年：仅300个有效日（GB 3095-2012有效性规定）"
    )
    assert (
        validity_text("2025 cannot be judged: only 300 valid days (GB 3095-2012 validity)", "zh-CN")
        == "2025年无法判断：仅300个有效日（GB 3095-2012有效性规定）"
    )
    flow = _target("flow", "port.sea_rail_teu")
    data = TargetData(monthly=_months(skip=(2, 3), year=2026)[:5], coverage=MONTHLY)
    validity = assess(flow, data, _at(2026, 6, 20)).validity
    assert validity.endswith("; Feb, Mar not reported"), validity
    assert validity_text(validity, "zh-CN") == (
        "2026年无法判断：2月、3月有效数据不足（每月须有报送）；2月、3月未报送"
    )


@pytest.mark.parametrize("coverage", [GB3095, DAILY_FLOW, MONTHLY])
def test_no_validity_the_engine_writes_is_left_in_english(coverage: Coverage) -> None:
    """Each requirement, every month missing, at the end of every month: nothing Latin in
    Chinese but the standard's name."""
    seen = set()
    for month in range(1, 13):
        for until in (_at(2025, month, 28), END):
            for data in (
                TargetData(daily=_year(skip=(month,))),
                TargetData(monthly=_months(skip=(month,))),
                TargetData(daily=_year()),
            ):
                said = year_coverage(coverage, data, 2025, until).text
                seen.add(said)
                left = validity_text(said, "zh-CN").replace("GB 3095-2012", "")
                assert not LATIN.search(left), (said, left)
    assert len(seen) > 20


def test_the_patterns_read_as_postgresql_reads_them() -> None:
    """No look-around, no \\b (a backspace to PostgreSQL), backreferences as \\1."""
    for pattern, replacement, *group in (*BASIS, *VALIDITY):
        assert "(?" not in pattern and "\\b" not in pattern, pattern
        assert not re.search(r"\\g<|\$\d", replacement), replacement
        if group:
            assert group[0] <= re.compile(pattern).groups
    for pattern, chinese, _ in BASIS:
        # backreferences both engines understand, where the sentence carries a number
        assert re.findall(r"\\(\d)", chinese) or re.compile(pattern).groups == 0


def test_a_sentence_the_engine_does_not_write_is_shown_as_it_is() -> None:
    assert basis_text("median of something", "zh-CN") == "median of something"
    assert basis_values("median of something") is None
    assert validity_text("a new sentence", "zh-CN") == "a new sentence"

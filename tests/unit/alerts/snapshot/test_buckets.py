"""Rollup buckets → TargetData by kind, day flags, and a region's buckets from its sources."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta

import pytest

from services.alerts.engine.inputs import Bucket
from services.alerts.snapshot.buckets import combine_sources, flag_data, target_data
from services.indicators.plans.model import CITY_TZ
from tests.unit.alerts.factories import stock_target


def at(m: int, d: int = 1) -> datetime:
    return datetime(2026, m, d, tzinfo=CITY_TZ)


def b(
    when: datetime, *, total: float, mean: float, last: float, seen: datetime | None = None
) -> Bucket:
    return Bucket(
        when,
        2,
        total,
        min(mean, last),
        max(mean, last),
        mean,
        last,
        seen or when + timedelta(hours=5),
    )


DAY = [b(at(3, 1), total=10, mean=5, last=6), b(at(3, 2), total=20, mean=10, last=12)]
MONTH = [b(at(2), total=100, mean=4, last=5), b(at(3), total=30, mean=7.5, last=12)]
SEEN = at(3, 2) + timedelta(hours=5)


@pytest.mark.parametrize(
    ("kind", "daily", "monthly", "latest"),
    [
        ("level-mean", (5.0, 10.0), (4.0, 7.5), None),
        ("flow", (10.0, 20.0), (100.0, 30.0), None),
        ("stock", (6.0, 12.0), (5.0, 12.0), (SEEN, 12.0)),
        ("capacity", (6.0, 12.0), (5.0, 12.0), (SEEN, 12.0)),
        ("ratio", (), (5.0, 12.0), (SEEN, 12.0)),
        ("growth", (), (5.0, 12.0), (SEEN, 12.0)),
    ],
)
def test_target_data_by_kind(
    kind: str,
    daily: tuple[float, ...],
    monthly: tuple[float, ...],
    latest: tuple[datetime, float] | None,
) -> None:
    target = replace(stock_target(), kind=kind)
    data = target_data(target, DAY, MONTH, SEEN)
    assert tuple(v for _, v in data.daily) == daily
    assert tuple(v for _, v in data.monthly) == monthly
    if daily:
        assert [t for t, _ in data.daily] == [at(3, 1), at(3, 2)]
    assert data.latest == latest
    assert data.last_seen == SEEN
    assert data.daily_flags is False


@pytest.mark.parametrize(("kind", "flags"), [("ratio", True), ("flow", False)])
def test_days_counted_by_a_flag_start_at_local_midnight(kind: str, flags: bool) -> None:
    target = replace(stock_target(), kind=kind)
    data = flag_data(
        target, [(date(2026, 3, 2), False), (date(2026, 3, 1), True)], "Asia/Shanghai", None
    )
    assert [v for _, v in data.daily] == [1.0, 0.0]
    assert [t.utcoffset() for t, _ in data.daily] == [timedelta(hours=8)] * 2
    assert [t.astimezone(CITY_TZ).hour for t, _ in data.daily] == [0, 0]
    assert data.daily_flags is flags


def _series(*points: tuple[datetime, float]) -> list[Bucket]:
    return [b(t, total=v, mean=v, last=v, seen=t + timedelta(hours=1)) for t, v in points]


@pytest.mark.parametrize(
    ("combine", "cumulative", "expected_last", "expected_sum"),
    [
        # stations: the mean of those that reported in each bucket
        ("mean", False, [10.0, 25.0, 30.0], [10.0, 50.0, 30.0]),
        # terminals: the sum of what each reported in the bucket
        ("sum", False, [10.0, 50.0, 30.0], [10.0, 50.0, 30.0]),
        # districts' totals: each one's last total carried forward
        ("sum", True, [10.0, 50.0, 50.0], [10.0, 50.0, 30.0]),
    ],
)
def test_combine_sources(
    combine: str, cumulative: bool, expected_last: list[float], expected_sum: list[float]
) -> None:
    per_source = {
        "a": _series((at(1), 10.0), (at(2), 20.0)),
        "b": _series((at(2), 30.0), (at(3), 30.0)),
        "c": _series(),
    }
    got = combine_sources(per_source, combine=combine, cumulative=cumulative)
    assert [g.at for g in got] == [at(1), at(2), at(3)]
    assert [g.last for g in got] == expected_last
    assert [g.sum for g in got] == expected_sum
    assert got[-1].last_ts == at(3) + timedelta(hours=1)


def test_carried_forward_stock_counts_only_the_readings_of_its_bucket() -> None:
    per_source = {"a": _series((at(1), 10.0)), "b": _series((at(2), 30.0))}
    got = combine_sources(per_source, combine="sum", cumulative=True)
    assert [(g.count, g.min, g.max) for g in got] == [(2, 10.0, 10.0), (2, 10.0, 30.0)]

"""The trajectory published for the charts is the one services.indicators computes."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from services.dashboards.targets import trajectory_points
from services.indicators.plans.model import CITY_TZ, Baseline, Target, Trajectory
from services.indicators.trajectory import expected_at


def target(kind: str, **kw: object) -> Target:
    return Target(
        id=f"t.{kind}",
        plan_id="p",
        indicator="port.container_teu",
        comparator=">=",
        value=120.0,
        unit="TEU",
        deadline=date(2025, 12, 31),
        kind=kind,  # type: ignore[arg-type]
        baseline=Baseline(value=100.0, date=date(2023, 12, 31)),
        **kw,  # type: ignore[arg-type]
    )


@pytest.mark.parametrize(
    "t",
    [
        target("stock"),
        target("flow", trajectory=Trajectory("seasonal", "linear", (1 / 12,) * 12)),
        target("level-mean"),
    ],
    ids=lambda t: t.kind,
)
def test_one_point_per_local_midnight_up_to_the_deadline(t: Target) -> None:
    start = datetime(2024, 1, 1, 15, 30, tzinfo=CITY_TZ)
    points = trajectory_points(t, start)
    assert points[0][0] == datetime(2024, 1, 1, tzinfo=CITY_TZ)
    assert points[-1] == (t.deadline_at, t.value)
    assert len(points) == 366 + 365 + 1
    assert all(b[0] - a[0] == timedelta(days=1) for a, b in zip(points, points[1:], strict=False))
    assert all(v == expected_at(t, ts) for ts, v in points)


def test_a_flow_starts_each_year_from_nothing() -> None:
    t = target("flow")
    by_day = dict(trajectory_points(t, datetime(2024, 1, 1, tzinfo=CITY_TZ)))
    assert by_day[datetime(2025, 1, 1, tzinfo=CITY_TZ)] == 0.0
    assert by_day[datetime(2024, 12, 31, tzinfo=CITY_TZ)] > 100.0

"""Small builders shared by the alert engine's unit tests: targets, inputs, rules."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

from services.alerts.engine.inputs import Bucket, SeriesInput, TargetInput
from services.alerts.rules import OffTrajectoryRule, Severity, StaleFeedRule
from services.indicators.plans.model import CITY_TZ, Baseline, Target
from services.indicators.target_data import TargetData
from services.indicators.trajectory import expected_at

T0 = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)


def stock_target(**changes: Any) -> Target:
    """5G base stations: 20 000 at the start of 2026, 40 000 by the end of 2027, linear."""
    fields: dict[str, Any] = {
        "id": "telecom.5g_base_stations.2027",
        "plan_id": "test-plan",
        "indicator": "telecom.5g_base_stations",
        "comparator": ">=",
        "value": 40_000.0,
        "unit": "stations",
        "deadline": date(2027, 12, 31),
        "kind": "stock",
        "baseline": Baseline(value=20_000.0, date=date(2025, 12, 31)),
        "source": "003.txt",
        "source_clause": "003 · (五)",
        "source_text": "到2027年5G基站4万个",
    }
    fields.update(changes)
    return Target(**fields)


def expected(target: Target, now: datetime) -> float:
    return expected_at(target, now)


def bucket(
    at: datetime, value: float, *, last_ts: datetime | None = None, count: int = 1
) -> Bucket:
    """A bucket whose mean, sum and last are all ``value``."""
    return Bucket(at, count, value, value, value, value, value, last_ts or at)


def local_day(t: datetime) -> datetime:
    local = t.astimezone(CITY_TZ)
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def local_month(t: datetime) -> datetime:
    return local_day(t).replace(day=1)


def stock_input(
    value: float,
    seen: datetime,
    target: Target | None = None,
    sources: Mapping[str, Sequence[Bucket]] | None = None,
) -> TargetInput:
    """A stock read once at ``seen``, as the rollups present it (day, month, latest)."""
    target = target or stock_target()
    data = TargetData(
        daily=((local_day(seen), value),),
        monthly=((local_month(seen), value),),
        latest=(seen, value),
        last_seen=seen,
    )
    return TargetInput(
        target,
        family="telecom",
        data=data,
        cadence=timedelta(days=1),
        combine="sum",
        sources=sources or {},
    )


def off_rule(**changes: Any) -> OffTrajectoryRule:
    fields: dict[str, Any] = {
        "id": "off-trajectory",
        "severity": Severity.PAGE,
        "tolerance_pct": 5.0,
        "recover_pct": 2.5,
        "for_": timedelta(seconds=3),
        "identify_by": ("target",),
        "annotations": {"summary": "{target} is {shortfall_pct:.1f} % behind ({actual} {unit})"},
    }
    fields.update(changes)
    return OffTrajectoryRule(**fields)


def stale_rule(**changes: Any) -> StaleFeedRule:
    fields: dict[str, Any] = {
        "id": "stale",
        "severity": Severity.TICKET,
        "after": timedelta(hours=6),
        "identify_by": ("series",),
        "annotations": {"summary": "no data from {series} for {silence}"},
    }
    fields.update(changes)
    return StaleFeedRule(**fields)


def series(
    source: str = "st-1",
    seen: datetime | None = T0,
    latest: Mapping[str, Bucket] | None = None,
    indicator: str = "air.pm25",
) -> SeriesInput:
    return SeriesInput(
        indicator=indicator,
        source=source,
        family=indicator.split(".")[0],
        unit="µg/m³",
        last_seen=seen,
        cadence=timedelta(hours=1),
        latest=latest or {},
    )

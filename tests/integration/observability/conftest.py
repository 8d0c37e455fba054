"""The demo data set loaded into the session's test database, the way production gets it.

Readings go through the real path after Kafka: validation, the storage writer (rollups in
the same transaction) and the daily AQI derivation. Targets and trajectories are published
as `ontrack dashboards publish` does. The alert engine's tables are filled from its pure
core (services.indicators.assess) and the demo alert history, as its evaluation loop
would store them.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import orjson
import psycopg
import pytest

from services.dashboards.targets import load_target_data, publish_targets
from services.indicators.assess import Assessment, assess
from services.indicators.catalogue import Catalogue, load_catalogue
from services.indicators.plans.load import load_plans
from services.indicators.plans.model import Plan, Target
from services.indicators.readings import Reading, validate_record
from services.ingest.stream.derive import refresh_air_quality
from services.settings import Settings
from services.storage.catalogue_sync import sync_catalogue
from services.storage.pool import open_pool
from services.storage.writer import ObservationWriter, Received
from tests.fixtures.stack import fresh_database
from tests.integration.observability import demo_data

TZ = "Asia/Shanghai"
BATCH = 1000


@dataclass(frozen=True)
class Demo:
    dsn: str
    now: datetime
    catalogue: Catalogue
    plans: list[Plan]
    readings: int

    @property
    def targets(self) -> list[Target]:
        return [t for p in self.plans for t in p.targets]


_STATUS = """
INSERT INTO target_status (
    target_id, scope, plan_id, indicator, family, kind, comparator, target_value, unit,
    deadline, status, actual, expected, gap, gap_pct, shortfall_pct, projection_value,
    projection_low, projection_high, projection_at, projection_method, probability_met,
    pace_needed, pace_recent, pace_text, days_left, basis, as_of, last_seen, stale,
    evaluated_at, status_since)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s,
        %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
ON CONFLICT (target_id, scope) DO NOTHING
"""

_ALERT = """
INSERT INTO alerts (fingerprint, rule_id, kind, severity, subject, labels, annotations, state,
                    since, active_at, fired_at, resolved_at, last_eval)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
ON CONFLICT (fingerprint) DO NOTHING
"""

_EVENT = """
INSERT INTO alert_events (fingerprint, at, from_state, to_state, reason)
VALUES (%s, %s, %s, %s, %s)
ON CONFLICT DO NOTHING
"""


def _validated(catalogue: Catalogue, now: datetime) -> list[Reading]:
    out = []
    for i, raw in enumerate(demo_data.readings(now)):
        got = validate_record(raw, i, catalogue, now)
        assert isinstance(got, Reading), (raw, got)
        out.append(got)
    return out


async def _store(dsn: str, catalogue: Catalogue, items: list[Reading], now: datetime) -> None:
    pool = await open_pool(dsn, max_size=2, name="ontrack-demo")
    try:
        await pool.wait()
        await sync_catalogue(pool, catalogue)
        writer = ObservationWriter(pool, calendar_tz=TZ)
        for i in range(0, len(items), BATCH):
            batch: list[Received] = [(r, now) for r in items[i : i + BATCH]]
            changes = await writer.write(batch)
            await refresh_air_quality(pool, changes, tz=TZ)
    finally:
        await pool.close()


def _status_row(target: Target, family: str, a: Assessment, now: datetime) -> tuple[object, ...]:
    p = a.projection
    return (
        target.id, target.scope, target.plan_id, target.indicator, family, target.kind,
        target.comparator, target.value, target.unit, target.deadline, a.status, a.actual,
        a.expected, a.gap, a.gap_pct, a.shortfall_pct, p and p.value, p and p.low,
        p and p.high, p and p.at, p and p.method, a.probability_met, a.pace_needed,
        a.pace_recent, a.pace_text, a.days_left, a.basis, a.as_of, a.as_of, False, now, now,
    )  # fmt: skip


async def _judge(dsn: str, demo: Demo) -> None:
    async with await psycopg.AsyncConnection.connect(dsn) as conn:
        await publish_targets(conn, demo.plans, demo.catalogue)
        for t in demo.targets:
            if t.scope != "city":
                continue
            data = await load_target_data(conn, t)
            family = demo.catalogue.get(t.indicator).family
            await conn.execute(_STATUS, _status_row(t, family, assess(t, data, demo.now), demo.now))
        for alert in demo_data.alert_history():
            times = {to: demo.now - ago for ago, _, to, _ in alert.transitions}
            await conn.execute(
                _ALERT,
                (
                    alert.fingerprint, alert.rule_id, alert.kind, alert.severity, alert.subject,
                    orjson.dumps(alert.labels).decode(),
                    orjson.dumps({"summary": alert.summary}).decode(), alert.state,
                    min(times.values()), times.get("pending"), times.get("firing"),
                    times.get("resolved"), demo.now,
                ),
            )  # fmt: skip
            for ago, frm, to, reason in alert.transitions:
                await conn.execute(_EVENT, (alert.fingerprint, demo.now - ago, frm, to, reason))
        await conn.commit()


@pytest.fixture(scope="session")
def demo(embedded_stack: Settings) -> Iterator[Demo]:
    """The demo data set, alone in a database of its own (what other tests store would make
    the charts' figures differ from the set's); ``now`` is when it ends."""
    now = datetime.now(UTC).replace(microsecond=0) - timedelta(seconds=1)
    catalogue = load_catalogue()
    plans = load_plans(catalogue=catalogue)
    items = _validated(catalogue, now)
    with fresh_database(embedded_stack.dsn, f"ontrack_test_obs_{os.getpid()}") as dsn:
        demo = Demo(dsn, now, catalogue, plans, len(items))
        asyncio.run(_store(dsn, catalogue, items, now))
        asyncio.run(_judge(dsn, demo))
        yield demo

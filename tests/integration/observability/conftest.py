"""The demo data set loaded into the session's test database, the way production gets it.

Readings go through the real path after Kafka: validation, the storage writer (rollups in
the same transaction) and the daily AQI derivation. Targets and trajectories are published
as `ontrack dashboards publish` does. The alert engine then evaluates the city's targets
once at ``now`` (statuses, explanations with their contributors, alerts, as it stores
them), and the demo alert history is added, as its evaluation loop would have recorded it.
The regional targets are left unjudged, as a target is before the engine's first run.
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
from prometheus_client import CollectorRegistry

from services.alerts.rules import load_rules
from services.alerts.runtime import AlertEngine, EngineMetrics
from services.alerts.snapshot import Universe
from services.dashboards import build_all
from services.dashboards.queries.verify import Run, run_dashboard
from services.dashboards.targets import publish_targets
from services.indicators.catalogue import Catalogue, load_catalogue
from services.indicators.plans.load import load_plans
from services.indicators.plans.model import Plan, Target
from services.indicators.readings import Reading, validate_record
from services.ingest.stream.derive import refresh_air_quality
from services.settings import Settings
from services.storage.catalogue_sync import sync_catalogue
from services.storage.pool import open_pool
from services.storage.writer import ObservationWriter, Received
from tests.fixtures.paths import DATA
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


_ALERT = """
INSERT INTO alerts (fingerprint, rule_id, kind, severity, subject, labels, annotations,
                    latest_annotations, state, since, active_at, fired_at, resolved_at, last_eval)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
ON CONFLICT (fingerprint) DO NOTHING
"""

_EVENT = """
INSERT INTO alert_events (fingerprint, at, from_state, to_state, reason)
VALUES (%s, %s, %s, %s, %s)
ON CONFLICT DO NOTHING
"""


def _validated(catalogue: Catalogue, plans: list[Plan], now: datetime) -> list[Reading]:
    out = []
    for i, raw in enumerate(demo_data.readings(now, catalogue, plans)):
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


async def _evaluate(dsn: str, demo: Demo) -> None:
    """One evaluation of the city's targets by the alert engine, at ``demo.now``."""
    city = [t for t in demo.targets if t.scope == "city"]
    universe = Universe(city, demo.catalogue, load_rules(DATA / "rules"))
    pool = await open_pool(dsn, max_size=2, name="ontrack-demo-engine")
    try:
        await pool.wait()
        engine = AlertEngine(universe, pool, EngineMetrics.create(CollectorRegistry()))
        await engine.evaluate(now=demo.now)
    finally:
        await pool.close()


async def _judge(dsn: str, demo: Demo) -> None:
    async with await psycopg.AsyncConnection.connect(dsn) as conn:
        await publish_targets(conn, demo.plans, demo.catalogue)
        await conn.commit()
    await _evaluate(dsn, demo)
    async with await psycopg.AsyncConnection.connect(dsn) as conn:
        for alert in demo_data.alert_history():
            times = {to: demo.now - ago for ago, _, to, _ in alert.transitions}
            await conn.execute(
                _ALERT,
                (
                    alert.fingerprint, alert.rule_id, alert.kind, alert.severity, alert.subject,
                    orjson.dumps(alert.labels).decode(),
                    orjson.dumps({"summary": alert.summary}).decode(),
                    orjson.dumps({"summary": alert.latest or alert.summary}).decode(), alert.state,
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
    items = _validated(catalogue, plans, now)
    with fresh_database(embedded_stack.dsn, f"ontrack_test_obs_{os.getpid()}") as dsn:
        demo = Demo(dsn, now, catalogue, plans, len(items))
        asyncio.run(_store(dsn, catalogue, items, now))
        asyncio.run(_judge(dsn, demo))
        yield demo


@pytest.fixture(scope="session")
def runs(demo: Demo) -> dict[str, list[Run]]:
    """Every query of every dashboard in every language, run on the demo set at its ``now``."""
    with psycopg.connect(demo.dsn, autocommit=True) as conn:
        return {
            name: run_dashboard(conn, name, text, demo.now) for name, text in build_all().items()
        }

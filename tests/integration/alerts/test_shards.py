"""Alert engine shards against TimescaleDB: two shards together store what one engine
stores, each reads and retires only its own alerts, and SQL places a subject in the same
shard as Python does.

The data is the engine test's (services' reads of every kind): the 5G target falls behind
its trajectory (its alert is shard 0's of 2) and one PM2.5 station's last hour is heavy
(its alert is shard 1's)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import psycopg
import pytest
from prometheus_client import CollectorRegistry

from services.alerts.engine.evaluate import Outcome
from services.alerts.runtime.loop import AlertEngine
from services.alerts.runtime.metrics import EngineMetrics
from services.alerts.snapshot.shards import WHOLE, Shard
from services.alerts.snapshot.universe import Universe, load_universe
from services.settings import Settings
from services.storage.pool import open_pool
from tests.integration.alerts.helpers import G5_TARGET, write_plans, write_rules
from tests.integration.alerts.test_engine_db import (
    G5,
    HEAVY_C,
    NOW,
    OFF_G5,
    OTHER_TARGETS,
    RULES,
    _readings,
    store,
)

pytestmark = pytest.mark.integration

HALVES = (Shard(0, 2), Shard(1, 2))


@dataclass
class World:
    universe: Universe
    dsn: str


@pytest.fixture(scope="module")
def world(db_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    root = tmp_path_factory.mktemp("shards")
    plans = write_plans(root / "plans", G5_TARGET.format(id=G5), OTHER_TARGETS)
    rules = write_rules(root / "rules", RULES)
    universe = load_universe(plans, rules, db_settings.catalogue_path)
    store(db_settings, _readings()[0])
    yield World(universe, db_settings.dsn)


def evaluate(w: World, shard: Shard, at: timedelta) -> Outcome:
    async def run() -> Outcome:
        pool = await open_pool(w.dsn)
        try:
            metrics = EngineMetrics.create(CollectorRegistry(), shard=str(shard))
            engine = AlertEngine(w.universe, pool, metrics, shard=shard)
            return await engine.evaluate(None, now=NOW + at)
        finally:
            await pool.close()

    return asyncio.run(run())


def stored(dsn: str) -> dict[str, list[tuple[Any, ...]]]:
    """Everything an evaluation stores, in a comparable order."""
    queries = {
        "status": "SELECT target_id, scope, status, actual, expected, gap, probability_met, "
        "evaluated_at FROM target_status ORDER BY target_id, scope",
        "alerts": "SELECT fingerprint, subject, state, since, fired_at, resolved_at, last_value, "
        "last_eval FROM alerts ORDER BY fingerprint",
        "events": "SELECT fingerprint, at, from_state, to_state, value FROM alert_events "
        "ORDER BY fingerprint, at, to_state",
    }
    with psycopg.connect(dsn) as conn:
        return {k: conn.execute(q).fetchall() for k, q in queries.items()}  # type: ignore[arg-type]


def forget(dsn: str) -> None:
    with psycopg.connect(dsn) as conn:
        conn.execute("TRUNCATE target_status, alert_events, notifications, alerts CASCADE")


def test_sql_places_every_subject_in_the_shard_python_does(world: World) -> None:
    subjects = [f"{ind}/station-{i}" for i in range(300) for ind in ("air.pm25", "port.teu")]
    subjects += ["telecom.5g_base_stations/运营商-甲", "air.pm25/站点 ①", "x", "", "🚢/港口"]
    with psycopg.connect(world.dsn) as conn:
        for count in (1, 2, 3, 7):
            got = conn.execute(
                "SELECT s, alert_shard(s, %s) FROM unnest(%s::text[]) AS s", [count, subjects]
            ).fetchall()
            assert {s: n for s, n in got} == {s: Shard.of(s, count) for s in subjects}
    halves = [sum(Shard.of(s, 2) == i for s in subjects) for i in (0, 1)]
    assert min(halves) > 0.4 * len(subjects)  # the hash spreads subjects about evenly


def test_two_shards_store_what_one_engine_stores(world: World) -> None:
    assert [Shard.of(s, 2) for s in (G5, "air.pm25/db-c")] == [0, 1]  # one alert each
    steps = (timedelta(0), timedelta(seconds=5), timedelta(seconds=10))
    outcomes: dict[Shard, list[Outcome]] = {s: [] for s in HALVES}
    for at in steps:
        for shard in HALVES:
            outcomes[shard].append(evaluate(world, shard, at))
    sharded = stored(world.dsn)
    forget(world.dsn)
    for at in steps:
        evaluate(world, WHOLE, at)
    whole = stored(world.dsn)

    assert sharded == whole
    assert {a[0]: a[2] for a in whole["alerts"]} == {OFF_G5: "firing", HEAVY_C: "firing"}
    assert len(whole["status"]) == len(world.universe.targets)
    for shard, outs in outcomes.items():
        judged = {s.target.id for o in outs for s in o.statuses}
        assert judged == {t.id for t in world.universe.targets if shard.owns(t.id)}
        assert all(shard.owns(a.subject) for o in outs for a in o.alerts)
    ids = [{s.target.id for s in outcomes[h][0].statuses} for h in HALVES]
    assert ids[0] and ids[1] and not ids[0] & ids[1]


def test_a_shard_steps_and_retires_only_its_own_alerts(world: World) -> None:
    def alerts() -> dict[str, tuple[Any, ...]]:
        return {a[0]: a for a in stored(world.dsn)["alerts"]}

    before = alerts()
    assert {fp: a[2] for fp, a in before.items()} == {OFF_G5: "firing", HEAVY_C: "firing"}
    # A complete evaluation of one shard: the other shard's target or series is not in its
    # snapshot, and the other's alert is not its own, so that one stays as it was.
    one_minute = NOW + timedelta(minutes=1)
    out = evaluate(world, Shard(1, 2), timedelta(minutes=1))
    assert {a.fingerprint for a in out.alerts} == {HEAVY_C}
    after = alerts()
    assert after[OFF_G5] == before[OFF_G5]
    assert after[HEAVY_C][7] == one_minute  # last_eval: shard 1 stepped its own
    out = evaluate(world, Shard(0, 2), timedelta(minutes=1))
    assert {a.fingerprint for a in out.alerts} == {OFF_G5}
    assert alerts()[HEAVY_C] == after[HEAVY_C]
    assert alerts()[OFF_G5][7] == one_minute

    # With the 5G target gone from the plans, shard 0 retires its alert and still leaves
    # shard 1's alone.
    without = Universe(
        [t for t in world.universe.targets if t.id != G5],
        world.universe.catalogue,
        world.universe.rules,
    )
    asyncio.run(_evaluate_universe(world.dsn, without, Shard(0, 2), timedelta(minutes=2)))
    final = alerts()
    assert final[OFF_G5][2] == "resolved"
    assert final[HEAVY_C] == after[HEAVY_C]


async def _evaluate_universe(dsn: str, u: Universe, shard: Shard, at: timedelta) -> Outcome:
    pool = await open_pool(dsn)
    try:
        engine = AlertEngine(u, pool, EngineMetrics.create(CollectorRegistry()), shard=shard)
        return await engine.evaluate(None, now=NOW + at)
    finally:
        await pool.close()

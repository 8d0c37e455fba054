"""Two `ontrack alerts` processes on one database: one leads, the other stands by; and two
shards, which lead at once, each judging its own targets.

A 5G target falls behind its trajectory: only the leader evaluates, the alert goes pending
then firing once, and exactly one firing notification is enqueued. The leader is killed
with SIGKILL: the standby takes the leader lock within a few seconds, keeps evaluating,
and resolves the alert when the stock is ahead again, with one resolved notification."""

from __future__ import annotations

import asyncio
import re
import signal
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest

from services.alerts.engine.lifecycle import fingerprint
from services.alerts.snapshot.shards import Shard
from services.indicators.catalogue import load_catalogue
from services.indicators.plans.load import load_plans, targets_of
from services.indicators.readings import Reading, validate_record
from services.indicators.trajectory import expected_at
from services.settings import Settings
from services.storage.catalogue_sync import sync_catalogue
from services.storage.pool import open_pool
from services.storage.writer import ObservationWriter
from tests.fixtures.services import Proc, free_port, service_env, wait_for
from tests.integration.alerts.helpers import G5_TARGET, events, write_plans, write_rules

pytestmark = [pytest.mark.integration, pytest.mark.slow]

CATALOGUE = load_catalogue()
TARGET_ID = "telecom.5g_base_stations.two.2027"
RULE = "two-off-trajectory"
RULES = f"""\
version: 1
rules:
  - id: {RULE}
    kind: off_trajectory
    severity: page
    tolerance_pct: 5
    recover_pct: 2.5
    for: 2s
    identify_by: [target]
    annotations:
      summary: "{{target}} is {{shortfall_pct:.1f}} % behind its trajectory"
"""
# One receiver, no waiting: every firing and resolved change is one outbox row.
ROUTES = """\
version: 1
receivers:
  - name: am
    alertmanager: {url: "http://127.0.0.1:9"}
route:
  receiver: am
  group_by: [...]
  group_wait: 0s
  group_interval: 1s
  repeat_interval: 30m
"""


def write_stock(dsn: str, **by_operator: float) -> None:
    """Store each operator's latest 5G base station count, as the stream would."""
    now = datetime.now(UTC)
    batch = []
    for source, value in by_operator.items():
        raw = {
            "indicator": "telecom.5g_base_stations",
            "source": source,
            "ts": now.isoformat(),
            "value": value,
            "unit": "stations",
        }
        reading = validate_record(raw, 0, CATALOGUE, now)
        assert isinstance(reading, Reading), reading
        batch.append((reading, now))

    async def write() -> None:
        pool = await open_pool(dsn, max_size=1)
        try:
            await sync_catalogue(pool, CATALOGUE)
            await ObservationWriter(pool).write(batch)
        finally:
            await pool.close()

    asyncio.run(write())


def rows(dsn: str, query: str, *params: Any) -> list[tuple[Any, ...]]:
    with psycopg.connect(dsn) as conn:
        return conn.execute(query, list(params)).fetchall()  # type: ignore[arg-type]


def healthz(proc: Proc) -> dict[str, Any]:
    port = proc.port  # type: ignore[attr-defined]
    return dict(httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).json())


def metric(proc: Proc, name: str) -> float:
    """The sum of every sample of ``name`` the process exposes."""
    port = proc.port  # type: ignore[attr-defined]
    text = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=2).text
    pattern = re.compile(rf"^{re.escape(name)}(?:{{[^}}]*}})? (\S+)$", re.MULTILINE)
    return sum(float(v) for v in pattern.findall(text))


def engine_env(s: Settings, root: Path, *targets: str) -> tuple[Path, dict[str, str]]:
    """Plans of ``targets``, the rule and route files, and the environment of engines that
    evaluate every second and try the leader lock every half second."""
    plans = write_plans(root / "plans", *targets)
    rules = write_rules(root / "rules", RULES)
    (root / "routes").mkdir()
    (root / "routes" / "routes.yaml").write_text(ROUTES, encoding="utf-8")
    env = service_env(
        s,
        ONTRACK_PLANS_DIR=str(plans),
        ONTRACK_RULES_DIR=str(rules),
        ONTRACK_ROUTES_DIR=str(root / "routes"),
        ONTRACK_EVAL_INTERVAL="1",
        ONTRACK_ALERTS_LEADER_RETRY_SECONDS="0.5",
        ONTRACK_ALERTS_CONSUMER_GROUP=s.alerts_consumer_group,
    )
    return plans, env


def start_engine(spawn: Callable[..., Proc], name: str, env: dict[str, str]) -> Proc:
    port = free_port()
    proc = spawn(name, ["alerts", "--web-port", str(port)], env)
    proc.port = port  # type: ignore[attr-defined]
    return proc


def answering(proc: Proc) -> bool:
    assert proc.popen.poll() is None, f"{proc.name} exited:\n{proc.tail()}"
    try:
        return healthz(proc)["status"] == "ok"
    except httpx.HTTPError:
        return False


def test_only_the_leader_notifies_and_the_standby_takes_over_after_kill_9(
    alerts_settings: Settings, spawn: Callable[..., Proc], tmp_path: Path
) -> None:
    s = alerts_settings
    dsn = s.dsn
    plans, env = engine_env(s, tmp_path, G5_TARGET.format(id=TARGET_ID))
    (target,) = targets_of(load_plans(plans))
    fp = fingerprint(RULE, {"target": TARGET_ID}, ["target"])
    expected = expected_at(target, datetime.now(UTC))
    a, b = round(expected * 0.6), round(expected * 0.4)
    write_stock(dsn, **{"op-a": a, "op-b": b})  # on track

    engines = [start_engine(spawn, f"alerts-{n}", env) for n in (1, 2)]
    wait_for(lambda: all(answering(e) for e in engines), 60, "both engines to answer /healthz")
    wait_for(
        lambda: sorted(healthz(e)["role"] for e in engines) == ["follower", "leader"],
        10,
        "one leader and one follower",
    )
    (leader,) = [e for e in engines if healthz(e)["role"] == "leader"]
    (standby,) = [e for e in engines if e is not leader]
    assert healthz(standby)["leader"] == healthz(leader)["leader"]

    def status() -> str | None:
        got = rows(dsn, "SELECT status FROM target_status WHERE target_id = %s", TARGET_ID)
        return got[0][0] if got else None

    wait_for(lambda: status() == "on_track", 20, "the target judged on track")

    # 20 % behind the trajectory: pending, then firing after 2 s
    write_stock(dsn, **{"op-a": a - round(0.2 * (a + b))})
    wait_for(lambda: len(events(dsn, fp)) >= 2, 30, "the alert to go pending, then firing")
    time.sleep(2.5)  # a few more evaluations by whoever might evaluate
    assert [(e[1], e[2]) for e in events(dsn, fp)] == [
        ("inactive", "pending"),
        ("pending", "firing"),
    ]
    outbox = "SELECT kind, receiver FROM notifications WHERE fingerprint = %s ORDER BY id"
    assert rows(dsn, outbox, fp) == [("firing", "am")]
    assert metric(leader, "ontrack_alert_evaluations_total") >= 3
    assert metric(standby, "ontrack_alert_evaluations_total") == 0
    assert (metric(leader, "ontrack_alerts_leader"), metric(standby, "ontrack_alerts_leader")) == (
        1.0,
        0.0,
    )

    # the leader dies without a word: the standby takes the lock and carries on
    leader.popen.send_signal(signal.SIGKILL)
    leader.popen.wait(10)
    killed = datetime.now(UTC)
    started = time.monotonic()
    wait_for(lambda: healthz(standby)["role"] == "leader", 15, "the standby to take over")
    takeover = time.monotonic() - started
    print(f"[two engines] standby took over {takeover:.1f}s after the leader's SIGKILL")

    def evaluated_since_kill() -> bool:
        got = rows(dsn, "SELECT evaluated_at FROM target_status WHERE target_id = %s", TARGET_ID)
        return bool(got) and got[0][0] > killed

    wait_for(evaluated_since_kill, 15, "the new leader to evaluate")
    assert metric(standby, "ontrack_alerts_leader") == 1.0

    # ahead of the trajectory again: the new leader resolves the alert, once
    write_stock(dsn, **{"op-a": a + round(0.05 * (a + b))})
    wait_for(lambda: len(events(dsn, fp)) >= 3, 30, "the alert to resolve")
    time.sleep(1.5)
    assert [(e[1], e[2]) for e in events(dsn, fp)] == [
        ("inactive", "pending"),
        ("pending", "firing"),
        ("firing", "resolved"),
    ]
    assert rows(dsn, outbox, fp) == [("firing", "am"), ("resolved", "am")]
    assert standby.stop() == 0, standby.tail()


def test_two_shards_lead_at_once_each_judging_its_own_targets(
    alerts_settings: Settings, spawn: Callable[..., Proc], tmp_path: Path
) -> None:
    s = alerts_settings
    ids = [f"telecom.5g_base_stations.shard-{n}.2027" for n in range(6)]
    owned = {i: sorted(t for t in ids if Shard(i, 2).owns(t)) for i in (0, 1)}
    assert owned[0] and owned[1]
    _, env = engine_env(s, tmp_path, *(G5_TARGET.format(id=t) for t in ids))
    started = datetime.now(UTC)
    shards = [
        start_engine(spawn, f"alerts-shard-{i}", {**env, "ONTRACK_ALERTS_SHARD": f"{i}/2"})
        for i in (0, 1)
    ]
    wait_for(lambda: all(answering(e) for e in shards), 60, "both shards to answer /healthz")
    wait_for(
        lambda: [healthz(e)["role"] for e in shards] == ["leader", "leader"],
        10,
        "each shard to lead (each takes its own lock)",
    )
    for i, e in enumerate(shards):
        h = healthz(e)
        assert (h["shard"], h["targets"]) == (f"{i}/2", len(owned[i]))
        assert metric(e, "ontrack_alerts_leader") == 1.0

    def judged() -> dict[str, datetime]:
        got = rows(s.dsn, "SELECT target_id, evaluated_at FROM target_status")
        return {t: at for t, at in got if t in ids and at > started}

    wait_for(lambda: len(judged()) == len(ids), 20, "every target judged by its shard")
    assert [e.stop() for e in shards] == [0, 0], [e.tail() for e in shards]

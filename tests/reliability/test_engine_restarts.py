"""The alert engine killed with SIGKILL again and again, while alerts go pending, fire and
resolve: each alert goes through its states once, and the receiver gets one "firing" and one
"resolved" notification per alert, never two.

Ten PM2.5 stations report once and fall silent: their stale-feed alerts go pending after
4 s of silence and fire 3 s later. The engine is killed while some are pending, again while
some fire, again while they resolve (the stations report again) and once more afterwards;
each time a new engine carries on from the states in TimescaleDB. The whole pipeline is
real: broker, stream worker, engine, ``ontrack notify``, a webhook receiver checking
signatures. (tests/integration/alerts restarts the engine once, with SIGTERM.)
"""

from __future__ import annotations

import asyncio
import os
import signal
import threading
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest
from pydantic import SecretStr

from services.alerts.engine.lifecycle import fingerprint
from services.indicators.catalogue import load_catalogue
from services.indicators.readings import Reading, validate_record
from services.ingest.keyring import load_batch_keys
from services.ingest.producer import ReadingsProducer
from services.settings import Settings
from tests.fixtures.procs import kill_in_transaction
from tests.fixtures.receivers import WebhookReceiver
from tests.fixtures.services import Proc, free_port, service_env, start_service, until
from tests.fixtures.stack import fresh_database
from tests.integration.alerts.helpers import G5_TARGET, write_plans, write_rules

pytestmark = [
    pytest.mark.integration,
    pytest.mark.slow,
    pytest.mark.asyncio(loop_scope="session"),
]

CATALOGUE = load_catalogue()
STATIONS = [f"restart-{i}" for i in range(10)]
SECRET = "engine-restart-secret"
RULES = """\
version: 1
rules:
  - id: rel-stale
    kind: stale_feed
    severity: page
    after: 4s
    for: 3s
    identify_by: [series]
    applies_to:
      indicators: [air.pm25]
    annotations:
      summary: "no data from {series} for {silence}"
"""
ROUTES = """\
version: 1
receivers:
  - name: hook
    webhook: {{url: '{url}', secrets_env: [RELIABILITY_ENGINE_SECRET]}}
    rate_limit: {{burst: 1000, every: 1s}}
route:
  receiver: hook
  group_by: [...]
  group_wait: 0s
  group_interval: 1s
  repeat_interval: 1h
"""
FINGERPRINTS = {fingerprint("rel-stale", {"series": f"air.pm25/{s}"}, ["series"]) for s in STATIONS}


def reading(source: str) -> Reading:
    now = datetime.now(UTC)
    raw = {"indicator": "air.pm25", "source": source, "ts": now.isoformat(), "value": 30.0}
    got = validate_record({**raw, "unit": "µg/m³"}, 0, CATALOGUE, now)
    assert isinstance(got, Reading), got
    return got


@dataclass
class Db:
    dsn: str

    def states(self) -> Counter[str]:
        with psycopg.connect(self.dsn) as conn:
            rows = conn.execute(
                "SELECT fingerprint, state FROM alerts WHERE rule_id = 'rel-stale'"
            ).fetchall()
        return Counter(state for fp, state in rows if fp in FINGERPRINTS)

    def events(self) -> dict[str, list[tuple[str, str]]]:
        with psycopg.connect(self.dsn) as conn:
            rows = conn.execute(
                "SELECT fingerprint, from_state, to_state FROM alert_events WHERE actor IS NULL"
                " ORDER BY at, array_position(ARRAY['pending', 'firing', 'resolved'], to_state)"
            ).fetchall()
        out: dict[str, list[tuple[str, str]]] = {fp: [] for fp in FINGERPRINTS}
        for fp, a, b in rows:
            if fp in out:
                out[fp].append((a, b))
        return out

    def last_eval(self) -> datetime:
        with psycopg.connect(self.dsn) as conn:
            row = conn.execute("SELECT max(last_eval) FROM alerts").fetchone()
        return row[0] if row and row[0] else datetime.min.replace(tzinfo=UTC)

    def notifications(self) -> Counter[tuple[str, str]]:
        with psycopg.connect(self.dsn) as conn:
            rows = conn.execute("SELECT fingerprint, kind FROM notifications").fetchall()
        return Counter((str(fp), str(kind)) for fp, kind in rows)


@pytest.fixture
def alerts_db(embedded_stack: Settings) -> Iterator[Db]:
    name = f"ontrack_test_restarts_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    with fresh_database(embedded_stack.dsn, name) as dsn:
        yield Db(dsn)


class Reporting:
    """The stations reporting again, once a second, from a thread."""

    def __init__(self, producer: ReadingsProducer) -> None:
        self.producer = producer
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self) -> None:
        while not self.stop.is_set():
            asyncio.run(self.producer.send([reading(s) for s in STATIONS], datetime.now(UTC)))
            self.stop.wait(1.0)

    def __enter__(self) -> Reporting:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join(10)


async def test_engine_killed_again_and_again_fires_each_alert_once(
    alerts_db: Db,
    embedded_stack: Settings,
    private_topics: Callable[..., Settings],
    spawn: Callable[..., Proc],
    tmp_path: Path,
    record: Callable[[object], None],
) -> None:
    s = private_topics(
        embedded_stack,
        database_url=SecretStr(alerts_db.dsn),
        alerts_consumer_group=f"test-{uuid.uuid4().hex[:8]}-alerts",
    )
    receiver = WebhookReceiver([SECRET])
    await receiver.start()
    (tmp_path / "routes").mkdir()
    (tmp_path / "routes" / "routes.yaml").write_text(ROUTES.format(url=receiver.url))
    env = service_env(
        s,
        ONTRACK_PLANS_DIR=str(write_plans(tmp_path / "plans", G5_TARGET.format(id="rel.g5"))),
        ONTRACK_RULES_DIR=str(write_rules(tmp_path / "rules", RULES)),
        ONTRACK_ROUTES_DIR=str(tmp_path / "routes"),
        ONTRACK_EVAL_INTERVAL="1",
        ONTRACK_ALERTS_CONSUMER_GROUP=s.alerts_consumer_group,
        ONTRACK_NOTIFY_POLL_SECONDS="0.2",
        RELIABILITY_ENGINE_SECRET=SECRET,
    )
    start_service(spawn, "worker", ["worker"], env)
    spawn("notify", ["notify", "--web-port", str(free_port())], env)
    engines = [start_service(spawn, "alerts-0", ["alerts"], env)]
    producer = ReadingsProducer(s.kafka_bootstrap, s.topic_readings, keys=load_batch_keys(s))
    kills: list[str] = []
    in_transaction: list[bool] = []

    async def kill_and_restart(when: str) -> None:
        """Kill the engine in the middle of an evaluation's transaction if it can be caught."""
        engine = engines[-1]
        _, mid = await asyncio.to_thread(
            kill_in_transaction, alerts_db.dsn, "ontrack-alerts", [engine], 5.0
        )
        assert engine.popen.wait(10) == -signal.SIGKILL
        kills.append(when)
        in_transaction.append(mid)
        engines.append(start_service(spawn, f"alerts-{len(engines)}", ["alerts"], env))

    def firing_told() -> int:
        return sum(
            1 for n in receiver.accepted for x in n["notifications"] if x["kind"] == "firing"
        )

    try:
        await producer.send([reading(st) for st in STATIONS], datetime.now(UTC))
        await until(lambda: alerts_db.states()["pending"] > 0, 60, "alerts pending")
        await kill_and_restart("pending")
        await until(lambda: alerts_db.states()["firing"] > 0, 60, "alerts firing")
        await kill_and_restart("firing")
        await until(lambda: alerts_db.states()["firing"] == len(STATIONS), 60, "all firing")
        await until(lambda: firing_told() >= len(STATIONS), 60, "every firing told")
        with Reporting(producer):
            await until(lambda: alerts_db.states()["resolved"] > 0, 60, "alerts resolving")
            await kill_and_restart("resolving")
            await until(lambda: alerts_db.states()["resolved"] == len(STATIONS), 60, "all resolved")
            await kill_and_restart("after")
            restarted = datetime.now(UTC)
            await until(
                lambda: alerts_db.last_eval() > restarted + timedelta(seconds=3),
                30,
                "several evaluations by the last engine",
            )
            resolved_told = len(STATIONS)
            await until(
                lambda: sum(
                    1 for n in receiver.accepted for x in n["notifications"]
                    if x["kind"] == "resolved"
                ) >= resolved_told,
                60,
                "every resolved told",
            )  # fmt: skip
            await asyncio.sleep(2)  # a late duplicate would show now
    finally:
        producer.close()
        await receiver.stop()

    events = alerts_db.events()
    rows = alerts_db.notifications()
    told = Counter(
        (x["fingerprint"], x["kind"]) for doc in receiver.accepted for x in doc["notifications"]
    )
    path = [("inactive", "pending"), ("pending", "firing"), ("firing", "resolved")]
    wrong_paths = {fp: e for fp, e in events.items() if e != path}
    result = EngineResult(
        alerts=len(FINGERPRINTS),
        kills=len(kills),
        mid_evaluation=sum(in_transaction),
        firing_told=sum(n for (_, kind), n in told.items() if kind == "firing"),
        resolved_told=sum(n for (_, kind), n in told.items() if kind == "resolved"),
        duplicate_notifications=sum(n - 1 for n in told.values() if n > 1),
        duplicate_outbox_rows=sum(n - 1 for n in rows.values() if n > 1),
        wrong_histories=len(wrong_paths),
    )
    record(result)
    assert not wrong_paths, wrong_paths
    assert set(told) == {(fp, k) for fp in FINGERPRINTS for k in ("firing", "resolved")}, told
    assert set(told.values()) == {1}, told
    assert set(rows.values()) == {1}, rows
    assert receiver.refused == []
    assert all(e.popen.poll() == -signal.SIGKILL for e in engines[:-1])


@dataclass
class EngineResult:
    alerts: int
    kills: int
    mid_evaluation: int
    firing_told: int
    resolved_told: int
    duplicate_notifications: int
    duplicate_outbox_rows: int
    wrong_histories: int

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)

    def line(self) -> str:
        return (
            f"alert engine kill -9 x{self.kills} ({self.mid_evaluation} mid-evaluation): "
            f"alerts={self.alerts} "
            f"firing_told={self.firing_told} resolved_told={self.resolved_told} "
            f"duplicated={self.duplicate_notifications} "
            f"duplicate_outbox_rows={self.duplicate_outbox_rows} "
            f"wrong_histories={self.wrong_histories}"
        )

"""Stream workers killed with SIGKILL in the middle of a batch, again and again, while a
provider pushes at a steady rate: every accepted reading is stored once, none is lost.

A kill lands while the victim's database transaction is open (seen in ``pg_stat_activity``
and traced to the worker by its socket): the batch it was storing is rolled back, its
offsets were never committed, and whoever owns the partition next stores it again. A fresh
worker replaces each victim, so the group rebalances on every round.

(tests/integration/stream kills one of two workers once; here it is every round, mid-batch,
with the HTTP API in front.)
"""

from __future__ import annotations

import re
import signal
import time
from collections.abc import Callable

import httpx
import psycopg
import pytest

from services.settings import Settings
from tests.fixtures.keys import MakeKey
from tests.fixtures.procs import kill_in_transaction
from tests.fixtures.reconcile import Feeder, reconcile
from tests.fixtures.services import Proc, service_env, start_api, start_service, wait_for

pytestmark = [pytest.mark.integration, pytest.mark.slow]

ROUNDS = 4
PREFIX = "kill9"


def stored(dsn: str) -> int:
    with psycopg.connect(dsn) as conn:
        row = conn.execute(
            "SELECT count(*) FROM observations WHERE starts_with(source, %s)", [PREFIX + "-"]
        ).fetchone()
    assert row is not None
    return int(row[0])


def assigned(worker: Proc, topic: str) -> set[int]:
    """The partitions of ``topic`` a worker reports lag for (those it is assigned and reads)."""
    try:
        text = httpx.get(f"http://127.0.0.1:{worker.port}/metrics", timeout=2).text
    except httpx.HTTPError:
        return set()
    pattern = rf'ontrack_stream_consumer_lag{{partition="(\d+)",topic="{re.escape(topic)}"}}'
    return {int(p) for p in re.findall(pattern, text)}


def balanced(workers: list[Proc], s: Settings) -> bool:
    """Every worker reads some partitions, and together all of them, each once."""
    parts = [assigned(w, s.topic_readings) for w in workers]
    every = [p for ps in parts for p in ps]
    return all(parts) and sorted(every) == list(range(s.topic_partitions))


def test_workers_killed_mid_batch_lose_and_duplicate_nothing(
    settings: Settings,
    spawn: Callable[..., Proc],
    private_topics: Callable[..., Settings],
    make_key: MakeKey,
    record: Callable[[object], None],
) -> None:
    s = private_topics(settings)
    # a short session: the group notices a dead member sooner (Tansu joins in about half of it)
    env = service_env(s, ONTRACK_CONSUMER_SESSION_TIMEOUT="6")
    url, _ = start_api(spawn, env, name="api-kills")
    workers = [start_service(spawn, f"worker-{i}", ["worker"], env) for i in range(2)]
    token = make_key("kill-feeds", sources=[f"{PREFIX}-*"])
    feeder = Feeder(url, token, PREFIX, rate=300, batch=30, sources=16).begin()
    mid_batch = 0
    try:
        for n in range(ROUNDS):
            # steady state first: both workers hold partitions and nothing accepted waits
            wait_for(lambda: balanced(workers, s), 120, f"the group balanced before kill {n + 1}")
            _, accepted = feeder.snapshot()
            wait_for(lambda a=accepted: stored(s.dsn) >= a, 120, f"catch-up before kill {n + 1}")
            victim, mid = kill_in_transaction(s.dsn, "ontrack-stream", workers)
            mid_batch += mid
            assert workers[victim].popen.wait(10) == -signal.SIGKILL
            workers[victim] = start_service(spawn, f"worker-{victim}-{n + 1}", ["worker"], env)
    finally:
        feeder.finish()
    wait_for(lambda: stored(s.dsn) >= feeder.accepted, 120, "every accepted reading stored")
    time.sleep(2)  # a late duplicate would show now
    result = reconcile(
        f"kill -9 stream worker x{ROUNDS}", feeder, s.dsn, kills=ROUNDS, mid_batch=mid_batch
    )
    record(result)
    result.assert_clean()
    assert mid_batch >= ROUNDS - 1, f"only {mid_batch} of {ROUNDS} kills were mid-batch"
    assert all(w.popen.poll() is None for w in workers), "every replacement is still running"

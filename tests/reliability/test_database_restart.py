"""TimescaleDB stopped and started again during ingest (a clean shutdown, then a crash): the
API keeps accepting into Kafka, the workers wait and retry, then resume by themselves; every
accepted reading is stored once.

The database is a cluster of the test's own (the embedded stack's is shared); the broker is
the stack's, with private topics.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import pytest
from pydantic import SecretStr

from services.settings import Settings
from tests.fixtures.faults import PrivateDatabase, private_timescaledb
from tests.fixtures.keys import key_in
from tests.fixtures.reconcile import Feeder, reconcile, stored_rows
from tests.fixtures.services import Proc, service_env, start_api, start_service, wait_for

pytestmark = [pytest.mark.integration, pytest.mark.slow]

OUTAGE = 10.0  # seconds; longer than the API's key cache (2 s here) and a worker's backoff
PREFIX = "dbdown"


@pytest.fixture
def database(embedded_stack: Settings) -> Iterator[PrivateDatabase]:
    with private_timescaledb(embedded_stack) as db:
        yield db


def test_database_restarts_lose_nothing_and_the_api_keeps_accepting(
    database: PrivateDatabase,
    embedded_stack: Settings,
    spawn: Callable[..., Proc],
    private_topics: Callable[..., Settings],
    record: Callable[[object], None],
) -> None:
    s = private_topics(embedded_stack, database_url=SecretStr(database.dsn))
    env = service_env(
        s,
        ONTRACK_KEY_CACHE_SECONDS="2",
        ONTRACK_RETENTION_CHECK_SECONDS="1",  # the retention timer runs during the outage too
    )
    url, api = start_api(spawn, env, name="api-dbdown")
    workers = [start_service(spawn, f"worker-{i}", ["worker"], env) for i in range(2)]
    token = key_in(database.dsn, "dbdown-feeds", sources=[f"{PREFIX}-*"])
    feeder = Feeder(url, token, PREFIX, rate=200, batch=20, sources=16).begin()

    def stored() -> int:
        try:
            return len(stored_rows(database.dsn, PREFIX))
        except Exception:  # noqa: BLE001 - down: nothing to count yet
            return -1

    outages = []
    try:
        for mode in ("fast", "immediate"):
            _, accepted = feeder.snapshot()
            wait_for(lambda a=accepted: stored() >= a + 200, 90, "readings stored before")
            before = feeder.snapshot()
            database.stop(mode)
            time.sleep(OUTAGE)
            during = feeder.snapshot()
            database.start()
            outages.append((mode, during[1] - before[1]))
            assert during[1] - before[1] > 0.5 * OUTAGE * feeder.rate, (
                f"the API accepted only {during[1] - before[1]} readings in the {OUTAGE:.0f} s "
                f"the database was down ({mode})"
            )
            for w in workers:
                assert w.popen.poll() is None, f"{w.name} died:\n{w.tail()}"
    finally:
        feeder.finish()
    wait_for(lambda: stored() >= feeder.accepted, 120, "every accepted reading stored")
    time.sleep(2)
    result = reconcile(
        "TimescaleDB stopped twice (fast, immediate)",
        feeder,
        database.dsn,
        accepted_while_down=sum(n for _, n in outages),
        outage_seconds=OUTAGE,
    )
    record(result)
    result.assert_clean()
    assert set(feeder.answers) == {"HTTP 202"}, feeder.answers  # never a 503 either
    assert api.popen.poll() is None
    for w in workers:
        assert w.popen.poll() is None, f"{w.name} died:\n{w.tail()}"
        assert "retrying" in w.log.read_text(), f"{w.name} never had to wait"

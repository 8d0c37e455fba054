"""TimescaleDB down for a minute behind two API processes: they stay ready and keep accepting.

The readiness of the API is Kafka's, not the database's (services/api/ops.py): during the
outage both APIs answer every batch 202 (keys checked before it stay valid), ``/readyz``
stays 200 on both, ``/healthz`` reports the database down, and the stream worker is not
ready (it cannot store). Once the database is back, every accepted reading is stored, once.

The database is a cluster of the test's own (the embedded stack's is shared); the broker is
the stack's, with private topics.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator

import httpx
import psycopg
import pytest
from pydantic import SecretStr

from services.settings import Settings
from tests.fixtures.faults import PrivateDatabase, private_timescaledb
from tests.fixtures.keys import key_in
from tests.fixtures.reconcile import Feeder, reconcile, stored_rows
from tests.fixtures.services import Proc, service_env, start_api, start_service, wait_for

pytestmark = [pytest.mark.integration, pytest.mark.slow]

OUTAGE = 60.0  # seconds
PREFIX = "ready"


@pytest.fixture
def database(embedded_stack: Settings) -> Iterator[PrivateDatabase]:
    with private_timescaledb(embedded_stack) as db:
        yield db


class Prober:
    """Polls a set of URLs every ``every`` s from a thread; keeps (phase, url, status, body)."""

    def __init__(self, urls: list[str], every: float = 0.5) -> None:
        self.urls, self.every = urls, every
        self.phase = "before"
        self.seen: list[tuple[str, str, int, dict[str, object]]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="prober", daemon=True)

    def __enter__(self) -> Prober:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(10)

    def _run(self) -> None:
        with httpx.Client(timeout=5) as http:
            while not self._stop.is_set():
                for url in self.urls:
                    phase = self.phase
                    try:
                        answer = http.get(url)
                        self.seen.append((phase, url, answer.status_code, answer.json()))
                    except httpx.HTTPError as exc:
                        self.seen.append((phase, url, 0, {"error": repr(exc)}))
                self._stop.wait(self.every)

    def statuses(self, phase: str, path: str) -> Counter[int]:
        return Counter(s for p, u, s, _ in self.seen if p == phase and u.endswith(path))

    def bodies(self, phase: str, path: str) -> list[dict[str, object]]:
        return [b for p, u, _, b in self.seen if p == phase and u.endswith(path)]


def _stored(dsn: str) -> int:
    try:
        with psycopg.connect(dsn, connect_timeout=5) as conn:
            row = conn.execute(
                "SELECT count(*) FROM observations WHERE starts_with(source, %s)", [PREFIX + "-"]
            ).fetchone()
        return int(row[0]) if row else 0
    except psycopg.OperationalError:
        return -1


def test_apis_stay_ready_and_accept_every_batch_while_the_database_is_down(
    database: PrivateDatabase,
    embedded_stack: Settings,
    spawn: Callable[..., Proc],
    private_topics: Callable[..., Settings],
    record: Callable[[object], None],
) -> None:
    s = private_topics(embedded_stack, database_url=SecretStr(database.dsn))
    env = service_env(s, ONTRACK_KEY_CACHE_SECONDS="2")
    worker = start_service(spawn, "worker", ["worker"], env)
    apis = [start_api(spawn, env, name=f"api-{n}") for n in "ab"]
    token = key_in(database.dsn, "outage-feeds", sources=[f"{PREFIX}-*"])
    feeders = [
        Feeder(url, token, f"{PREFIX}-{n}", rate=100, batch=10, sources=8).begin()
        for n, (url, _) in zip("ab", apis, strict=True)
    ]
    worker_url = f"http://127.0.0.1:{worker.port}"
    probes = [f"{url}/{path}" for url, _ in apis for path in ("livez", "readyz", "healthz")]
    try:
        with Prober([*probes, f"{worker_url}/readyz"]) as prober:
            wait_for(lambda: _stored(database.dsn) >= 200, 60, "readings stored before")
            before = [f.snapshot()[1] for f in feeders]
            database.stop("fast")
            prober.phase = "down"
            time.sleep(OUTAGE)
            during = [f.snapshot()[1] - b for f, b in zip(feeders, before, strict=True)]
            prober.phase = "after"
            database.start()
            wait_for(
                lambda: prober.statuses("after", ":" + str(worker.port) + "/readyz")[200] > 0,
                60,
                "the worker to be ready again",
            )
            # and every API probed after it too (a round of probes may straddle the switch)
            wait_for(
                lambda: all(prober.statuses("after", u) for u in probes), 30, "the APIs probed"
            )
    finally:
        for f in feeders:
            f.finish()
    accepted = sum(f.accepted for f in feeders)
    wait_for(lambda: _stored(database.dsn) >= accepted, 120, "every accepted reading stored")
    time.sleep(2)

    for n, f in zip("ab", feeders, strict=True):
        result = reconcile(
            f"TimescaleDB down {OUTAGE:.0f} s behind two APIs (api-{n})",
            f,
            database.dsn,
            accepted_while_down=during["ab".index(n)],
        )
        record(result)
        result.assert_clean()
        assert set(f.answers) == {"HTTP 202"}, f.answers  # never a 503 or a lost connection
        assert during["ab".index(n)] > 0.5 * OUTAGE * f.rate, (n, during)
    assert _stored(database.dsn) == accepted == len(stored_rows(database.dsn, PREFIX))

    for url, proc in apis:
        assert proc.popen.poll() is None, proc.tail()
        for phase in ("before", "down", "after"):
            ready = prober.statuses(phase, f"{url}/readyz")
            assert set(ready) == {200} and ready[200] > 0, (url, phase, ready)
            assert set(prober.statuses(phase, f"{url}/livez")) == {200}, (url, phase)
        down = prober.bodies("down", f"{url}/healthz")
        late = down[len(down) // 2 :]  # once the pool has noticed
        assert late and all(b["checks"] == {"kafka": True, "database": False} for b in late), late
    assert prober.statuses("down", f"{worker_url}/readyz")[503] > 0
    assert worker.popen.poll() is None, worker.tail()

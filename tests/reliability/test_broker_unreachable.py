"""The broker unreachable for a while: the API answers 503 with Retry-After (never 202 for
what is not in Kafka), and once the broker is back the API and the worker carry on by
themselves; a provider retrying what was refused loses nothing.

The broker is a Tansu of the test's own that advertises a proxy in front of it, so every
client goes through the proxy; cutting it refuses and resets every connection (a restart
is no option: Tansu keeps its data in memory only).
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from kafka import KafkaConsumer, TopicPartition

from services.ingest.codec import decode_columns
from services.settings import Settings
from tests.fixtures.faults import PrivateBroker, private_broker
from tests.fixtures.keys import MakeKey
from tests.fixtures.reconcile import Feeder, reconcile, stored_rows
from tests.fixtures.services import Proc, service_env, start_api, start_service, wait_for

pytestmark = [pytest.mark.integration, pytest.mark.slow]

OUTAGE = 15.0  # seconds the broker is unreachable
PREFIX = "brokerdown"
PROBLEM = "application/problem+json"


@pytest.fixture
def broker(settings: Settings, tmp_path: Path) -> Iterator[PrivateBroker]:
    with private_broker(settings, tmp_path / "broker") as found:
        yield found


def kafka_copies(s: Settings) -> Counter[tuple[str, datetime]]:
    """How often each reading of the test is in the ``readings`` topic."""
    consumer = KafkaConsumer(bootstrap_servers=s.kafka_bootstrap, enable_auto_commit=False)
    try:
        parts = [TopicPartition(s.topic_readings, p) for p in range(s.topic_partitions)]
        consumer.assign(parts)
        consumer.seek_to_beginning(*parts)
        ends = consumer.end_offsets(parts)
        copies: Counter[tuple[str, datetime]] = Counter()
        deadline = time.monotonic() + 60
        while any(consumer.position(p) < ends[p] for p in parts):
            assert time.monotonic() < deadline, "could not read the topic back"
            for records in consumer.poll(timeout_ms=1000).values():
                for record in records:
                    c = decode_columns(record.value)
                    for source, ts in zip(c.source, c.ts, strict=True):
                        if source.startswith(PREFIX + "-"):
                            copies[(source, ts.astimezone(UTC))] += 1
        return copies
    finally:
        consumer.close()


def probe(url: str, token: str, n: int) -> tuple[httpx.Response, float]:
    reading = {
        "indicator": "air.pm25",
        "source": f"probe-{PREFIX}-1",
        "ts": (datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=n)).isoformat(),
        "value": 1,
        "unit": "µg/m³",
    }
    started = time.monotonic()
    answer = httpx.post(
        url + "/v1/readings",
        json=[reading],
        headers={"Authorization": f"Bearer {token}"},
        timeout=120,
    )
    return answer, time.monotonic() - started


def test_broker_unreachable_is_503_with_retry_after_and_recovers_by_itself(
    broker: PrivateBroker,
    spawn: Callable[..., Proc],
    make_key: MakeKey,
    record: Callable[[object], None],
) -> None:
    s = broker.settings
    env = service_env(s, ONTRACK_CONSUMER_SESSION_TIMEOUT="6")
    url, api = start_api(spawn, env, name="api-brokerdown")
    worker = start_service(spawn, "worker", ["worker"], env)
    token = make_key("brokerdown-feeds", sources=[f"{PREFIX}-*", f"probe-{PREFIX}-*"])
    feeder = Feeder(url, token, PREFIX, rate=100, batch=10, sources=16).begin()
    probes: list[tuple[int, float, str | None, str]] = []
    readiness: Counter[tuple[str, int]] = Counter()  # (which, status) while cut
    worker_ready = f"http://127.0.0.1:{worker.port}/readyz"
    try:
        wait_for(lambda: len(stored_rows(s.dsn, PREFIX)) > 200, 60, "readings stored before")
        broker.proxy.cut()
        cut_at = time.monotonic()
        n = 0
        while time.monotonic() - cut_at < OUTAGE:
            n += 1
            answer, took = probe(url, token, n)
            probes.append(
                (answer.status_code, took, answer.headers.get("retry-after"), answer.text)
            )
            for which, ready in (("api", url + "/readyz"), ("worker", worker_ready)):
                readiness[(which, httpx.get(ready, timeout=10).status_code)] += 1
        broker.proxy.restore()
        wait_for(lambda: probe(url, token, 0)[0].status_code == 202, 60, "a 202 again")
        for ready in (url + "/readyz", worker_ready):
            wait_for(lambda r=ready: httpx.get(r, timeout=10).status_code == 200, 60, ready)
        _, accepted = feeder.snapshot()
        wait_for(lambda: feeder.snapshot()[1] > accepted + 200, 60, "the feeder going again")
    finally:
        feeder.finish()
    wait_for(lambda: len(stored_rows(s.dsn, PREFIX)) >= feeder.accepted, 120, "all stored")
    time.sleep(2)
    copies = kafka_copies(s)
    statuses = Counter(status for status, *_ in probes)
    result = reconcile(
        f"broker unreachable {OUTAGE:.0f} s",
        feeder,
        s.dsn,
        probes_during_outage=dict(statuses),
        slowest_503_seconds=round(max(took for _, took, *_ in probes), 1),
        in_kafka=sum(copies.values()),
        kafka_duplicates=sum(n - 1 for n in copies.values()),
        # a batch given up on (503) may still reach Kafka once the broker is back
        refused_then_stored=len(stored_rows(s.dsn, f"probe-{PREFIX}")) - 1,
    )
    record(result)
    assert probes and set(statuses) == {503}, probes  # never a 202 while unreachable
    # neither is ready while Kafka is unreachable (the first check may still have passed)
    assert readiness[("api", 503)] >= len(probes) - 1 and readiness[("worker", 503)] > 0, readiness
    for _, took, retry_after, text in probes:
        assert retry_after is not None and int(retry_after) > 0
        assert "retry it as it is" in text
        assert took < 15, f"a 503 took {took:.1f} s"
    result.assert_clean()
    assert feeder.answers["HTTP 503"] > 0, "the feeder never met the outage"
    assert api.popen.poll() is None and worker.popen.poll() is None  # recovered by themselves
    assert set(copies) == set(feeder.values)  # every accepted reading is in Kafka

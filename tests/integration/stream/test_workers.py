"""Two stream workers share the partitions; one killed mid-stream loses and duplicates nothing."""

from __future__ import annotations

import asyncio
import signal
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import psycopg
import pytest
from kafka import KafkaConsumer

from services.indicators.catalogue import load_catalogue
from services.indicators.readings import Reading, validate_record
from services.ingest.keyring import load_batch_keys
from services.ingest.producer import ReadingsProducer
from services.settings import Settings
from tests.fixtures.services import Proc, service_env, start_service, wait_for

pytestmark = [pytest.mark.integration, pytest.mark.slow]

CATALOGUE = load_catalogue()


def readings(source: str, n: int, start: datetime) -> list[Reading]:
    out = []
    for i in range(n):
        raw = {
            "indicator": "air.pm25",
            "source": source,
            "ts": (start + timedelta(hours=i)).isoformat(),
            "value": float(i % 300),
            "unit": "µg/m³",
        }
        r = validate_record(raw, i, CATALOGUE, datetime(2030, 1, 1, tzinfo=UTC))
        assert isinstance(r, Reading)
        out.append(r)
    return out


def counts(dsn: str, prefix: str) -> tuple[int, int]:
    with psycopg.connect(dsn) as conn:
        row = conn.execute(
            "SELECT count(*), count(DISTINCT (source, ts)) FROM observations WHERE source LIKE %s",
            [prefix + "%"],
        ).fetchone()
    assert row is not None
    return int(row[0]), int(row[1])


def start_worker(spawn: Callable[..., Proc], s: Settings, name: str) -> tuple[Proc, int]:
    proc = start_service(spawn, name, ["worker"], service_env(s), timeout=30)
    assert proc.port is not None
    return proc, proc.port


def test_kill_one_of_two_workers_mid_stream(
    settings: Settings, spawn: Callable[..., Proc], private_topics: Callable[..., Settings]
) -> None:
    s = private_topics(settings)
    w1, _ = start_worker(spawn, s, "worker-1")
    w2, _ = start_worker(spawn, s, "worker-2")
    sources = [f"kill-{i}" for i in range(16)]  # spread over every partition
    per_source, batches = 400, 20
    step = per_source // batches
    start = datetime(2024, 1, 1, tzinfo=UTC)
    data = {src: readings(src, per_source, start) for src in sources}

    async def produce() -> None:
        producer = ReadingsProducer(s.kafka_bootstrap, s.topic_readings, keys=load_batch_keys(s))
        try:
            for b in range(batches):
                batch = [r for src in sources for r in data[src][b * step : (b + 1) * step]]
                await producer.send(batch, datetime.now(UTC))
                if b == batches // 2:
                    w2.popen.send_signal(signal.SIGKILL)  # mid-stream, no goodbye
                await asyncio.sleep(0.3)
        finally:
            producer.close()

    asyncio.run(produce())
    total = len(sources) * per_source
    # The survivor takes the dead worker's partitions once its session times out.
    wait_for(lambda: counts(s.dsn, "kill-")[0] >= total, 120, f"{total} rows stored")
    time.sleep(2)
    rows, distinct = counts(s.dsn, "kill-")
    assert (rows, distinct) == (total, total)
    assert w1.popen.poll() is None, "the surviving worker must still be running"


def test_aggregates_announce_what_changed(
    settings: Settings, spawn: Callable[..., Proc], private_topics: Callable[..., Settings]
) -> None:
    s = private_topics(settings)
    start_worker(spawn, s, "worker-agg")
    batch = readings("agg-1", 5, datetime(2025, 6, 1, tzinfo=UTC))

    async def produce() -> None:
        producer = ReadingsProducer(s.kafka_bootstrap, s.topic_readings, keys=load_batch_keys(s))
        try:
            await producer.send(batch, datetime.now(UTC))
        finally:
            producer.close()

    asyncio.run(produce())
    consumer = KafkaConsumer(
        s.topic_aggregates,
        bootstrap_servers=s.kafka_bootstrap,
        auto_offset_reset="earliest",
        consumer_timeout_ms=30_000,
    )
    import orjson

    events = []
    for msg in consumer:
        events.append(orjson.loads(msg.value))
        break
    consumer.close()
    assert events, "no aggregates event within 30 s"
    assert events[0]["indicator"] == "air.pm25"
    assert events[0]["series"][0]["source"] == "agg-1"
    assert events[0]["series"][0]["rows"] == 5

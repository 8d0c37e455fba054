"""Kafka-native producers write to ``readings``; the stream validates and dead-letters with reasons."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import pytest
from kafka import KafkaConsumer, KafkaProducer, TopicPartition

from services.settings import Settings
from tests.fixtures.services import Running, wait_for
from tests.integration.ingest.helpers import count_rows, day, reading, rows

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def _dead_letters(settings: Settings, until: int, timeout: float = 60) -> list[dict[str, Any]]:
    consumer = KafkaConsumer(
        bootstrap_servers=settings.kafka_bootstrap,
        enable_auto_commit=False,
        consumer_timeout_ms=1000,
    )
    try:
        tp = TopicPartition(settings.topic_dlq, 0)
        consumer.assign([tp])
        consumer.seek_to_beginning(tp)
        found: list[dict[str, Any]] = []
        deadline = time.monotonic() + timeout
        while len(found) < until and time.monotonic() < deadline:
            for batch in consumer.poll(timeout_ms=500).values():
                found.extend(orjson.loads(m.value) for m in batch)
        return found
    finally:
        consumer.close()


def test_valid_records_are_stored_and_invalid_ones_dead_lettered(
    pipeline: Running, settings: Settings
) -> None:
    future = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    sends: list[tuple[bytes, list[tuple[str, bytes]]]] = [
        (orjson.dumps(reading("kn-single", day(14), 0.04, unit="mg/m³")), []),
        (
            orjson.dumps(
                {
                    "readings": [
                        reading("kn-batch", day(14), 12),
                        reading("kn-batch", day(14), 12, indicator="air.pm26"),
                        {**reading("kn-batch", day(14), 12), "ts": future},
                        reading("@SUM(A1)", day(14), 12),
                    ]
                }
            ),
            [],
        ),
        (b"pm25=31 at shinan", []),
        (b'{"v": 1, "readings": []}', [("ontrack-format", b"batch.v1")]),
    ]
    producer = KafkaProducer(
        bootstrap_servers=settings.kafka_bootstrap, acks="all", enable_idempotence=True
    )
    try:
        for value, headers in sends:
            producer.send(settings.topic_readings, value, headers=headers).get(timeout=10)
    finally:
        producer.close()

    wait_for(lambda: count_rows(settings.dsn, "kn-single") == 1, 60, "the single reading")
    wait_for(lambda: count_rows(settings.dsn, "kn-batch") == 1, 60, "the good one of the batch")
    assert rows(settings.dsn, "kn-single")[0][2] == pytest.approx(40.0)  # mg/m³ → µg/m³

    dead = _dead_letters(settings, until=5)
    reasons = [d["reason"] for d in dead]
    assert len(reasons) == 5, reasons
    expected = [
        'indicator: indicator "air.pm26" is unknown (did you mean air.pm25',
        "ts: ts ",
        'source: source "@SUM(A1)" starts with "@"',
        "not JSON",
        "batch without signature: header ontrack-format=batch.v1",
    ]
    for words in expected:
        assert any(words in r for r in reasons), (words, reasons)
    assert all(d["topic"] == settings.topic_readings and d["offset"] >= 0 for d in dead)
    unknown = next(d for d in dead if "air.pm26" in d["reason"])
    assert orjson.loads(unknown["payload"])["indicator"] == "air.pm26"
    assert count_rows(settings.dsn, "@SUM(A1)") == 0

"""A batch travels HTTP → Kafka → Faust → TimescaleDB and reads back; redelivery adds nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import psycopg
import pytest
from kafka import KafkaProducer

from services.settings import Settings
from tests.fixtures.services import Running, wait_for

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def _batch(source: str, n: int, start: datetime) -> list[dict[str, object]]:
    return [
        {
            "indicator": "air.pm25",
            "source": source,
            "ts": (start + timedelta(hours=i)).isoformat(),
            "value": 20 + i,
            "unit": "µg/m³",
            "region": "shinan",
            "id": f"{source}-{i}",
        }
        for i in range(n)
    ]


def _count(dsn: str, source: str) -> int:
    with psycopg.connect(dsn) as conn:
        row = conn.execute(
            "SELECT count(*) FROM observations WHERE source = %s", [source]
        ).fetchone()
    assert row is not None
    return int(row[0])


def test_batch_is_stored_and_reads_back(
    pipeline: Running, settings: Settings, auth: dict[str, str]
) -> None:
    start = datetime(2026, 11, 1, tzinfo=UTC)
    resp = httpx.post(
        pipeline.api_url + "/v1/readings",
        json={"readings": _batch("st-thin", 24, start)},
        headers=auth,
    )
    assert resp.status_code == 202, resp.text
    assert resp.json() == {"accepted": 24, "rejected": 0, "errors": []}

    wait_for(lambda: _count(settings.dsn, "st-thin") == 24, 60, "24 rows stored")
    got = httpx.get(pipeline.api_url + "/v1/series/air.pm25/st-thin").json()
    assert [o["value"] for o in got["observations"]] == [20.0 + i for i in range(24)]
    assert got["observations"][0]["ts"] == start.isoformat()
    assert got["unit"] == "µg/m³"


def test_units_are_normalised_and_raw_kept(
    pipeline: Running, settings: Settings, auth: dict[str, str]
) -> None:
    ts = datetime(2026, 11, 2, 8, tzinfo=UTC).isoformat()
    body = [{"indicator": "air.pm25", "source": "st-mg", "ts": ts, "value": 0.035, "unit": "mg/m³"}]
    assert httpx.post(pipeline.api_url + "/v1/readings", json=body, headers=auth).status_code == 202
    wait_for(lambda: _count(settings.dsn, "st-mg") == 1, 60, "the row stored")
    obs = httpx.get(pipeline.api_url + "/v1/series/air.pm25/st-mg").json()["observations"][0]
    assert obs["value"] == pytest.approx(35.0)
    assert (obs["raw_value"], obs["raw_unit"]) == (0.035, "mg/m³")


def test_redelivered_batch_leaves_no_duplicates(
    pipeline: Running, settings: Settings, auth: dict[str, str]
) -> None:
    start = datetime(2026, 10, 1, tzinfo=UTC)
    batch = {"readings": _batch("st-redeliver", 10, start)}
    assert (
        httpx.post(pipeline.api_url + "/v1/readings", json=batch, headers=auth).status_code == 202
    )
    wait_for(lambda: _count(settings.dsn, "st-redeliver") == 10, 60, "10 rows stored")
    with psycopg.connect(settings.dsn) as conn:
        before = conn.execute(
            "SELECT ts, value, stored_at FROM observations WHERE source = 'st-redeliver' ORDER BY ts"
        ).fetchall()

    # The same batch again over HTTP (a client retry) and straight into Kafka (a redelivery),
    # then a sentinel that proves the worker has got past both.
    assert (
        httpx.post(pipeline.api_url + "/v1/readings", json=batch, headers=auth).status_code == 202
    )
    import orjson

    producer = KafkaProducer(
        bootstrap_servers=settings.kafka_bootstrap, acks="all", enable_idempotence=True
    )
    producer.send(settings.topic_readings, orjson.dumps(batch)).get(timeout=10)
    producer.close()
    sentinel = _batch("st-sentinel", 1, start)
    assert (
        httpx.post(pipeline.api_url + "/v1/readings", json=sentinel, headers=auth).status_code
        == 202
    )
    wait_for(lambda: _count(settings.dsn, "st-sentinel") == 1, 60, "the sentinel stored")

    with psycopg.connect(settings.dsn) as conn:
        after = conn.execute(
            "SELECT ts, value, stored_at FROM observations WHERE source = 'st-redeliver' ORDER BY ts"
        ).fetchall()
    assert after == before  # same rows, and not even rewritten (stored_at unchanged)


def test_healthz_and_metrics(pipeline: Running) -> None:
    assert httpx.get(pipeline.api_url + "/healthz").json()["status"] == "ok"
    text = httpx.get(pipeline.api_url + "/metrics").text
    assert "ontrack_http_request_duration_seconds" in text

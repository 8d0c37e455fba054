"""Year-to-date feeds through the real pipeline: pushed over HTTP (JSON labels, a CSV column
label.arrives_as) or straight into Kafka, stored by a worker as the flows of their months —
January's reset, a missing month, months out of order, revisions — with an implausible figure
dead-lettered and the rest stored; the rollups follow the flows."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

import httpx
import orjson
import psycopg
import pytest
from kafka import KafkaConsumer, KafkaProducer, TopicPartition

from services.indicators.city import CITY_TZ
from services.settings import Settings
from tests.fixtures.services import Proc, start_pipeline, wait_for

pytestmark = [pytest.mark.integration, pytest.mark.slow]

RAIL = "port.sea_rail_teu"  # monthly, at most 500 000 TEU a month
TEU = "port.container_teu"


def month(m: int, year: int = 2025) -> str:
    return datetime(year, m, 28, tzinfo=CITY_TZ).isoformat()


def figure(source: str, m: int, value: object, year: int = 2025, ind: str = RAIL) -> dict[str, Any]:
    return {"indicator": ind, "source": source, "ts": month(m, year), "value": value,
            "unit": "TEU", "labels": {"arrives_as": "ytd"}}  # fmt: skip


def push(url: str, token: str, body: Any, csv: str | None = None) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {token}"}
    if csv is None:
        answer = httpx.post(url + "/v1/readings", json=body, headers=headers, timeout=30)
    else:
        headers["content-type"] = "text/csv"
        answer = httpx.post(url + "/v1/readings", content=csv, headers=headers, timeout=30)
    assert answer.status_code == 202, answer.text
    result: dict[str, Any] = answer.json()
    return result


def flows(dsn: str, source: str, ind: str = RAIL) -> list[tuple[str, float]]:
    with psycopg.connect(dsn) as conn:
        conn.execute("SET TimeZone = 'Asia/Shanghai'")
        rows = conn.execute(
            "SELECT to_char(ts, 'YYYY-MM'), value FROM observations"
            " WHERE indicator = %s AND source = %s ORDER BY ts",
            [ind, source],
        ).fetchall()
    return [(str(m), float(str(v))) for m, v in rows]


def until(dsn: str, source: str, want: list[tuple[str, float]], ind: str = RAIL) -> None:
    wait_for(lambda: flows(dsn, source, ind) == want, 60, f"{source}: {want}")


def dead_letters(s: Settings, n: int) -> list[dict[str, Any]]:
    consumer = KafkaConsumer(bootstrap_servers=s.kafka_bootstrap, enable_auto_commit=False)
    try:
        tp = TopicPartition(s.topic_dlq, 0)
        consumer.assign([tp])
        consumer.seek_to_beginning(tp)
        found: list[dict[str, Any]] = []
        deadline = time.monotonic() + 60
        while len(found) < n and time.monotonic() < deadline:
            for batch in consumer.poll(timeout_ms=500).values():
                found.extend(orjson.loads(m.value) for m in batch)
        return found
    finally:
        consumer.close()


def test_year_to_date_feeds_are_stored_as_flows(
    settings: Settings,
    spawn: Callable[..., Proc],
    private_topics: Callable[..., Settings],
    api_key: str,
) -> None:
    s = private_topics(settings)
    running = start_pipeline(s, spawn)
    url, dsn = running.api_url, s.dsn

    # 200万 (January's total) then 420万 (January–February's) store 200万 and 220万
    push(
        url,
        api_key,
        [figure("ytd-qqct", 1, "200万", ind=TEU), figure("ytd-qqct", 2, "420万", ind=TEU)],
    )
    until(dsn, "ytd-qqct", [("2025-01", 2_000_000), ("2025-02", 2_200_000)], TEU)

    # a CSV with a label.arrives_as column; February not published yet: March spans both
    csv = (
        "indicator,ts,value,unit,source,label.arrives_as\n"
        f"{RAIL},{month(1)},200,TEU,ytd-rail,ytd\n"
        f"{RAIL},{month(3)},700,TEU,ytd-rail,ytd\n"
    )
    assert push(url, api_key, None, csv)["accepted"] == 2
    until(dsn, "ytd-rail", [("2025-01", 200), ("2025-03", 500)])
    push(url, api_key, [figure("ytd-rail", 2, 420)])  # the gap fills
    until(dsn, "ytd-rail", [("2025-01", 200), ("2025-02", 220), ("2025-03", 280)])
    push(url, api_key, [figure("ytd-rail", 1, 210)])  # January revised
    until(dsn, "ytd-rail", [("2025-01", 210), ("2025-02", 210), ("2025-03", 280)])
    push(url, api_key, [figure("ytd-rail", 1, 90, year=2026), figure("ytd-rail", 12, 5000)])
    until(dsn, "ytd-rail", [("2025-01", 210), ("2025-02", 210), ("2025-03", 280),
                            ("2025-12", 4300), ("2026-01", 90)])  # fmt: skip

    # April below March: its flow would be negative; it is dead-lettered, May is stored
    answer = push(url, api_key, [figure("ytd-rail", 4, 650), figure("ytd-rail", 5, 900)])
    assert answer["accepted"] == 2
    until(dsn, "ytd-rail", [("2025-01", 210), ("2025-02", 210), ("2025-03", 280),
                            ("2025-05", 200), ("2025-12", 4100), ("2026-01", 90)])  # fmt: skip
    (dead,) = dead_letters(s, 1)
    assert "year-to-date total 650 TEU at 2025-04-28T00:00:00+08:00 of " in dead["reason"]
    assert "its flow since the total of 700 TEU" in dead["reason"]
    assert "would be -50 TEU, outside the plausible range 0 TEU to 500,000 TEU" in dead["reason"]
    assert orjson.loads(dead["payload"])["value"] == 650

    # a Kafka-native producer's figures are validated by the stream and differenced the same
    producer = KafkaProducer(bootstrap_servers=s.kafka_bootstrap, acks="all")
    try:
        body = {"readings": [figure("ytd-native", 1, 300), figure("ytd-native", 2, 450)]}
        producer.send(s.topic_readings, orjson.dumps(body)).get(timeout=10)
    finally:
        producer.close()
    until(dsn, "ytd-native", [("2025-01", 300), ("2025-02", 150)])

    # the month and year rollups are the sums of the stored flows
    with psycopg.connect(dsn) as conn:
        conn.execute("SET TimeZone = 'Asia/Shanghai'")
        for width in ("month", "year"):
            want = conn.execute(
                "SELECT indicator, source, date_trunc(%s, ts), sum(value) FROM observations"
                " WHERE source LIKE 'ytd-%%' GROUP BY 1, 2, 3 ORDER BY 1, 2, 3",
                [width],
            ).fetchall()
            got = conn.execute(
                "SELECT indicator, source, bucket, sum FROM rollups WHERE width = %s"
                " AND source LIKE 'ytd-%%' ORDER BY 1, 2, 3",
                [width],
            ).fetchall()
            assert got == want, width

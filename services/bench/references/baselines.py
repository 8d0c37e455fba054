"""What this machine can do without ontrack: raw COPY, raw produce/consume, a no-op HTTP handler."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta

import httpx
import psycopg
from aiokafka import AIOKafkaConsumer
from kafka import KafkaProducer
from psycopg import sql

from services.bench.env import free_port
from services.bench.load import hammer
from services.ingest.topics import delete_topics

__all__ = [
    "copy_rows_per_s",
    "kafka_roundtrip_seconds",
    "noop_http_per_s",
    "produce_consume_per_s",
]


def copy_rows_per_s(dsn: str, rows: int = 200_000) -> float:
    """Binary COPY into a hypertable shaped like ``observations``, with its unique index."""
    table = sql.Identifier(f"bench_copy_{uuid.uuid4().hex[:8]}")
    t0 = datetime(2025, 1, 1, tzinfo=UTC)
    now = datetime.now(UTC)
    data = [
        (
            "air.pm25", f"s{i % 1000}", t0 + timedelta(seconds=i), float(i % 500), None,
            "{}", None, float(i % 500), "µg/m³", now,
        )
        for i in range(rows)
    ]  # fmt: skip
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE TABLE {} (LIKE observations INCLUDING ALL)").format(table))
        conn.execute(
            "SELECT create_hypertable(%s, by_range('ts', INTERVAL '7 days'))",
            [table.as_string(conn)],
        )
        try:
            start = time.perf_counter()
            with conn.transaction(), conn.cursor() as cur:
                copy_sql = sql.SQL(
                    "COPY {} (indicator, source, ts, value, region, labels, reading_id,"
                    " raw_value, raw_unit, received_at) FROM STDIN (FORMAT BINARY)"
                ).format(table)
                with cur.copy(copy_sql) as copy:
                    copy.set_types(_COPY_TYPES)
                    for row in data:
                        copy.write_row(row)
            return rows / (time.perf_counter() - start)
        finally:
            conn.execute(sql.SQL("DROP TABLE {}").format(table))


_COPY_TYPES = [
    "text", "text", "timestamptz", "float8", "text", "jsonb", "text", "float8", "text",
    "timestamptz",
]  # fmt: skip


def kafka_roundtrip_seconds(bootstrap: str, messages: int = 100) -> float:
    """p99 of one message produced (acks=all) until a consumer polling the topic has it."""
    topic = f"bench.rt.{uuid.uuid4().hex[:8]}"
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=True)

    async def run() -> list[float]:
        producer.send(topic, b"warm").get(10)
        consumer = AIOKafkaConsumer(
            topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest",
            enable_auto_commit=False,
        )  # fmt: skip
        await consumer.start()
        try:
            await consumer.getone()
            out = []
            for _ in range(messages):
                start = time.perf_counter()
                producer.send(topic, b"x" * 200)
                producer.flush()
                await consumer.getone()
                out.append(time.perf_counter() - start)
            return sorted(out)
        finally:
            await consumer.stop()

    try:
        times = asyncio.run(run())
        return times[min(len(times) - 1, round(0.99 * (len(times) - 1)))]
    finally:
        producer.close()
        delete_topics(bootstrap, [topic])


def produce_consume_per_s(
    bootstrap: str, messages: int = 100_000, size: int = 200
) -> tuple[float, float]:
    """kafka-python idempotent produce (acks=all) and aiokafka consume, messages per second."""
    topic = f"bench.raw.{uuid.uuid4().hex[:8]}"
    producer = KafkaProducer(
        bootstrap_servers=bootstrap,
        acks="all",
        enable_idempotence=True,
        linger_ms=2,
        batch_size=1 << 20,
    )
    payload = b"x" * size
    try:
        start = time.perf_counter()
        for _ in range(messages):
            producer.send(topic, payload)
        producer.flush()
        produce = messages / (time.perf_counter() - start)
    finally:
        producer.close()

    async def consume() -> float:
        consumer = AIOKafkaConsumer(
            topic,
            bootstrap_servers=bootstrap,
            auto_offset_reset="earliest",
            enable_auto_commit=False,
        )
        await consumer.start()
        try:
            got, start = 0, time.perf_counter()
            while got < messages:
                batches = await consumer.getmany(timeout_ms=1000, max_records=10_000)
                got += sum(len(v) for v in batches.values())
            return got / (time.perf_counter() - start)
        finally:
            await consumer.stop()

    try:
        return produce, asyncio.run(consume())
    finally:
        delete_topics(bootstrap, [topic])


def noop_http_per_s(body: bytes, requests: int = 2000, concurrency: int = 8) -> float:
    """Requests/s of a FastAPI handler that only reads ``body``, in its own uvicorn process."""
    port = free_port()
    proc = subprocess.Popen(  # noqa: S603 - our own module
        [sys.executable, "-m", "services.bench.references.noop_server", str(port)]
    )
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                httpx.post(f"http://127.0.0.1:{port}/noop", content=b"{}", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        url = f"http://127.0.0.1:{port}/noop"
        return asyncio.run(hammer(url, [body], requests, concurrency)).requests_per_s
    finally:
        proc.terminate()
        proc.wait(10)

"""Forged and tampered batches on the ``readings`` topic: none stored, each dead-lettered with
the reason; a genuine batch delivered twice changes nothing; rotating the batch keys the way
docs/operations.md says loses nothing.

The stream takes a message with the header ``ontrack-format: batch.v2`` (the API's batches;
``batch.v1``, of earlier versions, too) without checking its readings again, so any Kafka client able to write to the topic could
store anything if the header were all it took. Here the test is that client, against a real
API and stream worker holding batch keys the test sets; it reads ``readings.dlq`` back and
matches each dead letter to the message it produced (partition and offset).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import orjson
import psycopg
import pytest
from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.consumer.fetcher import ConsumerRecord

from services.indicators.readings import Reading
from services.ingest.codec import encode_batch
from services.ingest.signing import parse_batch_keys, sign_batch
from services.settings import Settings
from tests.fixtures.keys import MakeKey
from tests.fixtures.services import (
    Proc,
    Running,
    service_env,
    start_api,
    start_service,
    wait_for,
)

pytestmark = [pytest.mark.integration, pytest.mark.slow]

MONTH = datetime(2023, 6, 1, tzinfo=UTC)  # every reading of this module is stamped in June 2023
FORMAT = ("ontrack-format", b"batch.v1")


def new_secret() -> str:
    return base64.b64encode(os.urandom(32)).decode()


@dataclass
class Signed:
    """A running API and worker, and the batch key they hold (``k2``)."""

    run: Running
    s: Settings
    token: str
    secret: str

    @property
    def keys_setting(self) -> str:
        return f"k2:{self.secret}"


@pytest.fixture(scope="module")
def signed(
    settings: Settings,
    private_topics: Callable[..., Settings],
    module_spawn: Callable[..., Proc],
    make_key: MakeKey,
) -> Signed:
    s = private_topics(settings)
    secret = new_secret()
    env = service_env(s, ONTRACK_BATCH_KEYS=f"k2:{secret}")
    worker = start_service(module_spawn, "worker-signed", ["worker"], env)
    url, api = start_api(module_spawn, env, name="api-signed")
    return Signed(Running(url, api, worker, env), s, make_key("batch-auth"), secret)


# --- helpers -----------------------------------------------------------------------------


def reading(source: str, hour: int, value: float) -> dict[str, Any]:
    ts = (MONTH + timedelta(hours=hour)).isoformat()
    return {"indicator": "air.pm25", "source": source, "ts": ts, "value": value, "unit": "µg/m³"}


def forged_batch(source: str, value: float = -5e9) -> bytes:
    """A well-formed batch, as the API would write it, of one impossible reading."""
    at = MONTH + timedelta(hours=1)
    r = Reading("air.pm25", source, at, value, "µg/m³", None, {}, None, value, "µg/m³")
    return encode_batch([r], datetime.now(UTC))


def post(url: str, token: str, body: Any) -> None:
    resp = httpx.post(
        url + "/v1/readings",
        json=body,
        headers={"authorization": f"Bearer {token}"},
        timeout=30,
    )
    assert resp.status_code == 202 and not resp.json()["rejected"], resp.text


def rows(dsn: str, prefix: str) -> list[tuple[Any, ...]]:
    with psycopg.connect(dsn) as conn:
        return conn.execute(
            "SELECT source, ts, value, raw_value, stored_at FROM observations "
            "WHERE source LIKE %s ORDER BY source, ts",
            [prefix + "%"],
        ).fetchall()


def rollups(dsn: str, prefix: str) -> list[tuple[Any, ...]]:
    with psycopg.connect(dsn) as conn:
        return conn.execute(
            "SELECT source, width, bucket, count, sum, min, max, mean, last, last_ts "
            "FROM rollups WHERE source LIKE %s ORDER BY source, width, bucket",
            [prefix + "%"],
        ).fetchall()


def read_topic(s: Settings, topic: str, partitions: int) -> list[ConsumerRecord]:
    """Every message of ``topic`` now in Kafka, from the beginning."""
    consumer = KafkaConsumer(bootstrap_servers=s.kafka_bootstrap, enable_auto_commit=False)
    try:
        parts = [TopicPartition(topic, p) for p in range(partitions)]
        consumer.assign(parts)
        consumer.seek_to_beginning(*parts)
        ends = consumer.end_offsets(parts)
        found: list[ConsumerRecord] = []
        deadline = time.monotonic() + 60
        while any(consumer.position(p) < ends[p] for p in parts):
            assert time.monotonic() < deadline, f"could not read {topic} back"
            for records in consumer.poll(timeout_ms=500).values():
                found.extend(records)
        return found
    finally:
        consumer.close()


def dead_letters(s: Settings) -> list[dict[str, Any]]:
    return [orjson.loads(m.value) for m in read_topic(s, s.topic_dlq, 1)]


def batches_of(s: Settings, source: str) -> list[ConsumerRecord]:
    """The API's messages on the readings topic that hold readings of ``source``."""
    needle = orjson.dumps(source)
    return [
        m
        for m in read_topic(s, s.topic_readings, s.topic_partitions)
        if m.headers and needle in m.value
    ]


def produce(s: Settings, sends: list[tuple[bytes, list[tuple[str, bytes]], int]]) -> list[int]:
    """Produce (value, headers, partition) in order; the offset each got."""
    producer = KafkaProducer(
        bootstrap_servers=s.kafka_bootstrap, acks="all", enable_idempotence=True
    )
    try:
        futures = [
            producer.send(s.topic_readings, value, headers=headers, partition=part)
            for value, headers, part in sends
        ]
        return [f.get(timeout=30).offset for f in futures]
    finally:
        producer.close()


def through_every_partition(s: Settings, tag: str) -> None:
    """A good Kafka-native reading per partition, waited for: once each is stored, the worker
    has handled everything produced before it."""
    source = f"sentinel-{tag}"
    sends = [(orjson.dumps(reading(source, p, 1)), [], p) for p in range(s.topic_partitions)]
    produce(s, sends)
    wait_for(
        lambda: len(rows(s.dsn, source)) == s.topic_partitions,
        90,
        f"a sentinel stored from each partition ({tag})",
    )


def dead_lettered_metric(proc: Proc, reason: str) -> float:
    text = httpx.get(f"http://127.0.0.1:{proc.port}/metrics", timeout=5).text
    line = f'ontrack_stream_dead_lettered_total{{reason="{reason}"}} '
    return sum(float(x.split(" ")[-1]) for x in text.splitlines() if x.startswith(line))


@dataclass
class Counts:
    what: str
    sent: int
    stored: int
    dead_lettered: int
    detail: str = ""

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)

    def line(self) -> str:
        return (
            f"{self.what}: sent={self.sent} stored={self.stored} "
            f"dead_lettered={self.dead_lettered} {self.detail}".rstrip()
        )


# --- the tests ---------------------------------------------------------------------------


def test_forged_and_tampered_batches_are_dead_lettered_and_nothing_of_them_stored(
    signed: Signed, record: Callable[[object], None]
) -> None:
    s, run = signed.s, signed.run
    # a genuine batch, stored; a copy of its message with one value changed is the tampering
    post(run.api_url, signed.token, [reading("forged-genuine", 1, 31)])
    wait_for(lambda: len(rows(s.dsn, "forged-genuine")) == 1, 60, "the genuine reading")
    (genuine,) = batches_of(s, "forged-genuine")
    assert genuine.value.count(b'"value":[31.0]') == 1
    tampered = genuine.value.replace(b'"value":[31.0]', b'"value":[-5000000000.0]')

    k2 = parse_batch_keys(signed.keys_setting)
    k1 = parse_batch_keys(f"k1:{new_secret()}")  # rotated out: the worker holds k2 only
    guessed = hmac.new(os.urandom(32), b"batch.v1\n", hashlib.sha256)
    cases: list[tuple[str, bytes, list[tuple[str, bytes]], str]] = [
        ("no signature", forged_batch("forged-nosig"), [FORMAT], "batch without signature"),
        (
            "a made-up MAC",
            forged_batch("forged-badmac"),
            [FORMAT, ("ontrack-batch-key", b"k2"), ("ontrack-batch-mac", b"0" * 64)],
            "batch signature does not match (key k2)",
        ),
        (
            "an unknown key id",
            forged_batch("forged-k9"),
            [FORMAT, ("ontrack-batch-key", b"k9"), ("ontrack-batch-mac", guessed.hexdigest().encode())],
            "batch signed with unknown key k9 (this worker holds k2)",
        ),
        (
            "a genuine batch with one value changed",
            tampered,
            list(genuine.headers),
            "batch signature does not match (key k2)",
        ),
        (
            "genuine headers on another payload",
            forged_batch("forged-moved"),
            list(genuine.headers),
            "batch signature does not match (key k2)",
        ),
        (
            "signed with a rotated-out key",
            forged_batch("forged-k1", 40.0),
            sign_batch(k1, b"batch.v1", forged_batch("forged-k1", 40.0)),
            "batch signed with unknown key k1 (this worker holds k2)",
        ),
        (
            "a valid provider reading claiming to be a batch",
            orjson.dumps(reading("forged-claim", 1, 12)),
            [FORMAT],
            "batch without signature",
        ),
        (
            "an ontrack-format the worker does not read",
            orjson.dumps(reading("forged-v3", 1, 12)),
            [("ontrack-format", b"batch.v3")],
            "ontrack-format=batch.v3 is not a format this worker reads",
        ),
    ]  # fmt: skip
    assert sign_batch(k2, b"batch.v2", genuine.value) == list(genuine.headers)  # as the API signs
    before = len(dead_letters(s))
    offsets = produce(
        s, [(value, headers, i % s.topic_partitions) for i, (_, value, headers, _) in enumerate(cases)]
    )  # fmt: skip
    through_every_partition(s, "forged")

    dead = dead_letters(s)[before:]
    at = {(d["partition"], d["offset"]): d for d in dead if d["topic"] == s.topic_readings}
    for i, ((what, value, _, reason), offset) in enumerate(zip(cases, offsets, strict=True)):
        letter = at.get((i % s.topic_partitions, offset))
        assert letter is not None, f"{what}: not dead-lettered ({[d['reason'] for d in dead]})"
        assert reason in letter["reason"], (what, letter["reason"])
        assert "nothing of it was stored" in letter["reason"], (what, letter["reason"])
        assert letter["payload"] == value.decode(), what
    assert len(dead) == len(cases), [d["reason"] for d in dead]

    stored = [r for r in rows(s.dsn, "forged-") if r[0] != "forged-genuine"]
    assert stored == [], stored
    assert [(r[0], r[2]) for r in rows(s.dsn, "forged-genuine")] == [("forged-genuine", 31.0)]
    assert dead_lettered_metric(run.worker, "unauthenticated_batch") == len(cases) - 1
    assert dead_lettered_metric(run.worker, "not_a_batch") == 1
    assert run.worker.popen.poll() is None, run.worker.tail()
    record(Counts("forged batches", len(cases), len(stored), len(dead), "(each with its reason)"))


def test_a_genuine_batch_delivered_twice_changes_nothing(
    signed: Signed, record: Callable[[object], None]
) -> None:
    s, run = signed.s, signed.run
    post(run.api_url, signed.token, [reading("twice", h, 20 + h) for h in range(24)])
    wait_for(lambda: len(rows(s.dsn, "twice")) == 24, 60, "24 rows stored")
    through_every_partition(s, "twice-1")  # the rollups of the first delivery are committed
    observations, rolled = rows(s.dsn, "twice"), rollups(s.dsn, "twice")
    assert rolled and all(r[3] >= 1 for r in rolled)
    dead_before = len(dead_letters(s))

    messages = batches_of(s, "twice")
    assert messages and all(dict(m.headers)["ontrack-batch-key"] == b"k2" for m in messages)
    produce(s, [(m.value, list(m.headers), m.partition) for m in messages])  # delivered again
    through_every_partition(s, "twice-2")

    assert rows(s.dsn, "twice") == observations  # same rows, not even rewritten (stored_at)
    assert rollups(s.dsn, "twice") == rolled  # same counts, sums, means
    assert len(dead_letters(s)) == dead_before  # and taken as genuine, not dead-lettered
    record(Counts("genuine batch delivered twice", 48, len(observations), 0, "(24 distinct)"))


def test_rotating_the_batch_key_loses_nothing(
    settings: Settings,
    private_topics: Callable[..., Settings],
    spawn: Callable[..., Proc],
    make_key: MakeKey,
    record: Callable[[object], None],
) -> None:
    """k1 → k2 in the order docs/operations.md gives: the new key to the workers, then to
    the APIs as the signer, then the old key out. Every batch posted on the way is stored; a
    batch still signed with k1 afterwards (an API left behind) is dead-lettered."""
    s = private_topics(settings)
    k1, k2 = f"k1:{new_secret()}", f"k2:{new_secret()}"
    token = make_key("batch-rotation")

    def worker(keys: str, name: str) -> Proc:
        return start_service(spawn, name, ["worker"], service_env(s, ONTRACK_BATCH_KEYS=keys))

    def api(keys: str, name: str) -> tuple[str, Proc]:
        return start_api(spawn, service_env(s, ONTRACK_BATCH_KEYS=keys), name=name)

    def step(url: str, n: int, signer: bytes) -> None:
        post(url, token, [reading(f"rotation-{n}", h, 10 + n) for h in range(6)])
        wait_for(lambda: len(rows(s.dsn, f"rotation-{n}")) == 6, 90, f"step {n} stored")
        keys = {dict(m.headers)["ontrack-batch-key"] for m in batches_of(s, f"rotation-{n}")}
        assert keys == {signer}, (n, keys)

    w = worker(k1, "worker-k1")
    url, a = api(k1, "api-k1")
    step(url, 0, b"k1")
    w.stop()
    w = worker(f"{k1},{k2}", "worker-k1-k2")  # 1. the new key to every worker
    step(url, 1, b"k1")
    a.stop()
    url, a = api(f"{k2},{k1}", "api-k2-k1")  # 2. then to every API, first: it signs
    step(url, 2, b"k2")
    w.stop()
    w = worker(k2, "worker-k2")  # 3. the old key out of the workers (and APIs)
    step(url, 3, b"k2")

    straggler = forged_batch("rotation-straggler", 50.0)
    (offset,) = produce(
        s, [(straggler, sign_batch(parse_batch_keys(k1), b"batch.v1", straggler), 0)]
    )
    through_every_partition(s, "rotation")
    (letter,) = [d for d in dead_letters(s) if d["offset"] == offset and d["partition"] == 0]
    assert "batch signed with unknown key k1 (this worker holds k2)" in letter["reason"]
    assert rows(s.dsn, "rotation-straggler") == []
    stored = len(rows(s.dsn, "rotation-"))
    assert stored == 24
    record(Counts("batch keys rotated k1 → k2", 25, stored, 1, "(the k1 straggler refused)"))

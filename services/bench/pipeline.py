"""The pipeline's phases: HTTP ingest, stream → TimescaleDB, end to end, latency.

Each phase runs ontrack's own processes (``ontrack api``, ``ontrack worker``) on topics
of its own, and counts what is stored from the ``aggregates`` topic (services.bench.watch).
"""

from __future__ import annotations

import asyncio
import os
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx
import psycopg
from kafka import KafkaConsumer, TopicPartition

from services.auth import Scope, new_key
from services.bench.cpu import (
    CpuBudget,
    CpuMeter,
    Stage,
    backends_of,
    broker_pid,
    budget,
    postmaster_pid,
)
from services.bench.env import BenchEnv, Service, free_port
from services.bench.load import Hammered, body_of, hammer, hourly_records, steady
from services.bench.watch import AggregatesWatcher, latencies
from services.indicators.catalogue import load_catalogue
from services.indicators.readings import Reading, validate_record
from services.ingest.keyring import load_batch_keys
from services.ingest.producer import ReadingsProducer
from services.settings import Settings
from services.storage import insert_key

__all__ = [
    "EndToEnd",
    "Latency",
    "StreamRun",
    "end_to_end",
    "messages_in",
    "http_ingest",
    "make_key",
    "percentile",
    "stack_meter",
    "start_api",
    "start_worker",
    "stream_to_db",
]

Say = Callable[[str], None]


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[k]


def make_key(dsn: str) -> str:
    made = new_key()

    async def insert() -> None:
        async with await psycopg.AsyncConnection.connect(dsn, autocommit=True) as conn:
            await insert_key(
                conn, made.id, made.hash, "bench", Scope(("*",), ("*",)), ["ingest"], "bench"
            )

    asyncio.run(insert())
    return made.token


def start_api(env: BenchEnv, s: Settings, name: str = "api") -> tuple[str, Service]:
    port = free_port()
    api = env.start(name, ["api", "--port", str(port)], s)
    url = f"http://127.0.0.1:{port}"
    env.wait_http(api, url + "/healthz")
    return url, api


def start_apis(env: BenchEnv, s: Settings, n: int, name: str = "api") -> list[str]:
    """``n`` API processes (replicas behind a load balancer); their base URLs."""
    return [url for url, _ in start_api_services(env, s, n, name)]


def start_api_services(
    env: BenchEnv, s: Settings, n: int, name: str = "api"
) -> list[tuple[str, Service]]:
    return [start_api(env, s, name if n == 1 else f"{name}-{i}") for i in range(n)]


def stack_meter(env: BenchEnv, **stages: Sequence[Service]) -> CpuMeter:
    """A CPU meter of ``stages`` (name → the bench's processes), PostgreSQL and the broker
    (when they run on this machine) and the bench's own process (aside, not a stage)."""
    out = [Stage(name, tuple(p.pid for p in procs)) for name, procs in stages.items()]
    postmaster = postmaster_pid(env.dsn)
    if postmaster is not None:
        out.append(Stage("postgresql", (postmaster,)))
        out.append(Stage("postgresql_bench_db", find=backends_of(env.admin_dsn, env.database)))
    broker = broker_pid(env.base.kafka_bootstrap)
    if broker is not None:
        out.append(Stage("broker", (broker,)))
    out.append(Stage("bench", (os.getpid(),), tree=False))
    return CpuMeter(out)


def start_worker_metrics(env: BenchEnv, s: Settings, name: str = "worker") -> tuple[Service, str]:
    """A worker process, once it answers; and the URL of its /metrics."""
    port = free_port()
    worker = env.start(name, ["worker", "--web-port", str(port)], s)
    env.wait_http(worker, f"http://127.0.0.1:{port}/healthz")
    return worker, f"http://127.0.0.1:{port}/metrics"


def start_worker(env: BenchEnv, s: Settings, name: str = "worker") -> Service:
    return start_worker_metrics(env, s, name)[0]


def _readings(prefix: str, stations: int, hours: int, start: datetime) -> list[Reading]:
    catalogue = load_catalogue()
    now = datetime.now(UTC)
    out = []
    for raw in hourly_records(prefix, stations, hours, start):
        r = validate_record(raw, 0, catalogue, now)
        assert isinstance(r, Reading)
        out.append(r)
    return out


def produce(s: Settings, readings: list[Reading], per_send: int = 10_000) -> int:
    """Send ``readings`` as ontrack's ingest does; the number of messages sent."""

    async def run() -> int:
        producer = ReadingsProducer(s.kafka_bootstrap, s.topic_readings, keys=load_batch_keys(s))
        try:
            sent = 0
            for i in range(0, len(readings), per_send):
                sent += await producer.send(readings[i : i + per_send], datetime.now(UTC))
            return sent
        finally:
            producer.close()

    return asyncio.run(run())


def _progress(say: Say, what: str, want: int) -> Callable[[int], None]:
    last = [0.0]

    def show(n: int) -> None:
        now = time.monotonic()
        if now - last[0] >= 2.0:
            last[0] = now
            say(f"  {what}: {n:,}/{want:,}")

    return show


# --- HTTP ingest --------------------------------------------------------------------------


def http_ingest(
    env: BenchEnv,
    requests_per_size: dict[int, int],
    concurrency: int,
    say: Say,
    apis: int = 1,
) -> dict[int, Hammered]:
    """``POST /v1/readings`` of batches of each size, as fast as ``apis`` API processes
    answer 202."""
    s = env.phase("http" if apis == 1 else f"http{apis}")
    token = make_key(env.dsn)
    urls = [u + "/v1/readings" for u in start_apis(env, s, apis)]
    out: dict[int, Hammered] = {}
    start = datetime(2023, 1, 1, tzinfo=UTC)
    try:
        for size, requests in requests_per_size.items():
            bodies = [
                body_of(list(hourly_records(f"bh{size}-{b}", size, 1, start)))
                for b in range(min(requests, 16))
            ]
            say(
                f"  {requests:,} requests of {size} reading(s), {concurrency} connections, "
                f"{apis} API process(es)"
            )
            out[size] = asyncio.run(
                hammer(
                    urls,
                    bodies,
                    requests,
                    concurrency,
                    {"authorization": f"Bearer {token}"},
                    _progress(say, "requests", requests),
                )
            )
    finally:
        env.stop_services()
    return out


# --- stream → TimescaleDB -----------------------------------------------------------------


def _batch_seconds(url: str) -> float:
    """Mean seconds per batch, from the worker's own ``ontrack_stream_batch_seconds``."""
    text = httpx.get(url, timeout=5).text
    found = dict(re.findall(r"^ontrack_stream_batch_seconds_(sum|count) ([0-9.e+]+)$", text, re.M))
    count = float(found.get("count", 0))
    return float(found.get("sum", 0)) / count if count else 0.0


@dataclass(frozen=True, slots=True)
class StreamRun:
    per_s: float
    stored: int
    settings: Settings  # the phase's topics: the peer drains the same messages
    messages: int  # the backlog's messages
    cpu: CpuBudget


def drain_rate(batches: Sequence[tuple[float, float]], one: float) -> float:
    """Readings/s of a backlog drained in ``batches`` (when each was seen stored, its rows):
    the rows of every batch after the first over the time from the first's end to the
    last's. When each batch began is not seen; the first's end is, and from then on the
    worker does nothing but store the rest. (Adding the mean batch time to the span from
    the first batch's end instead counted a drain of a small first batch and a large second
    one at up to half its rate.) One batch, or batches all seen at the same instant: their
    rows over the worker's own time for them, ``one`` (its mean time for a batch) each."""
    ordered = sorted(batches)
    span = ordered[-1][0] - ordered[0][0] if ordered else 0.0
    if len(ordered) < 2 or span <= 0:  # one batch, or all seen at once: the worker's time
        return sum(rows for _, rows in ordered) / max(one * len(ordered), 1e-6)
    return sum(rows for _, rows in ordered[1:]) / span


def stream_to_db(env: BenchEnv, stations: int, hours: int, say: Say) -> StreamRun:
    """Readings/s one worker stores from a backlog already in Kafka (join time excluded,
    ``drain_rate``); and the CPU the worker, PostgreSQL and the broker spent from the
    worker's start (once it answers) until the last batch was stored."""
    s = env.phase("stream")
    data = _readings("bs", stations, hours, datetime(2024, 1, 1, tzinfo=UTC))
    say(f"  producing a backlog of {len(data):,} readings")
    messages = produce(s, data)

    async def run() -> StreamRun:
        watcher = AggregatesWatcher(s.kafka_bootstrap, s.topic_aggregates)
        await watcher.start()
        try:
            say("  starting a worker on the backlog")
            worker, metrics = await asyncio.to_thread(start_worker_metrics, env, s)
            meter = await asyncio.to_thread(stack_meter, env, worker=[worker])
            meter.start()
            ok = await watcher.wait_rows(
                len(data), 900, _progress(say, "stored", len(data)), quiet=120
            )
            if not ok:
                raise RuntimeError(f"the worker stored {watcher.rows} of {len(data)} readings")
            one = await asyncio.to_thread(_batch_seconds, metrics)
            batches = [(at, rows) for at, rows in watcher.batches.values()]
            per_s = drain_rate(batches, one)
            cpu = budget("stream", meter, watcher.rows, per_s)
            return StreamRun(per_s, watcher.rows, s, messages, cpu)
        finally:
            await watcher.stop()

    try:
        return asyncio.run(run())
    finally:
        env.stop_services()


# --- end to end ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class EndToEnd:
    sent: int
    accepted: int
    stored: int
    distinct: int
    dead_lettered: int
    seconds: float
    cpu: CpuBudget | None = None
    stations: int = 0

    @property
    def lost(self) -> int:
        return self.accepted - self.distinct

    @property
    def duplicates(self) -> int:
        return self.stored - self.distinct

    @property
    def reconciled(self) -> bool:
        return self.sent == self.accepted == self.stored == self.distinct and not self.dead_lettered

    @property
    def per_s(self) -> float:
        return self.stored / self.seconds


def messages_in(s: Settings, topic: str) -> int:
    """Messages a topic holds (the sum of its partitions' end offsets)."""
    consumer = KafkaConsumer(bootstrap_servers=s.kafka_bootstrap.split(","))
    try:
        tps = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic)]
        ends = consumer.end_offsets(tps)
        return int(sum(ends.values()))
    finally:
        consumer.close()


def _count(dsn: str, prefix: str) -> tuple[int, int]:
    with psycopg.connect(dsn) as conn:
        row = conn.execute(
            "SELECT count(*), count(DISTINCT (indicator, source, ts)) FROM observations"
            " WHERE source LIKE %s",
            [prefix + "-%"],
        ).fetchone()
    assert row is not None
    return int(row[0]), int(row[1])


def end_to_end(
    env: BenchEnv,
    readings: int,
    per_request: int,
    concurrency: int,
    workers: int,
    say: Say,
    stations: int = 500,
    prefix: str = "be",
    phase: str = "e2e",
) -> EndToEnd:
    """HTTP → Kafka → worker(s) → TimescaleDB as fast as it goes; every reading accounted,
    and the CPU each stage spent from the first push until the last reading was stored.
    ``stations`` active series, an hour of each after another (time-major, as feeds arrive)."""
    s = env.phase(phase)
    token = make_key(env.dsn)
    hours = -(-readings // stations)
    records = list(hourly_records(prefix, stations, hours, datetime(2022, 1, 1, tzinfo=UTC)))
    records = records[:readings]
    bodies = [body_of(records[i : i + per_request]) for i in range(0, len(records), per_request)]
    apis = start_api_services(env, s, 1, f"{phase}-api")
    urls = [u + "/v1/readings" for u, _ in apis]
    procs = [start_worker(env, s, f"{phase}-worker-{w}") for w in range(workers)]
    meter = stack_meter(env, api=[a for _, a in apis], worker=procs)

    async def run() -> tuple[Hammered, float, CpuBudget]:
        watcher = AggregatesWatcher(s.kafka_bootstrap, s.topic_aggregates)
        await watcher.start()
        try:
            # one reading first: the workers have joined their group once it is stored (a
            # series of its own per phase: one stored before would change nothing, and the
            # stream reports only what changed)
            warm_source = "bw" if prefix == "be" else f"bw{prefix}"
            warm = body_of(
                list(hourly_records(warm_source, 1, 1, datetime(2021, 1, 1, tzinfo=UTC)))
            )
            headers = {"authorization": f"Bearer {token}"}
            await hammer(urls, [warm], 1, 1, headers)
            if not await watcher.wait_rows(1, 120):
                raise RuntimeError("the stream did not store a first reading within 120 s")
            base = watcher.rows
            say(
                f"  pushing {len(records):,} readings over {stations:,} series, {per_request} per request"
            )
            meter.start()
            start = time.time()
            pushed = await hammer(urls, bodies, len(bodies), concurrency, headers)
            say(f"  pushed in {pushed.seconds:.1f} s; waiting until all are stored")
            await watcher.wait_rows(
                base + pushed.accepted, 900, _progress(say, "stored", pushed.accepted)
            )
            seconds = watcher.last_at - start
            stored = watcher.rows - base
            cpu = budget(phase, meter, stored, stored / max(seconds, 1e-6))
            return pushed, seconds, cpu
        finally:
            await watcher.stop()

    try:
        pushed, seconds, cpu = asyncio.run(run())
    finally:
        env.stop_services()
    stored, distinct = _count(env.dsn, prefix)
    return EndToEnd(
        len(records),
        pushed.accepted,
        stored,
        distinct,
        messages_in(s, s.topic_dlq),
        seconds,
        cpu,
        stations,
    )


# --- latency ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Latency:
    rate: float  # readings/s offered
    achieved: float  # readings/s pushed
    stored: list[float]  # seconds, push → stored (per reading)
    decided: list[float]  # seconds, push → the alert engine's evaluation committed
    late: int
    batch_seconds: float  # the worker's mean time to decode and store one batch


def latency(env: BenchEnv, rate: float, seconds: float, stations: int, say: Say) -> Latency:
    """Push at a steady rate, spread over ``stations`` series, with the API, a worker and
    the alert engine running."""
    from services.bench.engine import EngineRunner

    s = env.phase("latency", eval_interval=3600.0)
    token = make_key(env.dsn)
    url, _api = start_api(env, s)
    _worker, metrics = start_worker_metrics(env, s, "latency-worker")
    headers = {"authorization": f"Bearer {token}"}

    async def run() -> Latency:
        watcher = AggregatesWatcher(s.kafka_bootstrap, s.topic_aggregates)
        await watcher.start()
        engine = EngineRunner(s)
        await engine.start()
        try:
            say("  warming up: the worker and the alert engine join their groups")
            deadline = time.monotonic() + 120
            while not engine.decided_payloads and time.monotonic() < deadline:
                await steady(url + "/v1/readings", headers, "bl-warm", 10, 100, 1.0, 10)
            if not engine.decided_payloads:
                raise RuntimeError("the alert engine decided nothing within 120 s")
            first = len(watcher.events)
            mark = len(engine.decisions)
            say(f"  pushing {rate:,.0f} readings/s for {seconds:.0f} s")
            t0 = time.perf_counter()
            pushed = await steady(url + "/v1/readings", headers, "bl", stations, rate, seconds, 100)
            elapsed = time.perf_counter() - t0
            await watcher.wait_rows(watcher.rows + 1, 5, quiet=5)
            end = time.monotonic() + 30
            while time.monotonic() < end:
                stored = latencies(watcher.events[first:], pushed.sent)
                decided = latencies(engine.decisions[mark:], pushed.sent)
                if len(stored) >= pushed.accepted and len(decided) >= pushed.accepted:
                    break
                await asyncio.sleep(0.2)
            one = await asyncio.to_thread(_batch_seconds, metrics)
            return Latency(rate, pushed.readings / elapsed, stored, decided, pushed.late, one)
        finally:
            await engine.stop()
            await watcher.stop()

    try:
        return asyncio.run(run())
    finally:
        env.stop_services()

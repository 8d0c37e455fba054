"""``ontrack bench``: every phase in one run, the figures as ratios to this machine's limits.

Order: baselines (raw COPY, raw produce and consume, no-op HTTP), then the pipeline (HTTP
ingest, stream → TimescaleDB and the Quix Streams peer on the same messages, end to end,
latency), the alert engine's evaluation time and memory per series, and last how cost
grows with work (end to end at several counts of active series, the engine at several
counts of targets × regions). The stream and end-to-end phases also measure the CPU each
stage spends per reading (services.bench.cpu). Everything runs in a private database and
on private topics, removed at the end.
"""

from __future__ import annotations

import logging
import math
import os
import platform
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from services.alerts.snapshot import Universe, load_universe
from services.bench.cpu import CpuBudget
from services.bench.env import BenchEnv
from services.bench.evaluation import Timing, time_evaluations
from services.bench.figures import Figure, Target
from services.bench.load import body_of, hourly_records
from services.bench.memory import memory_per_series
from services.bench.pipeline import (
    EndToEnd,
    end_to_end,
    http_ingest,
    latency,
    percentile,
    stream_to_db,
)
from services.bench.references import baselines
from services.bench.references.peer import quix_peer
from services.settings import Settings

__all__ = ["FULL", "QUICK", "Sizes", "run_bench"]

Say = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class Sizes:
    copy_rows: int
    kafka_messages: int
    noop_requests: int
    http_requests: dict[int, int]  # batch size → requests
    stream_stations: int
    stream_hours: int
    e2e_readings: int
    latency_rate: float
    latency_seconds: float
    latency_stations: int
    evaluations: int
    memory_series: int
    concurrency: int = 8
    workers: int = 1
    engine_shards: int = 2  # alert engine shards timed side by side (one per core here)
    apis: int = 2  # API processes behind the load generator in the replicas' HTTP phase
    # how cost grows with work: end to end at each count of active series (at least
    # scaling_readings readings, one hour of every series after another), and the engine
    # at each count of target×region evaluations; empty: the phase is left out
    scaling_series: tuple[int, ...] = ()
    scaling_readings: int = 0
    scaling_evaluations: tuple[int, ...] = ()


FULL = Sizes(
    copy_rows=300_000,
    kafka_messages=100_000,
    noop_requests=3000,
    http_requests={1: 3000, 100: 1000, 1000: 200},
    stream_stations=500,
    stream_hours=600,
    e2e_readings=600_000,
    latency_rate=5000.0,
    latency_seconds=30.0,
    latency_stations=500,
    evaluations=10_000,
    memory_series=20_000,
    scaling_series=(1000, 10_000, 100_000),
    scaling_readings=200_000,
    scaling_evaluations=(1000, 10_000, 50_000),
)

QUICK = Sizes(
    copy_rows=30_000,
    kafka_messages=10_000,
    noop_requests=500,
    http_requests={1: 300, 100: 100, 1000: 20},
    stream_stations=100,
    stream_hours=100,
    e2e_readings=20_000,
    latency_rate=1000.0,
    latency_seconds=5.0,
    latency_stations=200,
    evaluations=1000,
    memory_series=2000,
    scaling_series=(100, 1000, 10_000),
    scaling_readings=20_000,
    scaling_evaluations=(100, 1000, 5000),
)

KIB = 1024.0


def _phase(say: Say, name: str) -> Callable[[], None]:
    say(f"[{datetime.now(UTC):%H:%M:%S}] {name}")
    start = time.monotonic()
    return lambda: say(f"  done in {time.monotonic() - start:.1f} s")


def run_bench(base: Settings, sizes: Sizes, say: Say) -> dict[str, Any]:
    """Run every phase; the JSON document of the figures (``figures`` and ``context``).

    ``context`` also holds the CPU budgets (``cpu_budget``), the peer's counts
    (``quix_peer``) and the scaling phase's rows (``scaling``) the tables are printed from.
    """
    env = BenchEnv(base)
    # the engine runs in this process: its alert transitions are not the bench's output
    logging.getLogger("services.alerts").setLevel(logging.WARNING)
    figures: list[Figure] = []
    extra: dict[str, Any] = {}
    load_before = os.getloadavg()
    started = time.monotonic()
    try:
        env.create_database()
        say(f"private database {env.database}; logs in {env.logs}")
        figures += _baselines_and_pipeline(env, sizes, say, extra)
    finally:
        done = _phase(say, "cleaning up")
        env.close()
        done()
    return {
        "context": {
            "at": datetime.now(UTC).isoformat(),
            "cores": os.cpu_count(),
            "python": platform.python_version(),
            "load_average_before": load_before,
            "load_average_after": os.getloadavg(),
            "seconds": time.monotonic() - started,
            "sizes": {k: getattr(sizes, k) for k in Sizes.__slots__},
            **extra,
        },
        "figures": figures,
    }


def _baselines_and_pipeline(
    env: BenchEnv, z: Sizes, say: Say, extra: dict[str, Any]
) -> list[Figure]:
    out: list[Figure] = []
    done = _phase(say, f"baseline: raw binary COPY of {z.copy_rows:,} rows into a hypertable")
    copy = baselines.copy_rows_per_s(env.dsn, z.copy_rows)
    done()
    done = _phase(say, f"baseline: raw produce and consume of {z.kafka_messages:,} messages")
    produce, consume = baselines.produce_consume_per_s(env.base.kafka_bootstrap, z.kafka_messages)
    roundtrip = baselines.kafka_roundtrip_seconds(env.base.kafka_bootstrap, 100)
    done()
    bodies = {
        n: body_of(list(hourly_records("x", n, 1, datetime(2023, 1, 1, tzinfo=UTC))))
        for n in z.http_requests
    }
    done = _phase(say, "baseline: a no-op HTTP handler, same bodies and connections")
    noop = {
        n: baselines.noop_http_per_s(
            body, max(50, z.noop_requests // max(1, n // 10)), z.concurrency
        )
        for n, body in bodies.items()
    }
    done()
    out += [
        Figure("raw COPY", copy, "rows/s", note="binary COPY, 11 columns, unique index"),
        Figure("raw produce", produce, "messages/s", note="kafka-python, acks=all, idempotent"),
        Figure("raw consume", consume, "messages/s", note="aiokafka"),
        Figure("raw Kafka round trip p99", roundtrip, "s", note="produce → consume, one message"),
        *(Figure(f"no-op HTTP, {n} reading(s)/request", v, "requests/s") for n, v in noop.items()),
    ]

    done = _phase(say, "pipeline: HTTP ingest (API → Kafka, 202 once durable)")
    ingest = http_ingest(env, z.http_requests, z.concurrency, say)
    done()
    for n, h in ingest.items():
        out.append(
            Figure(
                f"HTTP ingest, batches of {n}",
                h.accepted_per_s,
                "readings/s",
                f"no-op HTTP, {n} reading(s)/request",
                noop[n] * n,
                note=f"one API process; {h.requests_per_s:,.0f} requests/s; baseline in readings/s",
            )
        )
    largest = max(z.http_requests)
    done = _phase(
        say, f"pipeline: HTTP ingest, batches of {largest}, {z.apis} API processes (replicas)"
    )
    spread = http_ingest(env, {largest: z.http_requests[largest]}, z.concurrency, say, z.apis)
    done()
    h = spread[largest]
    out.append(
        Figure(
            f"HTTP ingest, batches of {largest}, {z.apis} API processes",
            h.accepted_per_s,
            "readings/s",
            f"HTTP ingest, batches of {largest}",
            ingest[largest].accepted_per_s,
            Target(">=", 50_000),
            note=f"{z.concurrency} connections spread over {z.apis} API processes, as a load "
            f"balancer spreads them; {h.requests_per_s:,.0f} requests/s",
        )
    )

    done = _phase(
        say, f"pipeline: latency at {z.latency_rate:,.0f} readings/s with the alert engine"
    )
    lat = latency(env, z.latency_rate, z.latency_seconds, z.latency_stations, say)
    done()
    extra["latency"] = {
        "offered_per_s": lat.rate,
        "stations": z.latency_stations,
        "achieved_per_s": lat.achieved,
        "stored_samples": len(lat.stored),
        "decided_samples": len(lat.decided),
        "late_requests": lat.late,
        "worker_batch_seconds": lat.batch_seconds,
        "batch_within_seconds": env.base.batch_within_seconds,
    }
    for what, values in (("stored", lat.stored), ("alert decision", lat.decided)):
        for q in (0.5, 0.99):
            out.append(
                Figure(
                    f"push → {what} p{round(q * 100)}",
                    percentile(values, q),
                    "s",
                    "raw Kafka round trip p99",
                    roundtrip,
                    Target("<=", 0.5) if what == "alert decision" and q == 0.99 else None,
                    note=f"at {lat.achieved:,.0f} readings/s",
                )
            )

    total = z.stream_stations * z.stream_hours
    done = _phase(say, f"pipeline: stream → TimescaleDB, a backlog of {total:,} readings")
    stream = stream_to_db(env, z.stream_stations, z.stream_hours, say)
    done()
    stream_rate = stream.per_s
    out.append(
        Figure(
            "stream → TimescaleDB",
            stream_rate,
            "readings/s",
            "raw COPY",
            copy,
            Target(">=", 0.30, stretch=0.40, of_baseline=True),
            note="one worker, from a backlog; COPY + upsert + rollups per batch",
        )
    )
    done = _phase(say, "peer: a Quix Streams application drains the same messages")
    peer = quix_peer(env, stream.settings, stream.stored, stream.messages, say)
    done()
    extra["quix_peer"] = peer.as_dict()
    say(
        f"  read {peer.messages:,} of {peer.sent_messages:,} messages, wrote {peer.rows:,} "
        f"readings, {peer.stored:,} in its table ({peer.distinct:,} distinct)"
    )
    if not peer.exact:
        raise RuntimeError(f"the Quix Streams peer did not drain exactly what was sent: {peer}")
    out += [
        Figure(
            "Quix Streams peer",
            peer.per_s,
            "readings/s",
            "raw COPY",
            copy,
            note="quixstreams PostgreSQLSink into a plain table, the stream phase's messages; "
            "no validation, no dedup, no rollups",
        ),
        Figure(
            "stream → TimescaleDB against the Quix Streams peer",
            stream_rate,
            "readings/s",
            "Quix Streams peer",
            peer.per_s,
            Target(">=", peer.per_s),
            note="ontrack's stream stage as a ratio to the peer (same messages, same timing)",
        ),
    ]
    budgets = [stream.cpu, peer.cpu]

    done = _phase(say, f"pipeline: end to end, {z.e2e_readings:,} readings over HTTP")
    e2e = end_to_end(env, z.e2e_readings, 1000, z.concurrency // 2, z.workers, say)
    done()
    extra["reconciliation"] = {
        "sent": e2e.sent,
        "accepted": e2e.accepted,
        "stored": e2e.stored,
        "distinct": e2e.distinct,
        "lost": e2e.lost,
        "duplicates": e2e.duplicates,
        "dead_lettered": e2e.dead_lettered,
        "reconciled": e2e.reconciled,
    }
    say(
        f"  sent {e2e.sent:,}, accepted {e2e.accepted:,}, stored {e2e.stored:,} "
        f"(distinct {e2e.distinct:,}), lost {e2e.lost}, duplicates {e2e.duplicates}, "
        f"dead-lettered {e2e.dead_lettered}"
    )
    out.append(
        Figure(
            "end to end, sustained",
            e2e.per_s if e2e.reconciled else 0.0,
            "readings/s",
            "raw COPY",
            copy,
            Target(">=", 0.20, of_baseline=True),
            note=f"HTTP → stored, {z.workers} worker(s); lost {e2e.lost}, "
            f"duplicates {e2e.duplicates}",
        )
    )
    out.append(
        Figure("end to end, readings lost", float(e2e.lost), "readings", target=Target("<=", 0))
    )
    if e2e.cpu is not None:
        budgets.insert(0, e2e.cpu)
    extra["cpu_budget"] = {b.phase: b.as_dict() for b in budgets}
    out += [f for b in budgets for f in cpu_figures(b)]

    done = _phase(say, f"alert engine: {z.evaluations:,} target×region evaluations (pure)")
    s = env.base
    u = load_universe(s.plans_dir, s.rules_dir, s.catalogue_path)
    one = time_evaluations(u, z.evaluations)
    say(f"  one engine: {one.seconds:.2f} s; now {z.engine_shards} shards, one process each")
    sharded = time_evaluations(u, z.evaluations, shards=z.engine_shards, settings=s)
    done()
    single = f"alert engine, {z.evaluations:,} evaluations, one engine"
    one_s = one.seconds * z.evaluations / one.targets
    out.append(
        Figure(
            single,
            one_s,
            "s",
            note=f"judge + advance in one process; {one.targets:,} targets, {one.series:,} "
            f"series, {one.checks:,} rule checks in {one.seconds:.2f} s",
        )
    )
    out.append(
        Figure(
            f"alert engine, {z.evaluations:,} evaluations, {sharded.shards} shards",
            sharded.seconds * z.evaluations / sharded.targets,
            "s",
            baseline=single,
            baseline_value=one_s,
            target=Target("<=", 1.0),
            note=f"ONTRACK_ALERTS_SHARD=i/{sharded.shards}: {sharded.shards} processes judging "
            f"their shares at once; {sharded.targets:,} targets, {sharded.checks:,} rule "
            f"checks in {sharded.seconds:.2f} s (first start to last end)",
        )
    )

    done = _phase(say, f"memory: {z.memory_series:,} active series through a worker and the engine")
    mem = memory_per_series(env, z.memory_series, say)
    done()
    for who, per in (("worker", mem.worker_bytes), ("alert engine", mem.engine_bytes)):
        out.append(
            Figure(
                f"memory per active series, {who}",
                max(per, 0.0) / KIB,
                "KiB",
                target=Target("<=", 1.0),
                note=f"RSS growth over {mem.series:,} series; × 1M = {max(per, 0) * 1e6 / 2**30:.2f} GiB",
            )
        )
    extra["engine_full_evaluation_seconds"] = mem.engine_tick_seconds

    if z.scaling_series or z.scaling_evaluations:
        out += _scaling(env, z, say, extra, u, copy, {z.evaluations: one})
    return [f for f in out if math.isfinite(f.value)] + [
        f for f in out if not math.isfinite(f.value)
    ]


def cpu_figures(b: CpuBudget, prefix: str = "cpu_us_per_reading") -> list[Figure]:
    """``<prefix>.<phase>.<stage>`` and ``.total``: µs of CPU per reading stored."""
    return [
        Figure(
            f"{prefix}.{b.phase}.{stage}",
            us,
            "µs/reading",
            note=f"{b.readings:,} readings at {b.per_s:,.0f} readings/s; CPU from /proc",
        )
        for stage, us in b.us_per_reading().items()
    ]


def _scaling(
    env: BenchEnv,
    z: Sizes,
    say: Say,
    extra: dict[str, Any],
    u: Universe,
    copy: float,
    timed: dict[int, Timing],
) -> list[Figure]:
    """End to end at each count of active series; the engine at each count of evaluations."""
    out: list[Figure] = []
    rows: list[dict[str, Any]] = []
    for n in z.scaling_series:
        readings = max(z.scaling_readings, n)
        done = _phase(say, f"scaling: end to end, {n:,} active series, {readings:,} readings")
        e = end_to_end(
            env, readings, 1000, z.concurrency // 2, z.workers, say,
            stations=n, prefix=f"bx{n}", phase=f"e2e_{n}_series",
        )  # fmt: skip
        done()
        rows.append(_scaling_row(e))
        if not e.reconciled:
            raise RuntimeError(f"end to end at {n:,} series does not reconcile: {rows[-1]}")
        out.append(
            Figure(
                f"scaling.e2e_{n}_series.readings_per_s",
                e.per_s,
                "readings/s",
                "raw COPY",
                copy,
                note=f"{n:,} active series, {readings:,} readings over HTTP",
            )
        )
        if e.cpu is not None:
            out += cpu_figures(e.cpu, "scaling.cpu_us_per_reading")
    evaluations: list[dict[str, Any]] = []
    for n in z.scaling_evaluations:
        done = _phase(say, f"scaling: alert engine, {n:,} target×region evaluations (pure)")
        t = timed.get(n) or time_evaluations(u, n)
        done()
        seconds = t.seconds * n / t.targets
        evaluations.append(
            {
                "evaluations": n,
                "targets": t.targets,
                "series": t.series,
                "checks": t.checks,
                "seconds": seconds,
                "us_per_evaluation": t.seconds * 1e6 / t.targets,
            }
        )
        out.append(
            Figure(
                f"scaling.evaluation_{n}.seconds",
                seconds,
                "s",
                note=f"judge + advance, one engine; {t.targets:,} targets, {t.series:,} series, "
                f"{t.checks:,} rule checks in {t.seconds:.2f} s",
            )
        )
    extra["scaling"] = {"end_to_end": rows, "evaluation": evaluations}
    return out


def _scaling_row(e: EndToEnd) -> dict[str, Any]:
    return {
        "series": e.stations,
        "readings": e.sent,
        "stored": e.stored,
        "reconciled": e.reconciled,
        "lost": e.lost,
        "duplicates": e.duplicates,
        "per_s": e.per_s,
        "cpu": e.cpu.as_dict() if e.cpu is not None else None,
    }

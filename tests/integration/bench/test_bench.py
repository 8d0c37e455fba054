"""``ontrack bench`` machinery at tiny sizes: every figure present and sane, counts reconciled.

Timings are never asserted (the machine is shared); only that each phase ran and
produced a positive, finite figure, that the end-to-end counts reconcile, that the CPU
budgets add up, that the Quix Streams peer drained exactly what was sent, and that the
scaling phase has its rows.
"""

from __future__ import annotations

import json
import math
import os

import psycopg
import pytest
from click.testing import CliRunner

from services.bench.figures import to_json
from services.bench.runner import Sizes, run_bench
from services.cli import main
from services.settings import Settings

pytestmark = [pytest.mark.integration, pytest.mark.slow]

TINY = Sizes(
    copy_rows=2000,
    kafka_messages=500,
    noop_requests=50,
    http_requests={1: 20, 100: 5, 1000: 2},
    stream_stations=20,
    stream_hours=20,
    e2e_readings=2000,
    latency_rate=300.0,
    latency_seconds=2.0,
    latency_stations=30,
    evaluations=100,
    memory_series=300,
    concurrency=2,
    scaling_series=(50, 400),
    scaling_readings=800,
    scaling_evaluations=(50, 100),
)

STAGES = {
    "e2e": ("api", "worker", "postgresql", "broker"),
    "stream": ("worker", "postgresql", "broker"),
    "quix_peer": ("peer", "postgresql", "broker"),
}

# figures that may be zero: a count of losses, memory growth within noise, and a stage's CPU
# (the kernel counts it in 10 ms ticks per process: a few milliseconds of the broker's
# over this test's few thousand readings may read as none)
MAY_BE_ZERO = ("readings lost", "memory per active series", "cpu_us_per_reading.")


@pytest.mark.timeout(900)
def test_tiny_bench_has_every_figure_and_reconciles(embedded_stack: Settings) -> None:
    result = run_bench(embedded_stack, TINY, lambda m: None)
    doc = json.loads(json.dumps(to_json(result.pop("figures"), **result)))
    names = [f["name"] for f in doc["figures"]]
    value = {f["name"]: f["value"] for f in doc["figures"]}
    for expected in (
        "raw COPY",
        "raw produce",
        "raw consume",
        "raw Kafka round trip p99",
        "no-op HTTP, 1 reading(s)/request",
        "HTTP ingest, batches of 1",
        "HTTP ingest, batches of 100",
        "HTTP ingest, batches of 1000",
        "HTTP ingest, batches of 1000, 2 API processes",
        "stream → TimescaleDB",
        "end to end, sustained",
        "end to end, readings lost",
        "push → stored p50",
        "push → stored p99",
        "push → alert decision p50",
        "push → alert decision p99",
        "alert engine, 100 evaluations, one engine",
        "alert engine, 100 evaluations, 2 shards",
        "memory per active series, worker",
        "memory per active series, alert engine",
        "Quix Streams peer",
        "stream → TimescaleDB against the Quix Streams peer",
        *(f"cpu_us_per_reading.{p}.{k}" for p, ks in STAGES.items() for k in (*ks, "total")),
        *(f"scaling.e2e_{n}_series.readings_per_s" for n in TINY.scaling_series),
        *(
            f"scaling.cpu_us_per_reading.e2e_{n}_series.{k}"
            for n in TINY.scaling_series
            for k in (*STAGES["e2e"], "total")
        ),
        *(f"scaling.evaluation_{n}.seconds" for n in TINY.scaling_evaluations),
    ):
        assert expected in names, f"{expected!r} missing from {names}"
    for f in doc["figures"]:
        assert math.isfinite(f["value"]), f
        if any(k in f["name"] for k in MAY_BE_ZERO):
            assert f["value"] >= 0, f
        else:
            assert f["value"] > 0, f
        if f["baseline"] is not None:
            assert f["baseline_value"] > 0 and f["ratio"] > 0, f
        if f["target"] is not None:
            assert isinstance(f["met"], bool), f
    rec = doc["context"]["reconciliation"]
    assert rec["reconciled"], rec
    assert rec["sent"] == rec["accepted"] == rec["stored"] == rec["distinct"] == TINY.e2e_readings
    assert rec["lost"] == rec["duplicates"] == rec["dead_lettered"] == 0
    lost = next(f for f in doc["figures"] if f["name"] == "end to end, readings lost")
    assert lost["value"] == 0 and lost["met"] is True

    # the CPU budgets: each phase's stages add up to its total, over the readings it stored
    budgets = doc["context"]["cpu_budget"]
    assert set(budgets) == set(STAGES)
    assert budgets["e2e"]["readings"] == TINY.e2e_readings
    stream_readings = TINY.stream_stations * TINY.stream_hours
    assert budgets["stream"]["readings"] == budgets["quix_peer"]["readings"] == stream_readings
    for phase, stages in STAGES.items():
        b = budgets[phase]
        assert set(b["cpu_seconds"]) == set(stages), b
        per = {k: value[f"cpu_us_per_reading.{phase}.{k}"] for k in stages}
        assert value[f"cpu_us_per_reading.{phase}.total"] == pytest.approx(sum(per.values()))
        for k in stages:
            assert per[k] == pytest.approx(b["cpu_seconds"][k] * 1e6 / b["readings"]), (phase, k)
        # the backends of the bench's database are a part of PostgreSQL's processes
        mine = b["aside_cpu_seconds"]["postgresql_bench_db"]
        assert 0 <= mine <= b["cpu_seconds"]["postgresql"] + 0.02, b
        if phase != "quix_peer":
            assert value[f"cpu_us_per_reading.{phase}.total"] > 0, b
    # the processes the bench started did the work (tens of ms each, several ticks); the
    # peer's stage is metered too (above), but what it does here between "ready" and done,
    # 400 readings, is a few ms, which often falls between the kernel's 10 ms ticks
    assert value["cpu_us_per_reading.e2e.worker"] > 0
    assert value["cpu_us_per_reading.stream.worker"] > 0
    assert budgets["e2e"]["per_s"] == pytest.approx(value["end to end, sustained"])

    # the peer drained exactly the stream phase's messages, each reading once
    peer = doc["context"]["quix_peer"]
    assert peer["exact"] is True, peer
    assert peer["messages"] == peer["sent_messages"] > 0, peer
    assert peer["rows"] == peer["stored"] == peer["distinct"] == stream_readings, peer
    against = next(
        f
        for f in doc["figures"]
        if f["name"] == "stream → TimescaleDB against the Quix Streams peer"
    )
    assert against["value"] == value["stream → TimescaleDB"]
    assert against["baseline_value"] == value["Quix Streams peer"]

    # the scaling phase: a reconciled row per count of series, a row per count of evaluations
    scaling = doc["context"]["scaling"]
    rows = scaling["end_to_end"]
    assert [r["series"] for r in rows] == list(TINY.scaling_series)
    for r in rows:
        want = max(TINY.scaling_readings, r["series"])
        assert r["reconciled"] and r["readings"] == r["stored"] == want, r
        us = r["cpu"]["us_per_reading"]
        assert us["total"] == pytest.approx(sum(us[k] for k in STAGES["e2e"])), r
        assert value[f"scaling.e2e_{r['series']}_series.readings_per_s"] == r["per_s"]
    evaluations = scaling["evaluation"]
    assert [e["evaluations"] for e in evaluations] == list(TINY.scaling_evaluations)
    for e in evaluations:
        assert e["targets"] >= e["evaluations"] and e["checks"] > 0, e
        assert value[f"scaling.evaluation_{e['evaluations']}.seconds"] == e["seconds"]

    # the private database is gone again (its own: other benches may run on the server)
    with psycopg.connect(embedded_stack.dsn) as conn:
        left = conn.execute(
            "SELECT count(*) FROM pg_database WHERE datname = %s", [f"ontrack_bench_{os.getpid()}"]
        ).fetchone()
    assert left is not None and left[0] == 0


def test_bench_is_an_ontrack_command() -> None:
    result = CliRunner().invoke(main, ["bench", "--help"])
    assert result.exit_code == 0, result.output
    for option in ("--quick", "--out", "--plot", "--no-scaling"):
        assert option in result.output


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--no-scaling", "--plot", "x.png"], "--no-scaling leaves out"),
        (["--plot", "/nonexistent-dir/x.png"], "/nonexistent-dir does not exist"),
    ],
)
def test_bench_refuses_a_plot_it_cannot_draw(args: list[str], says: str) -> None:
    result = CliRunner().invoke(main, ["bench", *args])
    assert result.exit_code == 2, result.output
    assert says in result.output

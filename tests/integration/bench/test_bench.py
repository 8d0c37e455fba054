"""``ontrack bench`` machinery at tiny sizes: every figure present and sane, counts reconciled.

Timings are never asserted (the machine is shared); only that each phase ran and
produced a positive, finite figure, and that the end-to-end counts reconcile.
"""

from __future__ import annotations

import json
import math

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
)

# figures that may be zero: a count of losses, and memory growth within noise
MAY_BE_ZERO = ("readings lost", "memory per active series")


def test_tiny_bench_has_every_figure_and_reconciles(embedded_stack: Settings) -> None:
    result = run_bench(embedded_stack, TINY, lambda m: None)
    doc = json.loads(json.dumps(to_json(result.pop("figures"), **result)))
    names = [f["name"] for f in doc["figures"]]
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

    # the private database is gone again
    with psycopg.connect(embedded_stack.dsn) as conn:
        left = conn.execute(
            "SELECT count(*) FROM pg_database WHERE datname LIKE 'ontrack\\_bench\\_%'"
        ).fetchone()
    assert left is not None and left[0] == 0


def test_bench_is_an_ontrack_command() -> None:
    result = CliRunner().invoke(main, ["bench", "--help"])
    assert result.exit_code == 0, result.output
    assert "--quick" in result.output and "--out" in result.output

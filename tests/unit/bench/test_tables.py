"""The bench's detail tables (CPU per reading, scaling) and the scaling plot, from a context."""

from __future__ import annotations

from pathlib import Path

from services.bench.cpu import CpuBudget
from services.bench.figures import (
    Figure,
    format_cpu_table,
    format_scaling_tables,
    headline,
)
from services.bench.plot import plot_scaling

E2E = CpuBudget(
    "e2e",
    100_000,
    20_000.0,
    {"api": 1.5, "worker": 0.8, "postgresql": 2.7, "broker": 0.3},
    {"postgresql_bench_db": 2.0, "bench": 0.35},
)
PEER = CpuBudget("quix_peer", 50_000, 60_000.0, {"peer": 0.5, "postgresql": 0.5, "broker": 0.1})


def _rows(table: str) -> dict[str, list[str]]:
    out = {}
    for line in table.splitlines()[2:]:
        label, *cells = line.rsplit(maxsplit=2)
        out[label.strip()] = cells
    return out


def test_cpu_table_has_a_column_per_phase_and_a_row_per_stage() -> None:
    table = format_cpu_table({"e2e": E2E.as_dict(), "quix_peer": PEER.as_dict()})
    header = table.splitlines()[0]
    assert "end to end" in header and "Quix Streams peer" in header
    rows = _rows(table)
    assert rows["API"] == ["15.0", "-"]
    assert rows["stream worker"] == ["8.0", "-"]
    assert rows["Quix Streams app"] == ["-", "10.0"]
    assert rows["PostgreSQL"] == ["27.0", "10.0"]
    assert rows["broker (Tansu)"] == ["3.0", "2.0"]
    assert rows["total"] == ["53.0", "22.0"]  # the stages' sum; the aside rows are not in it
    assert rows["of PostgreSQL: the bench database's backends"] == ["20.0", "-"]
    assert rows["the bench's own process (not in the total)"] == ["3.5", "-"]
    assert rows["readings/s"] == ["20,000", "60,000"]
    assert rows["readings"] == ["100,000", "50,000"]


def _scaling() -> dict[str, list[dict[str, object]]]:
    return {
        "end_to_end": [
            {"series": n, "readings": 200_000, "stored": 200_000, "per_s": rate, "cpu": b}
            for n, rate, b in (
                (1000, 21_000.0, E2E.as_dict()),
                (100_000, 15_000.0, CpuBudget("x", 200_000, 15_000.0, {"api": 3.0}).as_dict()),
            )
        ],
        "evaluation": [
            {"evaluations": 1000, "targets": 1014, "checks": 6000, "seconds": 0.14,
             "us_per_evaluation": 140.0},
            {"evaluations": 50_000, "targets": 50_004, "checks": 300_000, "seconds": 7.4,
             "us_per_evaluation": 148.0},
        ],
    }  # fmt: skip


def test_scaling_tables() -> None:
    text = format_scaling_tables(_scaling())
    e2e, evaluation = text.split("\n\n")
    lines = e2e.splitlines()
    assert "active series" in lines[0] and "µs/reading total" in lines[0]
    assert lines[2].split()[:3] == ["1,000", "200,000", "21,000"]
    assert lines[2].split()[-1] == "53.0"
    assert lines[3].split()[:4] == ["100,000", "200,000", "15,000", "15.0"]
    assert lines[3].split()[-1] == "15.0"
    assert evaluation.splitlines()[3].split() == ["50,000", "50,004", "300,000", "7.40", "148"]


def test_headline_leaves_the_detail_figures_out() -> None:
    figures = [
        Figure("end to end, sustained", 1.0, "readings/s"),
        Figure("cpu_us_per_reading.e2e.api", 1.0, "µs/reading"),
        Figure("scaling.evaluation_1000.seconds", 1.0, "s"),
    ]
    assert [f.name for f in headline(figures)] == ["end to end, sustained"]


def test_plot_is_a_png(tmp_path: Path) -> None:
    path = tmp_path / "scaling.png"
    plot_scaling(_scaling(), path)
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10_000

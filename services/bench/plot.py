"""The scaling phase as a picture: throughput and CPU per reading by active series, and the
alert engine's evaluation time by targets × regions (a PNG, matplotlib's Agg canvas).

Drawn from the bench's ``context["scaling"]`` (services.bench.runner), the same numbers the
scaling tables print.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

__all__ = ["plot_scaling"]

_STAGES = (
    ("api", "API", "#4c72b0"),
    ("worker", "stream worker", "#dd8452"),
    ("postgresql", "PostgreSQL", "#55a868"),
    ("broker", "broker (Tansu)", "#8172b3"),
)


def _us(row: Mapping[str, object], stage: str) -> float:
    cpu = row.get("cpu")
    per = cpu.get("us_per_reading") if isinstance(cpu, Mapping) else None
    value = per.get(stage) if isinstance(per, Mapping) else None
    return float(value) if isinstance(value, int | float) else 0.0


def _aside_us(row: Mapping[str, object], stage: str) -> float:
    cpu = row.get("cpu")
    if not isinstance(cpu, Mapping):
        return 0.0
    seconds = cpu.get("aside_cpu_seconds")
    value = seconds.get(stage) if isinstance(seconds, Mapping) else None
    readings = cpu.get("readings")
    if isinstance(value, int | float) and isinstance(readings, int) and readings:
        return float(value) * 1e6 / readings
    return 0.0


def _num(row: Mapping[str, object], key: str) -> float:
    value = row.get(key)
    return float(value) if isinstance(value, int | float) else 0.0


def plot_scaling(scaling: Mapping[str, Sequence[Mapping[str, object]]], path: Path) -> None:
    """Write the PNG to ``path``: end to end (readings/s; CPU µs per reading by stage) by
    active series, and the engine's time per target evaluation by targets × regions (a
    round's seconds written above each bar)."""
    e2e = list(scaling.get("end_to_end", ()))
    evaluation = list(scaling.get("evaluation", ()))
    fig = Figure(figsize=(13, 5.0), dpi=110)
    FigureCanvasAgg(fig)
    ax_rate, ax_cpu, ax_eval = fig.subplots(1, 3)

    # categories at positions 0, 1, 2, their labels "1,000", ...: strings as x values would
    # make matplotlib log that they look like numbers
    labels = [f"{int(_num(r, 'series')):,}" for r in e2e]
    at = list(range(len(labels)))
    rates = [_num(r, "per_s") for r in e2e]
    ax_rate.plot(at, rates, marker="o", color="#333333")
    ax_rate.set_xticks(at, labels)
    for x, y in zip(at, rates, strict=True):
        ax_rate.annotate(f"{y:,.0f}", (x, y), textcoords="offset points", xytext=(0, 6),
                         ha="center", fontsize=8)  # fmt: skip
    ax_rate.set_ylim(0, max(rates, default=1.0) * 1.25 or 1.0)
    ax_rate.set_title("end to end, HTTP → stored")
    ax_rate.set_xlabel("active series")
    ax_rate.set_ylabel("readings/s")
    ax_rate.grid(axis="y", alpha=0.3)

    bottom = [0.0] * len(e2e)
    for stage, name, colour in _STAGES:
        values = [_us(r, stage) for r in e2e]
        if not any(values):
            continue
        ax_cpu.bar(at, values, bottom=bottom, label=name, color=colour)
        if stage == "postgresql":  # the part of it the bench's own database's backends spent
            mine = [_aside_us(r, "postgresql_bench_db") for r in e2e]
            ax_cpu.bar(at, mine, bottom=bottom, fill=False, hatch="//", linewidth=0,
                       label="of PostgreSQL: the bench database's backends")  # fmt: skip
        bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    ax_cpu.set_xticks(at, labels)
    for x, total in zip(at, bottom, strict=True):
        ax_cpu.annotate(f"{total:.0f}", (x, total), textcoords="offset points", xytext=(0, 4),
                        ha="center", fontsize=8)  # fmt: skip
    ax_cpu.set_ylim(0, max(bottom, default=1.0) * 1.2 or 1.0)
    ax_cpu.set_title("CPU per reading, by stage")
    ax_cpu.set_xlabel("active series")
    ax_cpu.set_ylabel("µs of CPU per reading stored")
    ax_cpu.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=2)
    ax_cpu.grid(axis="y", alpha=0.3)

    counts = [f"{int(_num(r, 'evaluations')):,}" for r in evaluation]
    where = list(range(len(counts)))
    each = [_num(r, "us_per_evaluation") for r in evaluation]
    ax_eval.bar(where, each, color="#c44e52")
    ax_eval.set_xticks(where, counts)
    for x, us, r in zip(where, each, evaluation, strict=True):
        ax_eval.annotate(f"{_num(r, 'seconds'):.3g} s a round", (x, us), textcoords="offset points",
                         xytext=(0, 4), ha="center", fontsize=8)  # fmt: skip
    ax_eval.set_ylim(0, max(each, default=1.0) * 1.2 or 1.0)
    ax_eval.set_title("alert engine, judge + advance")
    ax_eval.set_xlabel("targets × regions")
    ax_eval.set_ylabel("µs per target evaluation (flat: linear)")
    ax_eval.grid(axis="y", alpha=0.3)

    fig.tight_layout()
    fig.savefig(path, format="png", bbox_inches="tight")

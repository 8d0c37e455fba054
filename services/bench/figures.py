"""A figure of the bench: what was measured, against which baseline and which target.

Each figure carries its value and unit, the baseline it is compared with (a figure of
this machine measured in the same run) and the ratio to it, and the target with whether
it is met. The tables are for people; the JSON (same figures) for tools. Figures named
with dots (``cpu_us_per_reading.e2e.api``, ``scaling.…``) are detail: they go to the JSON
and to their own tables (CPU per reading, scaling), not to the headline table.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any, Literal

__all__ = [
    "DETAIL_PREFIXES",
    "Figure",
    "Target",
    "format_cpu_table",
    "format_scaling_tables",
    "format_table",
    "headline",
    "to_json",
]

DETAIL_PREFIXES = ("cpu_us_per_reading.", "scaling.")


@dataclass(frozen=True, slots=True)
class Target:
    """``value >= at_least`` (throughput) or ``value <= at_most`` (time, memory); with
    ``of_baseline`` the figure's ratio to its baseline is held to it instead (end to end
    at 0.20 of raw COPY measured in the same run, whatever the machine)."""

    op: Literal[">=", "<="]
    value: float
    stretch: float | None = None
    of_baseline: bool = False

    def met(self, value: float) -> bool:
        return value >= self.value if self.op == ">=" else value <= self.value


@dataclass(frozen=True, slots=True)
class Figure:
    name: str
    value: float
    unit: str
    baseline: str | None = None  # name of the baseline figure it is compared with
    baseline_value: float | None = None
    target: Target | None = None
    note: str = ""

    @property
    def ratio(self) -> float | None:
        if self.baseline_value is None or not self.baseline_value:
            return None
        return self.value / self.baseline_value

    @property
    def met(self) -> bool | None:
        if self.target is None:
            return None
        measured = self.ratio if self.target.of_baseline else self.value
        return measured is not None and self.target.met(measured)

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["ratio"] = self.ratio
        out["met"] = self.met
        if self.target is not None:
            out["target"] = {"op": self.target.op, "value": self.target.value}
            if self.target.stretch is not None:
                out["target"]["stretch"] = self.target.stretch
            if self.target.of_baseline:
                out["target"]["of"] = "baseline"
        return out


def _num(x: float | None) -> str:
    if x is None or not math.isfinite(x):
        return "-"
    if abs(x) >= 100:
        return f"{x:,.0f}"
    if abs(x) >= 1:
        return f"{x:.2f}"
    return f"{x:.3g}"


def _target(f: Figure) -> str:
    if f.target is None:
        return "-"
    of = " of baseline" if f.target.of_baseline else ""
    text = f"{f.target.op} {_num(f.target.value)}{of}"
    if f.target.stretch is not None:
        text += f" (stretch {_num(f.target.stretch)})"
    return text + (" met" if f.met else " MISSED")


def headline(figures: Iterable[Figure]) -> list[Figure]:
    """The figures of the headline table (not the detail ones)."""
    return [f for f in figures if not f.name.startswith(DETAIL_PREFIXES)]


def _columns(rows: Sequence[Sequence[str]], right: Iterable[int], rule_after: int = 0) -> str:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    to_right = set(right)
    lines = []
    for n, r in enumerate(rows):
        cells = [
            c.rjust(w) if i in to_right else c.ljust(w)
            for i, (c, w) in enumerate(zip(r, widths, strict=True))
        ]
        lines.append("  ".join(cells).rstrip())
        if n == rule_after:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


PHASE_LABELS = {
    "e2e": "end to end",
    "stream": "stream → TimescaleDB",
    "quix_peer": "Quix Streams peer",
}
STAGE_LABELS = {
    "api": "API",
    "worker": "stream worker",
    "peer": "Quix Streams app",
    "postgresql": "PostgreSQL",
    "broker": "broker (Tansu)",
}
ASIDE_LABELS = {
    "postgresql_bench_db": "  of PostgreSQL: the bench database's backends",
    "bench": "the bench's own process (not in the total)",
}


def _us(x: object) -> str:
    return f"{x:.1f}" if isinstance(x, int | float) else "-"


def format_cpu_table(budgets: Mapping[str, Mapping[str, object]]) -> str:
    """CPU µs per reading, a row per stage and a column per phase, from the context's
    ``cpu_budget`` (phase → ``CpuBudget.as_dict()``)."""
    phases = list(budgets)
    used = {k for b in budgets.values() for k in _mapping(b, "us_per_reading")}
    rows: list[list[str]] = [["µs of CPU per reading", *(PHASE_LABELS.get(p, p) for p in phases)]]
    for stage, label in [*STAGE_LABELS.items(), ("total", "total")]:
        if stage in used:
            rows.append(
                [label, *(_us(_mapping(budgets[p], "us_per_reading").get(stage)) for p in phases)]
            )
    for stage, label in ASIDE_LABELS.items():
        values = []
        for p in phases:
            b = budgets[p]
            secs = _mapping(b, "aside_cpu_seconds").get(stage)
            n = b.get("readings")
            values.append(
                _us(secs * 1e6 / n)
                if isinstance(secs, int | float) and isinstance(n, int) and n
                else "-"
            )
        if any(v != "-" for v in values):
            rows.append([label, *values])
    rows.append(["readings/s", *(_num(_float(budgets[p].get("per_s"))) for p in phases)])
    rows.append(["readings", *(_int(budgets[p].get("readings")) for p in phases)])
    return _columns(rows, range(1, len(phases) + 1))


def format_scaling_tables(scaling: Mapping[str, Sequence[Mapping[str, object]]]) -> str:
    """End to end by active series (throughput and CPU per reading per stage), and the
    engine's evaluation time by targets × regions, from the context's ``scaling``."""
    parts = []
    e2e = scaling.get("end_to_end", ())
    if e2e:
        stages = [
            k
            for k in (*STAGE_LABELS, "total")
            if any(k in _mapping(_mapping(r, "cpu"), "us_per_reading") for r in e2e)
        ]
        rows: list[list[str]] = [
            [
                "active series",
                "readings",
                "readings/s",
                *(f"µs/reading {STAGE_LABELS.get(k, k)}" for k in stages),
            ]
        ]
        for r in e2e:
            us = _mapping(_mapping(r, "cpu"), "us_per_reading")
            rows.append(
                [
                    _int(r.get("series")),
                    _int(r.get("readings")),
                    _num(_float(r.get("per_s"))),
                    *(_us(us.get(k)) for k in stages),
                ]
            )
        parts.append(_columns(rows, range(len(rows[0]))))
    evaluation = scaling.get("evaluation", ())
    if evaluation:
        rows = [["targets × regions", "targets judged", "rule checks", "seconds", "µs each"]]
        for r in evaluation:
            rows.append(
                [
                    _int(r.get("evaluations")),
                    _int(r.get("targets")),
                    _int(r.get("checks")),
                    _num(_float(r.get("seconds"))),
                    _num(_float(r.get("us_per_evaluation"))),
                ]
            )
        parts.append(_columns(rows, range(len(rows[0]))))
    return "\n\n".join(parts)


def _mapping(m: object, key: str) -> Mapping[str, object]:
    value = m.get(key) if isinstance(m, Mapping) else None
    return value if isinstance(value, Mapping) else {}


def _int(x: object) -> str:
    return f"{x:,.0f}" if isinstance(x, int | float) else "-"


def _float(x: object) -> float | None:
    return float(x) if isinstance(x, int | float) else None


def format_table(figures: Sequence[Figure]) -> str:
    rows = [("figure", "value", "unit", "baseline", "ratio", "target")]
    for f in figures:
        ratio = f.ratio
        rows.append(
            (
                f.name,
                _num(f.value),
                f.unit,
                f"{f.baseline} ({_num(f.baseline_value)})" if f.baseline else "-",
                f"{ratio:.3f}" if ratio is not None else "-",
                _target(f),
            )
        )
    return _columns(rows, (1, 4))


def to_json(figures: Iterable[Figure], **extra: Any) -> dict[str, Any]:
    return {**extra, "figures": [f.as_dict() for f in figures]}

"""A figure of the bench: what was measured, against which baseline and which target.

Each figure carries its value and unit, the baseline it is compared with (a figure of
this machine measured in the same run) and the ratio to it, and the target with whether
it is met. The table is for people; the JSON (same figures) for tools.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Any, Literal

__all__ = ["Figure", "Target", "format_table", "to_json"]


@dataclass(frozen=True, slots=True)
class Target:
    """``value >= at_least`` (throughput) or ``value <= at_most`` (time, memory)."""

    op: Literal[">=", "<="]
    value: float
    stretch: float | None = None

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
        return None if self.target is None else self.target.met(self.value)

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["ratio"] = self.ratio
        out["met"] = self.met
        if self.target is not None:
            out["target"] = {"op": self.target.op, "value": self.target.value}
            if self.target.stretch is not None:
                out["target"]["stretch"] = self.target.stretch
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
    text = f"{f.target.op} {_num(f.target.value)}"
    if f.target.stretch is not None:
        text += f" (stretch {_num(f.target.stretch)})"
    return text + (" met" if f.met else " MISSED")


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
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = []
    for n, r in enumerate(rows):
        cells = [
            c.rjust(w) if i in (1, 4) else c.ljust(w)
            for i, (c, w) in enumerate(zip(r, widths, strict=True))
        ]
        lines.append("  ".join(cells).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def to_json(figures: Iterable[Figure], **extra: Any) -> dict[str, Any]:
    return {**extra, "figures": [f.as_dict() for f in figures]}

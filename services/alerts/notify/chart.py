"""A PNG chart of an alert: actual vs trajectory vs projection (with its interval).

The series come from the database function ``target_chart(target, from, to)`` (rows of
time, metric, value with metrics ``actual``, ``trajectory`` and ``target``); the
projection from the alert's explanation: a fan from the latest actual
(``actual.value`` at ``actual.as_of``) to ``projection.value`` at ``projection.at``,
between ``projection.low`` and ``projection.high``. Drawing uses matplotlib's Agg canvas
on a figure of its own (no pyplot state), so it is safe in a worker thread.
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

__all__ = ["ChartData", "chart_data", "render_png"]


@dataclass(frozen=True)
class ChartData:
    actual: tuple[tuple[datetime, float], ...]
    trajectory: tuple[tuple[datetime, float], ...]
    projection: tuple[tuple[datetime, float, float, float], ...] = ()
    unit: str = ""
    target: float | None = None
    deadline: datetime | None = None


def chart_data(
    rows: Iterable[tuple[datetime, str, float]], explanation: Mapping[str, Any]
) -> ChartData | None:
    """The chart of a target from its series and its alert's explanation; None without
    an actual or a trajectory to draw."""
    series: dict[str, list[tuple[datetime, float]]] = {}
    for at, metric, value in rows:
        if value is not None:
            series.setdefault(metric, []).append((at, float(value)))
    actual, trajectory = series.get("actual", []), series.get("trajectory", [])
    if not actual and not trajectory:
        return None
    target = series.get("target", [])
    about = explanation.get("target")
    unit = about.get("unit", "") if isinstance(about, Mapping) else ""
    return ChartData(
        actual=tuple(sorted(actual)),
        trajectory=tuple(sorted(trajectory)),
        projection=_projection(explanation),
        unit=str(unit or ""),
        target=target[0][1] if target else None,
        deadline=max(t for t, _ in target) if target else None,
    )


def _projection(explanation: Mapping[str, Any]) -> tuple[tuple[datetime, float, float, float], ...]:
    actual, projection = explanation.get("actual"), explanation.get("projection")
    if not isinstance(actual, Mapping) or not isinstance(projection, Mapping):
        return ()
    try:
        start = _time(actual["as_of"])
        now_value = float(actual["value"])
        end = _time(projection["at"])
        points = (float(projection["value"]), float(projection["low"]), float(projection["high"]))
    except (KeyError, TypeError, ValueError):
        return ()
    if end <= start:
        return ()
    return ((start, now_value, now_value, now_value), (end, *points))


def render_png(data: ChartData, title: str, *, width: float = 7.0, height: float = 3.6) -> bytes:
    """The chart as PNG bytes (glyphs the font lacks, such as CJK units, show as boxes)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Glyph .* missing from font")
        return _draw(data, title, width, height)


def _draw(data: ChartData, title: str, width: float, height: float) -> bytes:
    figure = Figure(figsize=(width, height), dpi=100)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    if data.trajectory:
        times, values = _columns(data.trajectory)
        axes.plot(times, values, "--", color="#555555", label="trajectory")
    if data.actual:
        times, values = _columns(data.actual)
        axes.plot(times, values, "-o", color="#1565c0", markersize=3, label="actual")
    if data.projection:
        times = [_day(p[0]) for p in data.projection]
        low, high = [p[2] for p in data.projection], [p[3] for p in data.projection]
        axes.fill_between(times, low, high, color="#ef6c00", alpha=0.2, label="projection 10–90 %")
        axes.plot(times, [p[1] for p in data.projection], ":", color="#ef6c00", label="projection")
    if data.target is not None:
        axes.axhline(data.target, color="#2e7d32", linewidth=1, label=f"target {data.target:g}")
    if data.deadline is not None:
        axes.axvline(_day(data.deadline), color="#2e7d32", linewidth=0.8, linestyle="-.")
    axes.margins(y=0.12)
    axes.xaxis_date()
    figure.autofmt_xdate()
    axes.set_title(title[:90], fontsize=10)
    axes.set_ylabel(data.unit)
    axes.grid(alpha=0.3)
    axes.legend(fontsize=8, loc="best")
    figure.tight_layout()
    out = io.BytesIO()
    figure.savefig(out, format="png")
    return out.getvalue()


def _columns(points: Sequence[tuple[datetime, float]]) -> tuple[list[float], list[float]]:
    return [_day(p[0]) for p in points], [p[1] for p in points]


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _day(moment: datetime) -> float:
    """matplotlib's date number: days since its default epoch, 1970-01-01 UTC."""
    return (moment - _EPOCH) / timedelta(days=1)


def _time(value: Any) -> datetime:
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    if moment.utcoffset() is None:
        raise ValueError(f"naive datetime {moment.isoformat()}")
    return moment

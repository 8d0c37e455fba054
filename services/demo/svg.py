"""A small SVG line chart: actual vs trajectory vs target, with the projection interval.

Hand-written SVG keeps the report a single self-contained file with no script at all, so
it opens anywhere (and in a headless browser with nothing to fail).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html import escape

from services.language import Language, quantity, short_number, tr

__all__ = ["Chart", "Marker", "render"]

W, H = 560, 240
PAD_L, PAD_R, PAD_T, PAD_B = 64, 16, 16, 28

Point = tuple[datetime, float]


@dataclass(frozen=True, slots=True)
class Marker:
    at: datetime
    label: str
    colour: str


@dataclass(frozen=True, slots=True)
class Chart:
    title: str
    unit: str
    actual: Sequence[Point]
    trajectory: Sequence[Point] = ()
    target: float | None = None
    projection: tuple[datetime, float, float, float] | None = None  # at, low, value, high
    markers: Sequence[Marker] = field(default_factory=tuple)
    # where the projection starts: the last actual point, unless it belongs to another period
    # (a flow's year to date: the deadline year's total starts from nothing on 1 January)
    projection_from: Point | None = None


def _scale(chart: Chart) -> tuple[float, float, float, float]:
    times = [p[0].timestamp() for p in (*chart.actual, *chart.trajectory)]
    values = [p[1] for p in (*chart.actual, *chart.trajectory)]
    if chart.projection is not None:
        times.append(chart.projection[0].timestamp())
        values += [chart.projection[1], chart.projection[3]]
    if chart.target is not None:
        values.append(chart.target)
    t0, t1 = min(times), max(times)
    v0, v1 = min(values), max(values)
    span = (v1 - v0) or abs(v1) or 1.0
    low = v0 - 0.05 * span
    if v0 >= 0 > low:
        low = 0.0  # counts and totals: no axis below zero
    return t0, t1 if t1 > t0 else t0 + 1, low, v1 + 0.05 * span


def render(chart: Chart, lang: Language = Language.EN) -> str:
    """The chart as inline SVG, its labels in ``lang`` (万/亿 or million/billion)."""

    def _fmt(v: float) -> str:  # an axis wants it short: 32.4M, not 32.4 million
        return short_number(v, lang)

    if not chart.actual and not chart.trajectory:
        empty = escape(tr(lang, "chart.no_data"))
        return f'<svg class="chart" viewBox="0 0 {W} {H}" role="img" aria-label="{escape(chart.title)}: {empty}"><text x="{W / 2}" y="{H / 2}" text-anchor="middle" fill="#888">{empty}</text></svg>'
    t0, t1, v0, v1 = _scale(chart)

    def x(t: datetime) -> float:
        return PAD_L + (t.timestamp() - t0) / (t1 - t0) * (W - PAD_L - PAD_R)

    def y(v: float) -> float:
        return H - PAD_B - (v - v0) / (v1 - v0) * (H - PAD_T - PAD_B)

    def path(points: Sequence[Point]) -> str:
        return " ".join(f"{x(t):.1f},{y(v):.1f}" for t, v in points)

    parts = [
        f'<svg class="chart" viewBox="0 0 {W} {H}" role="img" aria-label="{escape(chart.title)}">'
    ]
    for i in range(5):  # grid and y labels
        v = v0 + (v1 - v0) * i / 4
        parts.append(
            f'<line x1="{PAD_L}" x2="{W - PAD_R}" y1="{y(v):.1f}" y2="{y(v):.1f}" stroke="#eee"/>'
        )
        parts.append(
            f'<text x="{PAD_L - 6}" y="{y(v) + 4:.1f}" text-anchor="end" font-size="10" fill="#666">{escape(_fmt(v))}</text>'
        )
    for year in range(
        datetime.fromtimestamp(t0, UTC).year + 1, datetime.fromtimestamp(t1, UTC).year + 1
    ):
        t = datetime(year, 1, 1, tzinfo=(chart.actual or chart.trajectory)[0][0].tzinfo)
        parts.append(
            f'<line x1="{x(t):.1f}" x2="{x(t):.1f}" y1="{PAD_T}" y2="{H - PAD_B}" stroke="#ddd"/>'
        )
        parts.append(
            f'<text x="{x(t):.1f}" y="{H - 10}" text-anchor="middle" font-size="10" fill="#666">{year}</text>'
        )
    if chart.projection is not None and chart.actual:
        at, low, value, high = chart.projection
        last_t, last_v = chart.projection_from or chart.actual[-1]
        poly = f"{x(last_t):.1f},{y(last_v):.1f} {x(at):.1f},{y(high):.1f} {x(at):.1f},{y(low):.1f}"
        parts.append(
            f'<polygon points="{poly}" fill="#f5a62333" stroke="none"><title>{escape(tr(lang, "chart.projection", low=_fmt(low), high=_fmt(high)))}</title></polygon>'
        )
        parts.append(
            f'<line x1="{x(last_t):.1f}" y1="{y(last_v):.1f}" x2="{x(at):.1f}" y2="{y(value):.1f}" stroke="#f5a623" stroke-dasharray="3 3"/>'
        )
    if chart.target is not None:
        parts.append(
            f'<line x1="{PAD_L}" x2="{W - PAD_R}" y1="{y(chart.target):.1f}" y2="{y(chart.target):.1f}" stroke="#d0021b" stroke-width="1.2"/>'
        )
        parts.append(
            f'<text x="{W - PAD_R}" y="{y(chart.target) - 4:.1f}" text-anchor="end" font-size="10" fill="#d0021b">{escape(tr(lang, "chart.target", value=quantity(chart.target, chart.unit, lang)))}</text>'
        )
    if chart.trajectory:
        parts.append(
            f'<polyline points="{path(chart.trajectory)}" fill="none" stroke="#4a90e2" stroke-dasharray="6 4"/>'
        )
    if chart.actual:
        parts.append(
            f'<polyline points="{path(chart.actual)}" fill="none" stroke="#222" stroke-width="1.6"/>'
        )
    for m in chart.markers:
        parts.append(
            f'<line x1="{x(m.at):.1f}" x2="{x(m.at):.1f}" y1="{PAD_T}" y2="{H - PAD_B}" stroke="{m.colour}" stroke-width="1"><title>{escape(m.label)}</title></line>'
        )
    parts.append("</svg>")
    return "".join(parts)

"""A PNG chart of an alert: actual vs trajectory vs projection (with its interval).

The series come from the database function ``target_chart(target, from, to)`` (rows of
time, metric, value with metrics ``actual``, ``trajectory`` and ``target``); the
projection from the alert's explanation: a fan from the latest actual
(``actual.value`` at ``actual.as_of``) to ``projection.value`` at ``projection.at``,
between ``projection.low`` and ``projection.high``. Drawing uses matplotlib's Agg canvas
on a figure of its own (no pyplot state), so it is safe in a worker thread.

Legends and the unit are in the receiver's language. Chinese needs a font with Chinese
glyphs (Debian: ``fonts-wqy-microhei`` or ``fonts-noto-cjk``); without one, a chart for a
Chinese receiver is labelled in English rather than in boxes (:func:`chart_language`).
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

from matplotlib import font_manager
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from services.language import Language, number, short_number, tr, unit_label

__all__ = ["ChartData", "chart_data", "chart_language", "render_png"]

_CJK_FONTS = (
    "WenQuanYi Micro Hei", "WenQuanYi Zen Hei", "Noto Sans CJK SC", "Noto Sans SC",
    "Source Han Sans SC", "Droid Sans Fallback", "AR PL UMing CN", "SimHei", "Microsoft YaHei",
    "PingFang SC",
)  # fmt: skip


_CJK_FILES = ("wqy-", "notosanscjk", "notoserifcjk", "sourcehansans", "droidsansfallback", "uming")


@cache
def _cjk_font() -> str | None:
    """The first installed font with Chinese glyphs (looked up once per process). A font
    installed after matplotlib cached its list of fonts is found among the system's files."""
    installed = {f.name for f in font_manager.fontManager.ttflist}
    found = next((name for name in _CJK_FONTS if name in installed), None)
    if found is not None:
        return found
    for path in sorted(font_manager.findSystemFonts()):
        if any(part in path.lower().replace("_", "").replace(" ", "") for part in _CJK_FILES):
            font_manager.fontManager.addfont(path)
            name = font_manager.FontProperties(fname=path).get_name()
            if name in _CJK_FONTS:
                return name
    return None


def chart_language(lang: Language) -> Language:
    """The language a chart can be labelled in here: Chinese only with a Chinese font."""
    return lang if lang is not Language.ZH or _cjk_font() else Language.EN


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


def render_png(
    data: ChartData,
    title: str,
    *,
    lang: Language = Language.EN,
    width: float = 7.0,
    height: float = 3.6,
) -> bytes:
    """The chart as PNG bytes, labelled in ``lang`` (see :func:`chart_language`: give a
    title in the language it returns)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Glyph .* missing from font")
        return _draw(data, title, chart_language(lang), width, height)


def _draw(data: ChartData, title: str, lang: Language, width: float, height: float) -> bytes:
    figure = Figure(figsize=(width, height), dpi=100)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    cjk = _cjk_font()
    family = ["DejaVu Sans", cjk] if cjk else ["DejaVu Sans"]
    font = font_manager.FontProperties(family=family, size=8)
    if data.trajectory:
        times, values = _columns(data.trajectory)
        label = tr(lang, "chart.legend.trajectory")
        axes.plot(times, values, "--", color="#555555", label=label)
    if data.actual:
        times, values = _columns(data.actual)
        label = tr(lang, "chart.legend.actual")
        axes.plot(times, values, "-o", color="#1565c0", markersize=3, label=label)
    if data.projection:
        times = [_day(p[0]) for p in data.projection]
        low, high = [p[2] for p in data.projection], [p[3] for p in data.projection]
        label = tr(lang, "chart.legend.interval")
        axes.fill_between(times, low, high, color="#ef6c00", alpha=0.2, label=label)
        label = tr(lang, "chart.legend.projection")
        axes.plot(times, [p[1] for p in data.projection], ":", color="#ef6c00", label=label)
    if data.target is not None:
        label = tr(lang, "chart.target", value=number(data.target, lang))
        axes.axhline(data.target, color="#2e7d32", linewidth=1, label=label)
    if data.deadline is not None:
        axes.axvline(_day(data.deadline), color="#2e7d32", linewidth=0.8, linestyle="-.")
    axes.margins(y=0.12)
    axes.xaxis_date()
    figure.autofmt_xdate()
    axes.yaxis.set_major_formatter(lambda value, _pos: short_number(value, lang))
    axes.set_title(title[:90], fontsize=10, fontfamily=family)
    axes.set_ylabel(unit_label(data.unit, lang), fontfamily=family)
    axes.grid(alpha=0.3)
    axes.legend(prop=font, loc="best")
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

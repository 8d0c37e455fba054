from __future__ import annotations

from datetime import timedelta

from services.alerts.notify.chart import ChartData, chart_data, chart_language, render_png
from services.language import Language
from tests.unit.alerts.notify.builders import T0

PNG = b"\x89PNG\r\n\x1a\n"
D = timedelta(days=1)


def _rows() -> list[tuple[object, str, float]]:
    rows: list[tuple[object, str, float]] = []
    for day in range(0, 60, 5):
        rows.append((T0 + day * D, "actual", 40.0 - day * 0.05))
    for day in range(0, 300, 10):
        rows.append((T0 + day * D, "trajectory", 40.0 - day * 0.03))
    rows += [(T0, "target", 30.0), (T0 + 300 * D, "target", 30.0)]
    return rows


EXPLANATION = {
    "target": {"unit": "µg/m³", "value": 30},
    "actual": {"value": 37.3, "as_of": (T0 + 55 * D).isoformat()},
    "projection": {"value": 33.0, "low": 31.0, "high": 35.5, "at": (T0 + 300 * D).isoformat()},
}


def test_chart_data_from_series_and_explanation() -> None:
    data = chart_data(_rows(), EXPLANATION)
    assert data is not None
    assert len(data.actual) == 12 and len(data.trajectory) == 30
    assert data.target == 30.0 and data.deadline == T0 + 300 * D and data.unit == "µg/m³"
    assert data.projection == (
        (T0 + 55 * D, 37.3, 37.3, 37.3),
        (T0 + 300 * D, 33.0, 31.0, 35.5),
    )


def test_no_series_no_chart() -> None:
    assert chart_data([], EXPLANATION) is None
    assert chart_data([(T0, "target", 30.0)], EXPLANATION) is None


def test_projection_needs_readable_numbers() -> None:
    broken = {**EXPLANATION, "projection": {"value": "n/a", "at": "soon"}}
    data = chart_data(_rows(), broken)
    assert data is not None and data.projection == ()
    assert chart_data(_rows(), {}) is not None


def test_png() -> None:
    data = chart_data(_rows(), EXPLANATION)
    assert data is not None
    png = render_png(data, "air.pm25.2025 is 17.3 % behind its trajectory")
    assert png.startswith(PNG)
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    assert (width, height) == (700, 360)


def test_png_with_unit_the_font_lacks() -> None:
    data = ChartData(actual=((T0, 1.0), (T0 + D, 2.0)), trajectory=(), unit="万吨")
    assert render_png(data, "港口货物吞吐量").startswith(PNG)


def test_png_in_chinese_only_with_a_chinese_font() -> None:
    data = chart_data(_rows(), EXPLANATION)
    assert data is not None
    chinese = render_png(data, "2025年细颗粒物（PM2.5）浓度", lang=Language.ZH)
    english = render_png(data, "2025年细颗粒物（PM2.5）浓度", lang=Language.EN)
    assert chinese.startswith(PNG) and english.startswith(PNG)
    if chart_language(Language.ZH) is Language.ZH:  # a font with Chinese glyphs is installed
        assert chinese != english
    else:  # labelled in English rather than in boxes
        assert chinese == english

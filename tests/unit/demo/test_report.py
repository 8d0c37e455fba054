"""The demo's report and table in Chinese and in English: names from the catalogue, clauses
cited with their plan's title, numbers as each language writes them."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from services.demo.report import ReportData, TargetSection, write_reports
from services.demo.simulate import story
from services.demo.summary import episodes, format_table, region_months
from services.demo.svg import Chart, render
from services.indicators.names import load_glossary
from services.language import Glossary, Language

ZH, EN = Language.ZH, Language.EN
T = datetime(2025, 6, 1, tzinfo=UTC)
E_NOTATION = re.compile(r"\d[eE][+-]\d")


@pytest.fixture(scope="module")
def names() -> Glossary:
    return load_glossary()


def _report(names: Glossary) -> ReportData:
    teu = TargetSection(
        "port.container_teu.2025", "met", 32_433_072.0, 26_000_000.0, 24.7, "TEU", 0,
        Chart("port.container_teu.2025", "TEU",
              [(datetime(2025, m, 1, tzinfo=UTC), 2_700_000.0 * m) for m in range(1, 13)],
              [(datetime(2025, 1, 1, tzinfo=UTC), 0.0), (datetime(2025, 12, 31, tzinfo=UTC), 2.6e7)],
              26_000_000.0),
        kind="flow", comparator=">=", target_value=26_000_000.0, deadline=date(2025, 12, 31),
    )  # fmt: skip
    sea_rail = TargetSection(
        "port.sea_rail_teu.2025", "off_track", 1_500_000.0, 1_712_000.0, -12.4, "TEU", 213,
        Chart("port.sea_rail_teu.2025", "TEU",
              [(datetime(2025, m, 1, tzinfo=UTC), 150_000.0 * m) for m in range(1, 6)],
              [(datetime(2025, 1, 1, tzinfo=UTC), 0.0), (datetime(2025, 12, 31, tzinfo=UTC), 2.2e6)],
              2_200_000.0, (datetime(2025, 12, 31, tzinfo=UTC), 1.8e6, 1.95e6, 2.1e6)),
        kind="flow", comparator=">=", target_value=2_200_000.0, deadline=date(2025, 12, 31),
        pace_needed=100_000.0, pace_recent=150_000.0,
    )  # fmt: skip
    silent = TargetSection(
        "transport.rail_transit_km.2025", "no_data", None, None, None, "km", 213,
        Chart("transport.rail_transit_km.2025", "km", []),
    )  # fmt: skip
    west_coast = TargetSection(
        "power.ev_charging_piles.west-coast.2025", "missed", 11_050.0, 13_000.0, -15.0, "piles",
        0, Chart("power.ev_charging_piles.west-coast.2025", "piles", []),
        kind="stock", comparator=">=", target_value=13_000.0, deadline=date(2025, 12, 31),
        region="west-coast-new-area",
    )  # fmt: skip
    rows = [
        ("fp1", "off-trajectory-ticket", "port.sea_rail_teu.2025", "ticket", T, "firing",
         "behind trajectory by 12.4 % (tolerance 5 %)", 12.4, {"target": "port.sea_rail_teu.2025"},
         {}, {"rule": {"kind": "off_trajectory"}}),
        ("fp1", "off-trajectory-ticket", "port.sea_rail_teu.2025", "ticket", T.replace(month=9),
         "resolved", "shortfall 2.0 % is under 2.5 %", 2.0, {}, {}, {}),
    ]  # fmt: skip
    alerts = episodes(rows)
    counts = {"met": 1, "off_track": 1, "no_data": 1, "missed": 1}
    return ReportData(T, T, [teu, sea_rail, silent, west_coast], alerts, counts, names)


def test_both_reports_are_written_and_link_each_other(names: Glossary, tmp_path: Path) -> None:
    zh, en = write_reports(_report(names), tmp_path / "index.html", ZH)
    assert (zh.name, en.name) == ("index.html", "index.en.html")
    chinese, english = zh.read_text(encoding="utf-8"), en.read_text(encoding="utf-8")
    assert '<html lang="zh-CN">' in chinese and "<title>ontrack 演示报告</title>" in chinese
    assert '<html lang="en">' in english and "<title>ontrack demo report</title>" in english
    assert "href='index.en.html' hreflang='en'>English</a>" in chinese
    assert "href='index.html' hreflang='zh-CN'>中文</a>" in english


def test_the_chinese_report(names: Glossary, tmp_path: Path) -> None:
    [page, _] = write_reports(_report(names), tmp_path / "index.html", ZH)
    html = page.read_text(encoding="utf-8")
    for expected in (
        "2025年集装箱吞吐量",
        "3,243万标准箱",
        "2,600万标准箱",
        "已达标",
        "落后进度",
        "2025年12月31日前达到220万标准箱",
        "《青岛市深化新旧动能转换推动绿色低碳高质量发展三年行动计划（2023—2025年）》",
        "“到2025年，集装箱海铁联运量突破220万标准箱",
        "2025年余下时间每月需10万标准箱；近三个月平均每月15万标准箱",
        "2025年集装箱海铁联运量落后进度轨迹12.4%",  # why the alert fired
        "已达标1项",
        "目标 220万标准箱",  # the chart's target line
    ):
        assert expected in html, expected
    assert ".txt" not in html and not E_NOTATION.search(html)


def test_the_english_report(names: Glossary, tmp_path: Path) -> None:
    [page, _] = write_reports(_report(names), tmp_path / "index.html", EN)
    html = page.read_text(encoding="utf-8")
    for expected in (
        "Port container throughput (2025)",
        "32.4 million TEU",
        "at least 2.2 million TEU by 2025-12-31",
        "Qingdao three-year action plan",
        "100,000 TEU a month for the rest of 2025; the last three months averaged 150,000 TEU",
        "is 12.4% behind its trajectory",
        "1 met",
        "target 2.2 million TEU",
    ):
        assert expected in html, expected
    assert ".txt" not in html and not E_NOTATION.search(html)
    assert html.count("class=card") == 3  # the target without data has no chart


def test_the_table_in_both_languages(names: Glossary) -> None:
    report = _report(names)
    chinese = format_table(report, ZH)
    assert "2025年集装箱吞吐量" in chinese and "3,243万" in chinese and "已达标" in chinese
    assert (
        "无数据：1项目标，原因如下" in chinese
        and "2025年轨道交通通车里程 — 尚未收到任何数据" in chinese
    )
    assert "2025年集装箱海铁联运量落后进度轨迹12.4%" in chinese
    assert re.search(r"西海岸新区2025年充电桩保有量\s+西海岸新区\s+未达标", chinese)
    english = format_table(report, EN)
    assert "port.container_teu.2025" in english and "32,433,072" in english
    assert "behind trajectory by 12.4 % (tolerance 5 %)" in english  # the engine's reason
    assert re.search(
        r"power.ev_charging_piles.west-coast.2025\s+West Coast New Area\s+missed", english
    )
    # every target is a row, the one without data too; why it has none, from the script
    assert re.search(r"^transport.rail_transit_km.2025\s+no data", english, re.M)
    assert (
        f"transport.rail_transit_km.2025 — {story('transport.rail_transit_km.2025').about}"
        in english
    )


def test_a_regions_months_are_its_sources_combined() -> None:
    jan, feb, mar = (datetime(2025, m, 1, tzinfo=UTC) for m in (1, 2, 3))
    rows = [  # source, bucket, sum, mean, last
        ("wc-a", jan, 10.0, 5.0, 100.0), ("wc-b", jan, 20.0, 10.0, 50.0),
        ("wc-a", feb, 12.0, 6.0, 110.0), ("wc-b", mar, 30.0, 15.0, 70.0),
    ]  # fmt: skip
    stock = region_months(rows, combine="sum", cumulative=True)
    assert [(b, last) for b, _s, _m, last in stock] == [(jan, 150.0), (feb, 160.0), (mar, 180.0)]
    flow = region_months(rows, combine="sum", cumulative=False)
    assert [total for _b, total, _m, _l in flow] == [30.0, 12.0, 30.0]
    level = region_months(rows, combine="mean", cumulative=False)
    assert [mean for _b, _t, mean, _l in level] == [7.5, 6.0, 15.0]


def test_a_chart_speaks_the_language() -> None:
    chart = Chart("x", "TEU", [(T, 1.5e7), (T.replace(month=9), 2.5e7)], target=3.2e7)
    assert "目标 3,200万标准箱" in render(chart, ZH) and "3,200万" in render(chart, ZH)
    english = render(chart, EN)
    assert "target 32 million TEU" in english
    assert re.search(r">\d+(?:\.\d+)?M</text>", english)  # the axis: short, never 3.2e+07
    assert "暂无数据" in render(Chart("x", "TEU", []), ZH)


def test_a_flows_projection_starts_from_nothing_on_its_year_when_its_last_value_is_older() -> None:
    """A flow's chart is of the year to date: the deadline year's projected total is drawn
    over that year, not from a whole earlier year's total (a yearly report's, before the
    year's own report arrives)."""
    from services.demo.summary import _projection_from
    from services.indicators.plans import CITY_TZ, load_plans, targets_of

    by_id = {t.id: t for t in targets_of(load_plans())}
    teu, routes = by_id["port.container_teu.2025"], by_id["port.direct_container_routes.2025"]
    assert teu.kind == "flow" and routes.kind != "flow"
    at = teu.deadline_at
    new_year = datetime(2025, 1, 1, tzinfo=CITY_TZ)
    last_year = [(datetime(2024, 12, 31, 23, tzinfo=CITY_TZ), 3.1e7)]
    assert _projection_from(teu, last_year, at) == (new_year, 0.0)
    assert _projection_from(teu, [(datetime(2025, 6, 30, tzinfo=CITY_TZ), 1.4e7)], at) is None
    assert _projection_from(routes, last_year, routes.deadline_at) is None  # a stock goes on
    assert _projection_from(teu, [], at) is None and _projection_from(teu, last_year, None) is None

    chart = Chart("x", "TEU", last_year, projection=(at, 2.9e7, 3.2e7, 3.5e7),
                  projection_from=(new_year, 0.0))  # fmt: skip
    starts = re.findall(
        r'<line x1="([\d.]+)" y1="([\d.]+)" x2="[\d.]+" y2="[\d.]+" stroke="#f5a623"', render(chart)
    )
    drawn = render(Chart("x", "TEU", last_year, projection=(at, 2.9e7, 3.2e7, 3.5e7)))
    older = re.findall(
        r'<line x1="([\d.]+)" y1="([\d.]+)" x2="[\d.]+" y2="[\d.]+" stroke="#f5a623"', drawn
    )
    assert len(starts) == len(older) == 1 and starts[0] != older[0]

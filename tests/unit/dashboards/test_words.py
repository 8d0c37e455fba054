"""How the dashboards name and show targets in each language (services/dashboards/language/words.py):
names as the plans write them, units as statistics publish them, the clause with the plan's
title."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from services.cli import main
from services.dashboards.language import zh_cn
from services.dashboards.language.words import TargetText, data_unit, target_text
from services.indicators.catalogue import load_catalogue
from services.indicators.plans import Plan, load_plans
from services.language import REGION_NAMES, clause_of

CATALOGUE = load_catalogue()
PLANS = {t.id: (t, p) for p in load_plans(catalogue=CATALOGUE) for t in p.targets}


def text(target_id: str, lang: str) -> TargetText:
    target, plan = PLANS[target_id]
    return target_text(target, CATALOGUE.get(target.indicator), plan, lang)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("target_id", "lang", "label", "unit", "scale", "goal"),
    [
        ("port.container_teu.2025", "zh-CN", "2025年集装箱吞吐量", "万标准箱", 1e4, "不低于2600万标准箱"),
        ("port.container_teu.2025", "en", "Port container throughput (2025)", "million TEU", 1e6,
         "at least 26 million TEU"),
        ("port.cargo_tonnes.2025", "zh-CN", "2025年港口货物吞吐量", "亿吨", 1e8, "不低于6.7亿吨"),
        ("power.renewable_capacity.2025", "zh-CN", "2025年可再生能源装机容量", "万千瓦", 1e4,
         "不低于520万千瓦"),
        ("telecom.5g_base_stations.2026", "zh-CN", "2026年5G基站数量", "万个", 1e4, "不低于4万个"),
        ("economy.foreign_trade.2026", "zh-CN", "2026年货物贸易进出口额", "万亿元", 1e12,
         "不低于1.3万亿元"),
        ("air.pm25.2025", "zh-CN", "2025年细颗粒物（PM2.5）浓度", "微克/立方米", 1, "不高于30微克/立方米"),
        ("air.pm25.2025", "en", "PM2.5 concentration (2025)", "µg/m³", 1, "at most 30 µg/m³"),
        ("air.good_days_ratio.2025", "zh-CN", "2025年空气质量优良天数比率", "%", 1, "不低于88.8%"),
        ("air.good_days_ratio.2025", "en", "Share of days with good air quality (2025)", "%", 1,
         "at least 88.8%"),
        ("airport.cargo_mail_tonnes.2025", "en", "Airport cargo and mail throughput (2025)",
         "tonnes", 1, "at least 400,000 tonnes"),
        ("power.ev_charging_piles.west-coast.2025", "zh-CN", "西海岸新区2025年充电桩保有量", "万个",
         1e4, "不低于1.3万个"),
        ("power.ev_charging_piles.west-coast.2025", "en",
         "EV charging piles in service (2025, West Coast New Area)", "charging piles", 1,
         "at least 13,000 charging piles"),
        ("economy.high_tech_enterprises.2026", "zh-CN", "2026年高新技术企业数量", "万家", 1e4,
         "不低于1万家"),
    ],
)  # fmt: skip
def test_a_target_is_named_and_shown_as_the_plans_and_statistics_write_it(
    target_id: str, lang: str, label: str, unit: str, scale: float, goal: str
) -> None:
    got = text(target_id, lang)
    assert (got.label, got.unit, got.scale, got.goal) == (label, unit, scale, goal)


def test_every_target_of_the_plans_has_a_chinese_and_an_english_name() -> None:
    cjk = re.compile(r"[\u4e00-\u9fff]")
    for target_id in PLANS:
        zh, en = text(target_id, "zh-CN"), text(target_id, "en")
        regions = tuple(zh_name for _, zh_name in REGION_NAMES.values())
        assert cjk.search(zh.label) and zh.label.startswith((*regions, "20")), zh.label
        assert not cjk.search(en.label + en.unit + en.goal), en.label
        assert cjk.search(zh.goal) and not cjk.search(en.goal)
    assert len({text(t, "zh-CN").label for t in PLANS}) == len(PLANS)


def test_the_clause_is_cited_with_the_plans_title_not_its_file() -> None:
    zh, en = text("air.pm25.2025", "zh-CN"), text("air.pm25.2025", "en")
    assert zh.citation == (
        "《青岛市深化新旧动能转换推动绿色低碳高质量发展三年行动计划（2023—2025年）》"
        "五（四）57.持续深入打好蓝天保卫战"
    )
    assert en.citation.startswith("Qingdao three-year action plan (2023-2025)")
    assert en.citation.endswith(", 五（四）57.持续深入打好蓝天保卫战")
    assert (
        zh.quote == "“到2025年，细颗粒物（PM2.5）浓度控制在30微克/立方米以内，基本消除重污染天气。”"
    )
    for target_id in PLANS:
        for lang in ("zh-CN", "en"):
            assert ".txt" not in text(target_id, lang).citation, target_id


@pytest.mark.parametrize(
    ("clause", "source", "shown"),
    [
        ("001_82608513a9e9ca77.txt · 五（四）57.持续深入打好蓝天保卫战", None,
         "五（四）57.持续深入打好蓝天保卫战"),
        ("003_c9fd.txt · 四（十三）构筑企业创新新高地; 一（二）目标任务", "003_c9fd.txt",
         "四（十三）构筑企业创新新高地; 一（二）目标任务"),
        ("001_a.txt · 三（三）30.建设数字基础设施; 004_b.txt · 30.建设数字基础设施", "001_a.txt",
         "三（三）30.建设数字基础设施"),
        ("001_a.txt · 三（三）30; 004_b.txt · 30", None, "三（三）30"),  # said once
        ("004_b.txt · 30", "001_a.txt", "30"),
        ("五（四）57", None, "五（四）57"),
        ("", None, ""),
    ],
)  # fmt: skip
def test_clause_of_drops_file_names_and_republications(
    clause: str, source: str | None, shown: str
) -> None:
    assert clause_of(clause, source, "; ") == shown


@pytest.mark.parametrize(
    ("unit", "lang", "scale", "shown"),
    [
        ("TEU", "zh-CN", 1e4, "万标准箱"),
        ("t", "zh-CN", 1e4, "万吨"),
        ("CNY", "zh-CN", 1e8, "亿元"),
        ("kWh", "en", 1e9, "billion kWh"),
        ("stations", "zh-CN", 1, "个"),
        ("%", "en", 1, "%"),
        ("µg/m³", "zh-CN", 1, "微克/立方米"),
    ],
)
def test_data_are_shown_in_the_units_yearbooks_use(
    unit: str, lang: str, scale: float, shown: str
) -> None:
    assert data_unit(unit, lang) == (scale, shown)  # type: ignore[arg-type]


def test_dashboards_build_writes_each_language_and_says_what_text_lacks_chinese(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "air.json").write_text("{}", encoding="utf-8")  # from before the languages
    runner = CliRunner()
    built = runner.invoke(main, ["dashboards", "build", "--out", str(tmp_path)])
    assert built.exit_code == 0, built.output
    assert not (tmp_path / "air.json").exists()
    assert (tmp_path / "en/air.json").is_file() and (tmp_path / "zh-CN/air.json").is_file()
    monkeypatch.delitem(zh_cn.TEXTS, "Contributors")
    failed = runner.invoke(main, ["dashboards", "build", "--out", str(tmp_path)])
    assert failed.exit_code == 1
    assert "no Chinese for the dashboard text 'Contributors'" in failed.output
    assert "Traceback" not in failed.output


def test_a_plan_without_a_chinese_title_is_cited_by_its_title() -> None:
    target, plan = PLANS["air.pm25.2025"]
    bare = Plan(**{**{f: getattr(plan, f) for f in plan.__dataclass_fields__}, "title_zh": ""})
    got = target_text(target, CATALOGUE.get(target.indicator), bare, "zh-CN")
    assert got.citation.startswith(f"《{plan.title}》")

"""Names from the catalogue and the plans; a clause cited with its plan's title, not a file."""

from __future__ import annotations

from datetime import date

import pytest

from services.indicators.names import load_glossary
from services.language import Glossary, Language, clause_of

ZH, EN = Language.ZH, Language.EN


@pytest.fixture(scope="module")
def names() -> Glossary:
    return load_glossary()  # the shipped catalogue and plans


@pytest.mark.parametrize(
    ("clause", "shown"),
    [
        (
            "001_82608513a9e9ca77.txt · 五（四）57.持续深入打好蓝天保卫战",
            "五（四）57.持续深入打好蓝天保卫战",
        ),
        ("五、坚持生态优先绿色发展（导语）", "五、坚持生态优先绿色发展（导语）"),
        (
            "001_8260.txt · 三（三）30.建设数字基础设施; 004_8102.txt · 30.建设数字基础设施",
            "三（三）30.建设数字基础设施",
        ),
        ("a.txt · 一（二）; b.txt · 四（一）", "一（二）；四（一）"),
        ("002_x.txt", ""),
    ],
)
def test_clause_without_file_names(clause: str, shown: str) -> None:
    assert clause_of(clause) == shown


def test_target_names_and_citations_from_the_shipped_plans(names: Glossary) -> None:
    assert names.target("port.container_teu.2025", ZH) == "2025年集装箱吞吐量"
    assert names.target("port.container_teu.2025", EN) == "Port container throughput (2025)"
    assert names.citation("air.pm25.2025", ZH) == (
        "《青岛市深化新旧动能转换推动绿色低碳高质量发展三年行动计划（2023—2025年）》"
        "五（四）57.持续深入打好蓝天保卫战"
    )
    cited = names.citation("air.pm25.2025", EN)
    assert cited.startswith("Qingdao three-year action plan (2023-2025)") and ".txt" not in cited
    assert names.quote("air.pm25.2025").startswith("“到2025年，细颗粒物（PM2.5）浓度控制在30微克")
    for target in names.targets:
        for lang in (ZH, EN):
            assert ".txt" not in names.citation(target, lang), target
            assert names.target(target, lang) != target, target  # every one has a name


def test_a_regions_target_says_its_region(names: Glossary) -> None:
    west = [t for t, f in names.targets.items() if f.region == "west-coast-new-area"]
    assert west
    assert names.target(west[0], ZH).startswith("西海岸新区20")
    assert "West Coast New Area" in names.target(west[0], EN)


def test_what_the_glossary_does_not_know_is_named_from_what_is_known() -> None:
    names = Glossary(indicators={"air.pm25": ("PM2.5 concentration", "细颗粒物（PM2.5）浓度")})
    assert names.target("air.pm25.2031", ZH, indicator="air.pm25", deadline="2031-12-31") == (
        "2031年细颗粒物（PM2.5）浓度"
    )
    assert names.target("x.y.2030", EN, indicator="x.y", deadline=date(2030, 1, 1)) == "x.y (2030)"
    assert names.target("nothing.known", ZH) == "nothing.known"
    assert names.citation("nothing.known", ZH) == "" and names.quote("nothing.known") == ""

"""``ontrack plans check`` and the ``ontrack targets`` table."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from services.cli import main
from services.commands.alerts import target_table
from services.indicators.names import load_glossary
from services.language import Language, width

PLAN = """\
id: test-plan
title: A test plan
title_zh: 测试
issuer: Test
date: 2026-01-01
source: 003_c9fd408649e50223.txt

targets:
  - id: telecom.5g_base_stations.2027
    indicator: telecom.5g_base_stations
    comparator: ">="
    value: 4万
    unit: stations
    deadline: 2027-12-31
    kind: stock
    baseline: {value: 20000, unit: stations, date: 2026-01-01}
    trajectory: linear
    scope: city
    source_clause: 003 · (五)
    source_text: 到2027年5G基站4万个
"""


def test_a_good_plan_directory_passes(tmp_path: Path) -> None:
    (tmp_path / "test.yaml").write_text(PLAN, encoding="utf-8")
    result = CliRunner().invoke(main, ["plans", "check", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert "1 plans, 1 targets, ok" in result.stderr


@pytest.mark.parametrize(
    ("old", "new", "line", "fragment"),
    [
        ("    kind: stock\n", "    kind: stonk\n", 15, "stonk"),
        (
            "indicator: telecom.5g_base_stations",
            "indicator: telecom.5g_base_station",
            10,
            "telecom.5g_base_station",
        ),
        ("    deadline: 2027-12-31\n", "", 9, "deadline"),
    ],
)
def test_each_problem_is_printed_with_file_line_column_and_fix(
    tmp_path: Path, old: str, new: str, line: int, fragment: str
) -> None:
    assert old in PLAN
    (tmp_path / "broken.yaml").write_text(PLAN.replace(old, new), encoding="utf-8")
    result = CliRunner().invoke(main, ["plans", "check", str(tmp_path)])
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines, result.output
    where = re.escape(str(tmp_path / "broken.yaml"))
    for text in lines:
        assert re.match(rf"^{where}:\d+:\d+: .+; fix: .+", text), text
    assert any(re.match(rf"^{where}:{line}:\d+: ", t) and fragment in t for t in lines), lines
    assert "problem(s) in" in result.stderr


def test_the_shipped_plans_pass() -> None:
    result = CliRunner().invoke(main, ["plans", "check"])
    assert result.exit_code == 0, result.output
    assert "129 targets, ok" in result.stderr


TARGET_ROWS = [
    {
        "target_id": "telecom.5g_base_stations.2027",
        "indicator": "telecom.5g_base_stations",
        "deadline": date(2027, 12, 31),
        "scope": "city",
        "plan_id": "test-plan",
        "unit": "stations",
        "status": "off_track",
        "actual": 23_120.0,
        "expected": 28_900.4,
        "gap_pct": -20.0,
        "projection_value": 31_000.0,
        "projection_low": 29_500.0,
        "projection_high": 33_000.0,
        "days_left": 404,
    },
    {
        "target_id": "air.pm25.2025",
        "status": "no_data",
        "unit": "µg/m³",
        "actual": None,
        "expected": None,
        "gap_pct": None,
        "projection_value": None,
        "projection_low": None,
        "projection_high": None,
        "days_left": 0,
    },
]


def test_the_targets_table() -> None:
    names = load_glossary()
    header, first, second = target_table(TARGET_ROWS, Language.EN, names)
    assert header.split() == [
        "target", "name", "status", "actual", "expected", "now", "gap", "projection", "days",
        "left",
    ]  # fmt: skip
    assert first.split("  ") and [c for c in first.split("  ") if c.strip()] == [
        "telecom.5g_base_stations.2027",
        "5G base stations built (2027)",
        "off track",
        "23,120 stations",
        "28,900 stations",
        "-20.0%",
        "31,000 [29,500–33,000]",
        "404",
    ]
    assert [c.strip() for c in second.split("  ") if c.strip()] == [
        "air.pm25.2025", "PM2.5 concentration (2025)", "no data", "-", "-", "-", "-", "0",
    ]  # fmt: skip
    assert first.index("off track") == header.index("status")


def test_the_targets_table_in_chinese_lines_up() -> None:
    header, first, second = target_table(TARGET_ROWS, Language.ZH, load_glossary())
    assert [c for c in header.split(" ") if c] == [
        "目标", "名称", "状态", "实际", "当前应达", "差距", "预测", "剩余天数",
    ]  # fmt: skip
    assert [c.strip() for c in first.split("  ") if c.strip()] == [
        "telecom.5g_base_stations.2027",
        "2027年5G基站数量",
        "落后进度",
        "2.31万个",
        "2.89万个",
        "-20.0%",
        "3.1万 [2.95万–3.3万]",
        "404",
    ]
    assert "2025年细颗粒物（PM2.5）浓度" in second and "暂无数据" in second
    assert width(header[: header.index("状态")]) == width(first[: first.index("落后进度")])


@pytest.mark.parametrize(
    ("shard", "says"),
    [
        ("2/2", "must be below the number of shards (0/2 to 1/2)"),
        ("half", "write it as index/count"),
    ],
)
def test_the_engine_refuses_a_shard_it_cannot_be_before_starting(
    shard: str, says: str, listening: str
) -> None:
    kafka = {"ONTRACK_KAFKA_BOOTSTRAP": listening}  # reachable; never asked anything
    result = CliRunner().invoke(main, ["alerts", "--shard", shard], env=kafka)
    assert result.exit_code == 1
    assert "alert engine shard" in result.output and says in result.output


def test_the_engine_refuses_to_shard_rules_that_group_subjects(
    tmp_path: Path, listening: str
) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text(
        "version: 1\nrules:\n  - id: by-plan\n    kind: off_trajectory\n    severity: page\n"
        "    tolerance_pct: 5\n    recover_pct: 2.5\n    for: 1m\n    identify_by: [plan]\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(
        main,
        ["alerts", "--rules", str(rules), "--shard", "0/2"],
        env={"ONTRACK_KAFKA_BOOTSTRAP": listening},
    )
    assert result.exit_code == 1
    assert "rule by-plan: its alerts are not one per target" in result.output

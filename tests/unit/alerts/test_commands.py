"""``ontrack plans check`` and the ``ontrack targets`` table."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from services.cli import main
from services.commands.alerts import target_table

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
    assert "39 targets, ok" in result.stderr


def test_the_targets_table() -> None:
    rows = [
        {
            "target_id": "telecom.5g_base_stations.2027",
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
            "actual": None,
            "expected": None,
            "gap_pct": None,
            "projection_value": None,
            "projection_low": None,
            "projection_high": None,
            "days_left": 0,
        },
    ]
    header, first, second = target_table(rows)
    assert header.split() == [
        "target",
        "status",
        "actual",
        "expected",
        "gap",
        "%",
        "projection",
        "days",
        "left",
    ]
    assert first.split() == [
        "telecom.5g_base_stations.2027",
        "off_track",
        "23,120",
        "28,900",
        "-20.0",
        "31,000",
        "[29,500–33,000]",
        "404",
    ]
    assert second.split() == ["air.pm25.2025", "no_data", "-", "-", "-", "-", "0"]
    assert first.index("off_track") == header.index("status")


@pytest.mark.parametrize(
    ("shard", "says"),
    [
        ("2/2", "must be below the number of shards (0/2 to 1/2)"),
        ("half", "write it as index/count"),
    ],
)
def test_the_engine_refuses_a_shard_it_cannot_be_before_starting(shard: str, says: str) -> None:
    result = CliRunner().invoke(main, ["alerts", "--shard", shard])
    assert result.exit_code == 1
    assert "alert engine shard" in result.output and says in result.output


def test_the_engine_refuses_to_shard_rules_that_group_subjects(tmp_path: Path) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text(
        "version: 1\nrules:\n  - id: by-plan\n    kind: off_trajectory\n    severity: page\n"
        "    tolerance_pct: 5\n    recover_pct: 2.5\n    for: 1m\n    identify_by: [plan]\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(main, ["alerts", "--rules", str(rules), "--shard", "0/2"])
    assert result.exit_code == 1
    assert "rule by-plan: its alerts are not one per target" in result.output

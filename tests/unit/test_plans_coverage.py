"""``ontrack plans coverage``: the table, JSON, the exit code, bad input — and the seed plans."""

from __future__ import annotations

import json
import os
import unicodedata
from pathlib import Path

import pytest
from click.testing import CliRunner

from services.cli import main
from tests.fixtures.paths import ROOT

PLAN = """\
id: test-plan
title: A test plan
title_zh: 测试
issuer: Test
date: 2022-12-30
source: plan.txt
targets:
  - id: port.container_teu.2025
    indicator: port.container_teu
    comparator: ">="
    value: 2600万
    unit: TEU
    deadline: 2025-12-31
    kind: flow
    baseline: {from_data: true}
    trajectory: linear
    scope: city
    source_clause: plan.txt · 1
    source_text: 到2025年，集装箱吞吐量达到2600万标准箱。
"""
DECISIONS = """\
version: 1
decisions:
  - clause: 新建50个市级重点实验室
    reason: not measurable
    why: a work quota of the plan
"""
DOCUMENT = "一、目标\n到2025年，集装箱吞吐量达到2600万标准箱，新建50个市级重点实验室。\n人才总量突破300万人。\n"


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    (tmp_path / "plans").mkdir()
    (tmp_path / "plans" / "test.yaml").write_text(PLAN, encoding="utf-8")
    (tmp_path / "decisions.yaml").write_text(DECISIONS, encoding="utf-8")
    (tmp_path / "plan.txt").write_text(DOCUMENT, encoding="utf-8")
    return {
        "plans": tmp_path / "plans",
        "decisions": tmp_path / "decisions.yaml",
        "doc": tmp_path / "plan.txt",
    }


def run(files: dict[str, Path], *args: str) -> tuple[int, str, str]:
    where = ["--plans", str(files["plans"]), "--decisions", str(files["decisions"])]
    result = CliRunner().invoke(main, ["plans", "coverage", *where, *args])
    return result.exit_code, result.stdout, result.stderr


def test_a_missing_clause_is_listed_and_fails_the_check(files: dict[str, Path]) -> None:
    code, out, err = run(files, str(files["doc"]))
    assert code == 1, out + err
    lines = out.splitlines()
    assert lines[0].split() == [
        "document:line",
        "quantity",
        "status",
        "target",
        "/",
        "why",
        "clause",
    ]
    assert lines[1].split()[:4] == [
        "plan.txt:2",
        "2600万标准箱",
        "encoded",
        "port.container_teu.2025",
    ]
    assert lines[2].split()[:4] == ["plan.txt:2", "50个", "not", "measurable"]
    assert "a work quota of the plan" in lines[2]
    assert lines[3].split()[:3] == ["plan.txt:3", "300万人", "missing"]
    assert "3 numeric clauses, 3 quantities: 1 encoded, 1 not measurable" in err
    assert "1 quantities are missing" in err


def test_the_columns_line_up_under_chinese_text(files: dict[str, Path]) -> None:
    _, out, _ = run(files, str(files["doc"]))
    rows = out.splitlines()[1:]

    def columns(text: str) -> int:  # a CJK character takes two columns
        return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)

    where = {
        columns(row[: row.index(word)])
        for row, word in zip(rows, ("encoded", "not", "missing"), strict=True)
    }
    assert len(where) == 1


def test_a_decided_document_passes(files: dict[str, Path]) -> None:
    files["doc"].write_text(DOCUMENT.replace("人才总量突破300万人。\n", ""), encoding="utf-8")
    code, _, err = run(files, str(files["doc"]))
    assert code == 0, err
    assert "0 missing" in err


def test_json_and_status_filter(files: dict[str, Path]) -> None:
    code, out, _ = run(files, "--json", "--status", "missing", str(files["doc"]))
    assert code == 1
    data = json.loads(out)
    assert data["counts"] == {
        "encoded": 1, "not measurable": 1, "context": 0, "duplicate": 0, "missing": 1,
    }  # fmt: skip
    assert data["clauses"] == 3 and data["quantities"] == 3
    assert data["rows"] == [
        {
            "document": "plan.txt", "line": 3, "clause": "人才总量突破300万人",
            "quantity": "300万人", "value": 3_000_000.0, "status": "missing",
            "targets": [], "why": "no target quotes it and no decision explains it",
        }
    ]  # fmt: skip


def test_a_gb18030_document_is_read(files: dict[str, Path]) -> None:
    files["doc"].write_bytes(DOCUMENT.encode("gb18030"))
    code, out, _ = run(files, str(files["doc"]))
    assert code == 1 and "2600万标准箱" in out


@pytest.mark.parametrize(
    ("setup", "words"),
    [
        (lambda f: f["doc"].unlink(), ["plan.txt: cannot read the document"]),
        (lambda f: f["doc"].write_bytes(b"\xff\xfe\x00\xd8 broken"), ["not UTF-8 or GB18030 text"]),
        (
            lambda f: f["decisions"].write_text(
                DECISIONS.replace("    why: a work quota of the plan\n", "")
            ),
            ["fix these first", "decisions.yaml:3", "`why` is missing"],
        ),
        (
            lambda f: f["decisions"].write_text(
                DECISIONS
                + "  - clause: 人才总量\n    reason: duplicate\n    of: people.talent_pool.2099\n"
            ),
            ["decisions.yaml:6", "people.talent_pool.2099", "which is no target"],
        ),
        (
            lambda f: (f["plans"] / "test.yaml").write_text(
                PLAN.replace("kind: flow", "kind: stonk")
            ),
            ["fix these first", "test.yaml:14"],
        ),
    ],
    ids=[
        "no document",
        "not text",
        "a decision without why",
        "a duplicate of nothing",
        "a broken plan",
    ],
)
def test_bad_input_says_what_to_fix(files: dict[str, Path], setup, words: list[str]) -> None:  # type: ignore[no-untyped-def]
    setup(files)
    code, out, err = run(files, str(files["doc"]))
    assert code == 1 and "Traceback" not in out + err
    for word in words:
        assert word in err, err


# The seed plan documents stay outside the repository, beside its checkout in ../shared/seeds.
SEEDS = Path(os.environ.get("ONTRACK_SEED_DOCUMENTS", ROOT.parent / "shared" / "seeds"))


@pytest.mark.skipif(
    not SEEDS.is_dir() or not any(SEEDS.glob("*.txt")),
    reason=f"the plan documents are not in the repository; they are read from {SEEDS} "
    "(../shared/seeds beside the checkout, or $ONTRACK_SEED_DOCUMENTS), absent here",
)
def test_every_numeric_clause_of_the_seed_plans_is_accounted_for() -> None:
    documents = sorted(str(p) for p in SEEDS.glob("*.txt"))
    result = CliRunner().invoke(main, ["plans", "coverage", "--json", *documents])
    data = json.loads(result.stdout)
    missing = [
        (r["document"], r["line"], r["quantity"], r["clause"])
        for r in data["rows"]
        if r["status"] == "missing"
    ]
    assert missing == []
    assert result.exit_code == 0, result.stderr
    assert data["unused_decisions"] == []
    assert data["counts"]["encoded"] > 100
    encoded = {
        (r["quantity"], t) for r in data["rows"] for t in r["targets"] if r["status"] == "encoded"
    }
    for example in [
        ("1200亿元", "economy.finance_value_added.2026"),
        ("6400亿元", "economy.marine_gdp.2026"),
        ("2万亿元", "industry.industrial_output.2026"),
        ("20件", "economy.high_value_patents.2025"),
        ("5%", "economy.gdp_growth.2027"),
        ("200条", "port.direct_container_routes.2025"),
        ("200条", "port.intl_container_routes.2026"),
    ]:
        assert example in encoded

"""Numeric clauses of plan documents, which target encodes each, and the decisions file."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from services.indicators.clauses import (
    Decision,
    check_decisions,
    cover,
    numeric_clauses,
    read_decisions,
)
from services.indicators.clauses.decisions import DEFAULT_PATH, SCHEMA_PATH
from services.indicators.plans import Plan, Target

# text → [(clause, [quantities as written])]
CLAUSES = [
    ("full-width punctuation, 万/亿 and percentages",
     "到2025年，港口货物吞吐量突破6.7亿吨、集装箱吞吐量达到2600万标准箱，国际中转比例达到21.5%。",
     [("港口货物吞吐量突破6.7亿吨、集装箱吞吐量达到2600万标准箱", ["6.7亿吨", "2600万标准箱"]),
      ("国际中转比例达到21.5%", ["21.5%"])]),
    ("years, dates, list numbers and names are no quantities",
     "57.持续深入打好蓝天保卫战。2022年12月30日印发，构建“2+5+2”体系。",
     []),
    ("a newspaper column wraps mid-word, even across a blank line",
     "　　到2025年产业规模突\n\n破4400亿元，LNG接卸能力提升至1100万\n吨/年；自然岸线保有率不低于35%。",
     [("到2025年产业规模突破4400亿元", ["4400亿元"]), ("LNG接卸能力提升至1100万吨/年", ["1100万吨/年"]),
      ("自然岸线保有率不低于35%", ["35%"])]),
    ("a heading and a bullet start new paragraphs",
     "（一）提升基础创新能力\n3.新建50个市级重点实验室\n■图片说明",
     [("3.新建50个市级重点实验室", ["50个"])]),
    ("bare numbers after a comparing word, ratios, 千亿 in words, ranges",
     "城乡居民收入比降至2.2左右，比例达到2.7∶1，力争产业规模突破千亿元，新创建1至2家景区。",
     [("城乡居民收入比降至2.2左右", ["2.2"]), ("比例达到2.7∶1", ["2.7∶1"]),
      ("力争产业规模突破千亿元", ["千亿元"]), ("新创建1至2家景区", ["1至2家"])]),
    ("a dash and an ellipsis end a clause",
     "比重突破60%——先行区获批建设三年来……新增就业21万人",
     [("比重突破60%", ["60%"]), ("新增就业21万人", ["21万人"])]),
    ("a comma between digits stays",
     "技术合同成交额达到1,200亿元。",
     [("技术合同成交额达到1,200亿元", ["1,200亿元"])]),
]  # fmt: skip


@pytest.mark.parametrize(("name", "text", "expected"), CLAUSES, ids=[c[0] for c in CLAUSES])
def test_numeric_clauses(name: str, text: str, expected: list[tuple[str, list[str]]]) -> None:
    got = [(c.text, [q.text for q in c.quantities]) for c in numeric_clauses(text)]
    assert got == expected


# quantity as written → value (None for a range)
VALUES = [
    ("港口货物吞吐量突破6.7亿吨", 670_000_000.0),
    ("货物贸易进出口额达到1.3万亿元", 1_300_000_000_000.0),
    ("充电桩保有量达到3.5万台", 35_000.0),
    ("力争产业规模突破千亿元", 100_000_000_000.0),
    ("比例达到2.7∶1", 2.7),
    ("新创建1至2家景区", None),
    ("细颗粒物浓度控制在30微克/立方米以内", 30.0),
]


@pytest.mark.parametrize(("text", "value"), VALUES, ids=[v[0] for v in VALUES])
def test_quantity_values(text: str, value: float | None) -> None:
    (clause,) = numeric_clauses(text)
    (quantity,) = clause.quantities
    assert quantity.value == (pytest.approx(value) if value is not None else None)


def test_clauses_know_the_line_they_start_on() -> None:
    text = "标题\n\n到2025年，\n研发经费投入强度达到3%。\n\n人才总量突破300万人。"
    assert [(c.line, c.text) for c in numeric_clauses(text)] == [
        (4, "研发经费投入强度达到3%"),
        (6, "人才总量突破300万人"),
    ]


# ── cover ─────────────────────────────────────────────────────────────────────────────
DOC = "plan.txt"
TEXT = (
    "到2025年，集装箱吞吐量达到2600万标准箱，各类公园总数达到500个以上，建设绿道500公里以上。"
    "每年组织企业实施重点技术创新项目1500项以上。人才总量突破300万人。"
)


def target(tid: str, value: float, unit: str, text: str, **kw: object) -> Target:
    indicator = tid.rsplit(".", 1)[0]
    return Target(
        id=tid, plan_id="p", indicator=indicator, comparator=">=", value=value, unit=unit,
        deadline=date(2025, 12, 31), kind="stock", source_text=text, stated_value=value,
        **kw,  # type: ignore[arg-type]
    )  # fmt: skip


def plan(*targets: Target, source: str = DOC, others: tuple[str, ...] = ()) -> Plan:
    return Plan(
        id="p", title="p", title_zh="p", issuer="x", date=date(2022, 12, 30), source=source,
        file=Path("p.yaml"), targets=targets, other_sources=others,
    )  # fmt: skip


TEU = target("port.container_teu.2025", 26_000_000, "TEU", "集装箱吞吐量达到2600万标准箱")
PARKS = target(
    "green.parks.2025", 500, "parks", "到2025年，各类公园总数达到500个以上，建设绿道500公里以上。"
)
QUOTA = Decision("每年组织企业实施重点技术创新项目", "not measurable", why="a work quota")
CONTEXT = Decision("建设绿道500公里以上", "context", why="greenways to build")


def statuses(documents: list[tuple[str, str]], plans: list[Plan], decisions: list[Decision]):  # type: ignore[no-untyped-def]
    return [
        (r.quantity.text, r.status, r.targets, r.why)
        for r in cover(documents, plans, decisions).rows
    ]


def test_a_quantity_is_encoded_by_the_target_quoting_it_with_the_same_number() -> None:
    rows = statuses([(DOC, TEXT)], [plan(TEU, PARKS)], [QUOTA, CONTEXT])
    assert rows[:2] == [
        ("2600万标准箱", "encoded", ("port.container_teu.2025",), ""),
        ("500个", "encoded", ("green.parks.2025",), ""),
    ]


def test_the_same_number_in_another_dimension_is_not_encoded() -> None:
    rows = statuses([(DOC, TEXT)], [plan(TEU, PARKS)], [QUOTA, CONTEXT])
    assert rows[2] == ("500公里", "context", (), "greenways to build")


def test_a_target_with_another_number_does_not_encode_the_clause() -> None:
    wrong = replace(TEU, stated_value=25_000_000.0)
    rows = statuses([(DOC, TEXT)], [plan(wrong, PARKS)], [QUOTA, CONTEXT])
    assert rows[0][1] == "missing"


def test_without_a_target_or_a_decision_a_quantity_is_missing() -> None:
    result = cover([(DOC, TEXT)], [plan(TEU, PARKS)], [CONTEXT])
    assert [(r.quantity.text, r.status) for r in result.missing] == [
        ("1500项", "missing"),
        ("300万人", "missing"),
    ]
    assert result.counts == {
        "encoded": 2, "not measurable": 0, "context": 1, "duplicate": 0, "missing": 2,
    }  # fmt: skip
    assert result.clauses == 5


def test_the_most_specific_decision_wins_and_unused_ones_are_reported() -> None:
    broad = Decision("人才总量", "context", why="broad")
    narrow = Decision("人才总量突破", "duplicate", quantity="300万人", of="people.talent_pool.2025")
    elsewhere = Decision("人才总量突破300万人", "context", why="x", documents=("other.txt",))
    never = Decision("没有这句话", "context", why="matches nothing")
    result = cover([(DOC, TEXT)], [plan(TEU, PARKS)], [broad, elsewhere, narrow, never, QUOTA])
    talent = result.rows[-1]
    assert (talent.status, talent.targets, talent.why) == (
        "duplicate",
        ("people.talent_pool.2025",),
        "duplicate of people.talent_pool.2025",
    )
    assert result.unused == (broad, elsewhere, never)


def test_a_document_restricted_decision_applies_in_its_document_only() -> None:
    only_here = Decision("人才总量突破300万人", "context", why="x", documents=(DOC,))
    rows = statuses([(DOC, TEXT), ("other.txt", TEXT)], [plan(TEU, PARKS)], [only_here])
    talent = [r for r in rows if r[0] == "300万人"]
    assert [r[1] for r in talent] == ["context", "missing"]


def test_targets_of_the_documents_own_plan_are_preferred() -> None:
    mine = target("people.talent_pool.2025", 3_000_000, "people", "人才总量突破300万人")
    theirs = replace(mine, id="people.talent_pool.2026")
    plans = [plan(theirs, source="other.txt"), plan(mine, source="x.txt", others=(DOC,))]
    rows = statuses([(DOC, TEXT), ("third.txt", TEXT)], plans, [QUOTA, CONTEXT])
    talent = [r[2] for r in rows if r[0] == "300万人"]
    # the document's own plan (other_sources) wins; a document no plan cites gets both
    assert talent == [
        ("people.talent_pool.2025",),
        ("people.talent_pool.2026", "people.talent_pool.2025"),
    ]


def test_full_width_and_half_width_punctuation_match() -> None:
    republished = TEXT.replace("，", ",")
    rows = statuses([("copy.txt", republished)], [plan(TEU, PARKS)], [QUOTA, CONTEXT])
    assert rows[0][1:3] == ("encoded", ("port.container_teu.2025",))


# ── the decisions file ────────────────────────────────────────────────────────────────
GOOD = """\
version: 1
decisions:
  - clause: 每年组织企业实施重点技术创新项目
    reason: not measurable
    why: a work quota of the plan
  - clause: 国家高新技术企业数量超过1万家
    quantity: 1万家
    documents: [003_c9fd408649e50223.txt]
    reason: duplicate
    of: economy.high_tech_enterprises.2026
"""

BROKEN = [
    ("no why", ("    why: a work quota of the plan\n", ""), 3, ["decision 每年组织", "`why` is missing"]),
    ("a duplicate without of", ("    of: economy.high_tech_enterprises.2026\n", ""), 6, ["`of` is missing"]),
    ("of on another reason", ("    why: a work quota of the plan\n",
                              "    why: a work quota of the plan\n    of: x.y.2025\n"), 3,
     ["`of` is only for reason duplicate"]),
    ("an unknown reason", ("reason: not measurable", "reason: unmeasurable"), 4, ["'unmeasurable' is not allowed", "did you mean 'not measurable'"]),
    ("an unknown key", ("    why: a work quota", "    because: x\n    why: a work quota"), 5,
     ["unknown key `because`"]),
    ("a path as document", ("[003_c9fd408649e50223.txt]", "[seeds/003.txt]"), 8, ["file name without folders"]),
]  # fmt: skip


def test_the_decisions_file_reads(tmp_path: Path) -> None:
    (tmp_path / "d.yaml").write_text(GOOD, encoding="utf-8")
    decisions, errors = read_decisions(tmp_path / "d.yaml")
    assert errors == []
    assert [(d.reason, d.line, d.explanation) for d in decisions] == [
        ("not measurable", 3, "a work quota of the plan"),
        ("duplicate", 6, "duplicate of economy.high_tech_enterprises.2026"),
    ]
    assert decisions[1].documents == ("003_c9fd408649e50223.txt",)


@pytest.mark.parametrize(("name", "change", "line", "words"), BROKEN, ids=[b[0] for b in BROKEN])
def test_a_broken_decisions_file_says_where_and_what(
    tmp_path: Path, name: str, change: tuple[str, str], line: int, words: list[str]
) -> None:
    assert change[0] in GOOD
    (tmp_path / "d.yaml").write_text(GOOD.replace(*change), encoding="utf-8")
    decisions, errors = read_decisions(tmp_path / "d.yaml")
    assert decisions == [] and errors, name
    assert errors[0].line == line, str(errors[0])
    for word in words:
        assert word in str(errors[0]), str(errors[0])  # the message or its fix


def test_a_duplicate_of_an_unknown_target_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "d.yaml").write_text(GOOD, encoding="utf-8")
    decisions, _ = read_decisions(tmp_path / "d.yaml")
    (error,) = check_decisions(
        decisions, {"economy.high_tech_enterprises.2025"}, tmp_path / "d.yaml"
    )
    assert (
        error.line == 6
        and '"economy.high_tech_enterprises.2026", which is no target' in error.message
    )
    assert check_decisions(decisions, {"economy.high_tech_enterprises.2026"}) == []


def test_a_missing_decisions_file_is_an_error(tmp_path: Path) -> None:
    _, (error,) = read_decisions(tmp_path / "nothing.yaml")
    assert "no such file" in error.message


def test_the_shipped_decisions_file_is_valid_and_in_the_repository() -> None:
    decisions, errors = read_decisions()
    assert errors == [] and len(decisions) > 50
    assert DEFAULT_PATH.parent.parent.name == "plans" and SCHEMA_PATH.is_file()
    assert all(d.why or d.reason == "duplicate" for d in decisions)

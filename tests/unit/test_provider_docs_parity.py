"""docs/providers.zh-CN.md says what docs/providers.md says: the same examples, outputs and
files, block for block (the English doc's are run by
tests/integration/ingest/test_provider_docs.py, so the Chinese doc's are too), and the same
sections in the same order."""

from __future__ import annotations

import re

from docs import catalogue_table

FENCE = re.compile(r"^```(?P<info>[^\n]*)\n(?P<body>.*?)^```[ \t]*$", re.M | re.S)
SECTION = re.compile(r"^## (\d+)\. ", re.M)


def _blocks(text: str) -> list[tuple[str, str]]:
    return [(m["info"], m["body"]) for m in FENCE.finditer(text)]


def _docs() -> tuple[str, str]:
    en = catalogue_table.DOC.read_text(encoding="utf-8")
    zh = catalogue_table.DOC_ZH.read_text(encoding="utf-8")
    return en, zh


def test_the_code_blocks_of_both_docs_are_identical() -> None:
    en, zh = _docs()
    english, chinese = _blocks(en), _blocks(zh)
    assert len(english) > 40
    for i, (a, b) in enumerate(zip(english, chinese, strict=False)):
        assert a == b, f"block {i} differs: {a[0]!r} in providers.md, {b[0]!r} in the Chinese"
    assert len(english) == len(chinese), "a block is missing from one of the docs"
    named = [info for info, _ in english if "example=" in info]
    assert len(named) == len(set(named)) >= 20  # every example is run, once


def test_both_docs_have_the_same_numbered_sections_and_link_each_other() -> None:
    en, zh = _docs()
    assert SECTION.findall(en) == SECTION.findall(zh) == [str(n) for n in range(1, 13)]
    assert "](providers.zh-CN.md)" in en and "](providers.md)" in zh
    assert re.search(r"[\u4e00-\u9fff]{200}", re.sub(r"[^\u4e00-\u9fff]", "", zh))


def test_the_chinese_contents_point_at_its_sections() -> None:
    _, zh = _docs()
    headings = re.findall(r"^## (.+)$", zh, re.M)
    anchors = set(re.findall(r"\]\(#([^)]+)\)", zh))

    def anchor(heading: str) -> str:  # as GitHub makes them: lower case, no punctuation
        kept = re.sub(r"[^\w\- \u4e00-\u9fff]", "", heading.lower())
        return kept.replace(" ", "-")

    assert anchors == {anchor(h) for h in headings}

"""The indicator tables of docs/providers.md are the catalogue's, as docs/catalogue_table.py
renders them."""

from __future__ import annotations

from pathlib import Path

from docs import catalogue_table
from services.indicators.catalogue import load_catalogue


def test_the_tables_in_the_doc_match_the_catalogue() -> None:
    shown = catalogue_table.section_of(catalogue_table.DOC.read_text(encoding="utf-8"))
    assert shown == catalogue_table.render(load_catalogue()), (
        "docs/providers.md is behind catalogue/indicators.yaml: "
        "run .venv/bin/python docs/catalogue_table.py --write"
    )


def test_every_indicator_a_provider_may_push_has_a_row() -> None:
    shown = catalogue_table.section_of(catalogue_table.DOC.read_text(encoding="utf-8"))
    rows = [line for line in shown.splitlines() if line.startswith("| ")]
    catalogue = load_catalogue()
    pushed = [i for i in catalogue if not i.derived]
    assert len(rows) == 1 + len(pushed)  # the header, then one row each
    for ind in pushed:
        row = next(r for r in rows if f"| `{ind.id}` |" in r)
        assert f"`{ind.unit}`" in row and f"(`{ind.cadence}`)" in row
        assert ("totals" in row or "increments" in row) == ind.cumulative
    for ind in catalogue:
        if ind.derived:
            assert f"- `{ind.id}` (" in shown


def test_write_puts_the_tables_between_the_markers(tmp_path: Path) -> None:
    doc = tmp_path / "providers.md"
    doc.write_text(
        f"# x\n\n{catalogue_table.BEGIN}\nold\n{catalogue_table.END}\n\nafter\n", encoding="utf-8"
    )
    assert catalogue_table.write(doc) is True
    text = doc.read_text(encoding="utf-8")
    assert catalogue_table.section_of(text) == catalogue_table.render(load_catalogue())
    assert text.startswith("# x\n\n") and text.endswith(f"{catalogue_table.END}\n\nafter\n")
    assert catalogue_table.write(doc) is False


def test_the_chinese_doc_has_the_same_tables_in_chinese() -> None:
    shown = catalogue_table.section_of(catalogue_table.DOC_ZH.read_text(encoding="utf-8"))
    catalogue = load_catalogue()
    assert shown == catalogue_table.render(catalogue, "zh-CN"), (
        "docs/providers.zh-CN.md is behind catalogue/indicators.yaml: "
        "run .venv/bin/python docs/catalogue_table.py --write"
    )
    rows = [line for line in shown.splitlines() if line.startswith("| ")]
    pushed = [i for i in catalogue if not i.derived]
    assert len(rows) == 1 + len(pushed)
    for ind in pushed:
        row = next(r for r in rows if f"| `{ind.id}` |" in r)
        assert f"| {ind.name_zh}" in row and f"`{ind.unit}`" in row
        assert ("累计值" in row or "增量" in row) == ind.cumulative

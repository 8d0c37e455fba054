"""The table of targets in docs/plans.md is the plan files', as docs/targets_table.py renders it."""

from __future__ import annotations

from pathlib import Path

from docs import targets_table
from services.indicators.plans import load_plans


def test_the_table_in_the_doc_matches_the_plans() -> None:
    shown = targets_table.section_of(targets_table.DOC.read_text(encoding="utf-8"))
    assert shown == targets_table.current(), (
        "docs/plans.md is behind plans/*.yaml: run .venv/bin/python docs/targets_table.py --write"
    )


def test_every_target_has_a_row() -> None:
    shown = targets_table.section_of(targets_table.DOC.read_text(encoding="utf-8"))
    rows = [line for line in shown.splitlines() if line.startswith("| ")]
    targets = [t for p in load_plans() for t in p.targets]
    assert len(rows) == 1 + len(targets)  # the header, then one row each
    for t in targets:
        assert any(f"| `{t.id}` |" in r for r in rows), t.id
    assert "growth, averaged from 2025" in shown


def test_write_puts_the_table_between_the_markers(tmp_path: Path) -> None:
    doc = tmp_path / "plans.md"
    doc.write_text(f"# x\n\n{targets_table.BEGIN}\nold\n{targets_table.END}\n", encoding="utf-8")
    assert targets_table.write(doc) is True
    text = doc.read_text(encoding="utf-8")
    assert targets_table.section_of(text) == targets_table.current()
    assert text.startswith("# x\n\n") and text.endswith(f"{targets_table.END}\n")
    assert targets_table.write(doc) is False

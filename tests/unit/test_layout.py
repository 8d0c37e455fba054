"""The house's layout holds: no room under services/ grows past what a newcomer scans in one
look, and every module opens with its job."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SERVICES = Path(__file__).resolve().parents[2] / "services"
MOST_MODULES = 14  # of a room's own, beside its __init__.py
ROOMS = sorted(
    d
    for d in SERVICES.rglob("*")
    if d.is_dir() and d.name != "__pycache__" and (d / "__init__.py").exists()
)
MODULES = sorted(SERVICES.rglob("*.py"))


@pytest.mark.parametrize("room", ROOMS, ids=lambda d: str(d.relative_to(SERVICES.parent)))
def test_a_room_holds_at_most_fourteen_modules(room: Path) -> None:
    own = [p.name for p in room.glob("*.py") if p.name != "__init__.py"]
    assert len(own) <= MOST_MODULES, (
        f"{room.relative_to(SERVICES.parent)} holds {len(own)} modules: group some into a "
        f"sub-room named for what they hold ({', '.join(sorted(own))})"
    )


@pytest.mark.parametrize("module", MODULES, ids=lambda p: str(p.relative_to(SERVICES.parent)))
def test_every_module_opens_with_its_job(module: Path) -> None:
    doc = ast.get_docstring(ast.parse(module.read_text(encoding="utf-8")))
    assert doc and doc.strip(), (
        f"{module.relative_to(SERVICES.parent)}: no docstring saying its job"
    )

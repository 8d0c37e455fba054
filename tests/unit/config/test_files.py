"""Config directories mounted from a Kubernetes ConfigMap: each file is read once."""

from __future__ import annotations

import shutil
from pathlib import Path

from services.alerts.notify.routing.file import load_routes
from services.alerts.rules import load_rules
from services.config.files import yaml_files
from tests.fixtures.paths import DATA


def configmap_volume(root: Path, files: list[Path]) -> Path:
    """The layout the kubelet writes: files in ``..<timestamp>/``, ``..data`` linking to it,
    and one link per key at the top."""
    version = root / "..2026_12_01_08_00_00.1234567"
    version.mkdir(parents=True)
    for file in files:
        shutil.copy(file, version / file.name)
    (root / "..data").symlink_to(version.name)
    for file in files:
        (root / file.name).symlink_to(f"..data/{file.name}")
    return root


def test_hidden_entries_are_skipped_and_subdirectories_read(tmp_path: Path) -> None:
    (tmp_path / "team").mkdir()
    for name in ("a.yaml", "b.yml", "team/c.yaml", ".hidden.yaml", "notes.txt"):
        (tmp_path / name).write_text("x: 1\n", encoding="utf-8")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git/d.yaml").write_text("x: 1\n", encoding="utf-8")
    assert [p.relative_to(tmp_path).as_posix() for p in yaml_files(tmp_path)] == [
        "a.yaml",
        "b.yml",
        "team/c.yaml",
    ]
    assert yaml_files(tmp_path / "a.yaml") == [tmp_path / "a.yaml"]


def test_routes_from_a_configmap_volume_load_once(tmp_path: Path) -> None:
    mount = configmap_volume(tmp_path / "routes", [DATA / "routes/default.yaml"])
    assert yaml_files(mount) == [mount / "default.yaml"]
    routes = load_routes(mount)
    assert list(routes.receivers) == list(load_routes(DATA / "routes").receivers)


def test_rules_from_a_configmap_volume_load_once(tmp_path: Path) -> None:
    mount = configmap_volume(tmp_path / "rules", sorted((DATA / "rules").glob("*.yaml")))
    assert [r.id for r in load_rules(mount)] == [r.id for r in load_rules(DATA / "rules")]

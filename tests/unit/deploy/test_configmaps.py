"""deploy/k8s/generated: the ConfigMaps hold exactly the repository's files."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from services.cli import main
from services.deploy import SOURCES, render_all, stale, write_all
from services.deploy.configmaps import ConfigSource, ConfigSourceError, configmap
from tests.fixtures.paths import ROOT

GENERATED = ROOT / "deploy/k8s/generated"


def test_the_committed_configmaps_match_the_repository() -> None:
    behind = stale(ROOT, GENERATED)
    assert not behind, f"out of date: {behind}; run `ontrack deploy configmaps`"
    assert sorted(p.name for p in GENERATED.glob("*.yaml")) == sorted(render_all(ROOT))


@pytest.mark.parametrize("source", SOURCES, ids=lambda s: s.name)
def test_each_configmap_holds_its_files_byte_for_byte(source: ConfigSource) -> None:
    doc = yaml.safe_load((GENERATED / f"{source.name}.yaml").read_text(encoding="utf-8"))
    files = source.files(ROOT)
    assert doc["data"] == {p.name: p.read_text(encoding="utf-8") for p in files}
    assert doc["metadata"]["name"] == source.name


def copy_sources(tmp_path: Path) -> Path:
    for source in SOURCES:
        shutil.copytree(ROOT / source.directory, tmp_path / source.directory)
    return tmp_path


def test_a_changed_plan_makes_its_configmap_stale_and_changes_its_hash(tmp_path: Path) -> None:
    root = copy_sources(tmp_path / "repo")
    out = tmp_path / "out"
    assert len(write_all(root, out)) == len(SOURCES)
    assert stale(root, out) == [] and write_all(root, out) == []
    before = configmap(SOURCES[0], root)["metadata"]["annotations"]["ontrack.io/config-hash"]
    plan = sorted((root / "services/data/plans").glob("*.yaml"))[0]
    plan.write_text(plan.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert stale(root, out) == ["ontrack-plans.yaml"]
    after = configmap(SOURCES[0], root)["metadata"]["annotations"]["ontrack.io/config-hash"]
    assert after != before


def test_a_file_name_that_cannot_be_a_key_is_refused(tmp_path: Path) -> None:
    (tmp_path / "plans").mkdir()
    (tmp_path / "plans" / "plan ä.yaml").write_text("x: 1\n", encoding="utf-8")
    with pytest.raises(ConfigSourceError, match="cannot be a ConfigMap key .* rename the file"):
        configmap(ConfigSource("p", "plans", ("*.yaml",), "ontrack"), tmp_path)
    with pytest.raises(ConfigSourceError, match="no file matches"):
        configmap(ConfigSource("p", "nowhere", ("*.yaml",), "ontrack"), tmp_path)


def test_the_command_checks_and_writes(tmp_path: Path) -> None:
    runner = CliRunner()
    checked = runner.invoke(main, ["deploy", "configmaps", "--check"])
    assert checked.exit_code == 0, checked.output
    missing = runner.invoke(main, ["deploy", "configmaps", "--check", "--out", str(tmp_path)])
    assert (
        missing.exit_code == 1 and "out of date; run `ontrack deploy configmaps`" in missing.output
    )
    wrote = runner.invoke(main, ["deploy", "configmaps", "--out", str(tmp_path)])
    assert wrote.exit_code == 0 and len(list(tmp_path.glob("*.yaml"))) == len(SOURCES)

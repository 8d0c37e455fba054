"""The data the package reads at run time is found inside the package: from the checkout
here, from a zip through a copy, and the settings default to it."""

from __future__ import annotations

import zipfile
from pathlib import Path

from services.data import extract, packaged, source_tree
from services.settings import Settings
from tests.fixtures.paths import DATA, ROOT


def test_packaged_files_are_those_of_services_data_in_a_checkout() -> None:
    assert packaged() == DATA
    assert packaged("schemas", "plan.schema.json").is_file()
    assert packaged("prometheus", "prometheus.yml").is_file()
    assert source_tree() == ROOT


def test_the_settings_default_to_the_packaged_files() -> None:
    s = Settings()
    assert s.catalogue_path == DATA / "catalogue" / "indicators.yaml"
    assert (s.plans_dir, s.rules_dir, s.routes_dir) == (
        DATA / "plans",
        DATA / "rules",
        DATA / "routes",
    )
    assert Settings(plans_dir=Path("/etc/ontrack/plans")).plans_dir == Path("/etc/ontrack/plans")


def test_a_tree_inside_a_zip_is_copied_out_whole(tmp_path: Path) -> None:
    archive = tmp_path / "ontrack.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for path in sorted(DATA.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                z.write(path, (Path("services/data") / path.relative_to(DATA)).as_posix())
    out = tmp_path / "out"
    out.mkdir()
    extract(zipfile.Path(archive, "services/data/"), out)
    expected = {
        p.relative_to(DATA)
        for p in DATA.rglob("*")
        if p.is_file() and p.suffix != ".py" and "__pycache__" not in p.parts
    }
    assert {p.relative_to(out) for p in out.rglob("*") if p.is_file()} == expected
    plan = Path("plans") / "qingdao-six-cities-2026.yaml"
    assert (out / plan).read_bytes() == (DATA / plan).read_bytes()

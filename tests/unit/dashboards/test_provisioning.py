"""Grafana provisioning: the data sources the panels name, the dashboards directory, and
every setting taken from the environment documented."""

from __future__ import annotations

import re

import yaml

from services.dashboards import build_all
from services.dashboards.language.words import LANGS
from services.dashboards.panels import PROMETHEUS
from services.dashboards.queries.sql import TIMESCALEDB
from tests.fixtures.paths import ROOT

GRAFANA = ROOT / "deploy/grafana"
DATASOURCES = GRAFANA / "provisioning/datasources/ontrack.yml"
DASHBOARDS = GRAFANA / "provisioning/dashboards/ontrack.yml"


def test_datasources_have_the_uids_and_types_the_panels_use() -> None:
    doc = yaml.safe_load(DATASOURCES.read_text(encoding="utf-8"))
    assert doc["apiVersion"] == 1
    found = {d["uid"]: d["type"] for d in doc["datasources"]}
    assert found == {
        TIMESCALEDB.uid: TIMESCALEDB.type_val,
        PROMETHEUS.uid: PROMETHEUS.type_val,
    }


def test_dashboards_providers_load_each_language_into_a_folder_of_its_own() -> None:
    doc = yaml.safe_load(DASHBOARDS.read_text(encoding="utf-8"))
    paths = {p["options"]["path"]: p for p in doc["providers"]}
    assert set(paths) == {f"${{ONTRACK_DASHBOARDS_DIR}}/{lang}" for lang in LANGS}
    assert len({p["folderUid"] for p in paths.values()}) == len(LANGS)
    for provider in paths.values():
        assert provider["type"] == "file"
        assert provider["allowUiUpdates"] is False
    for lang in LANGS:  # what the providers load is what the build writes
        assert {n for n in build_all() if n.startswith(f"{lang}/")}


def test_secrets_and_addresses_come_from_the_environment_and_are_documented() -> None:
    readme = (GRAFANA / "README.md").read_text(encoding="utf-8")
    datasources = DATASOURCES.read_text(encoding="utf-8")
    assert "password: ${ONTRACK_TSDB_PASSWORD}" in datasources
    used = set(re.findall(r"\$\{(\w+)\}", datasources + DASHBOARDS.read_text(encoding="utf-8")))
    assert used == {
        "ONTRACK_TSDB_HOST", "ONTRACK_TSDB_PORT", "ONTRACK_TSDB_DATABASE", "ONTRACK_TSDB_USER",
        "ONTRACK_TSDB_PASSWORD", "ONTRACK_TSDB_SSLMODE", "ONTRACK_PROMETHEUS_URL",
        "ONTRACK_DASHBOARDS_DIR",
    }  # fmt: skip
    undocumented = {name for name in used if f"`{name}`" not in readme}
    assert not undocumented

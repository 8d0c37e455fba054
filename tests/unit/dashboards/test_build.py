"""The committed dashboards/*.json are what the code builds, and are sound Grafana models."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from services.dashboards import DASHBOARDS_DIR, build_all, stale_files
from services.dashboards.verify import panel_queries, variable_queries

BUILT = build_all()
GRAFANA = {  # Grafana's own macros and variables the panels may use
    "__interval", "__interval_ms", "__rate_interval", "__timeFilter", "__timeFrom", "__timeTo",
    "__timeGroup", "__timeGroupAlias", "__time", "__timeEpoch", "__unixEpochFilter",
}  # fmt: skip
DATASOURCES = {"ontrack-timescaledb", "ontrack-prometheus"}
PROVISIONED = Path(__file__).parents[3] / "deploy/grafana/provisioning/datasources/ontrack.yml"


def test_committed_json_matches_the_code() -> None:
    assert stale_files() == [], "run `ontrack dashboards build` and commit dashboards/"


def test_stale_files_names_changed_missing_and_extra_files(tmp_path: Path) -> None:
    for name, text in BUILT.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    assert stale_files(tmp_path) == []
    (tmp_path / "air.json").write_text(BUILT["air.json"].replace("PM2.5", "PM10"), "utf-8")
    (tmp_path / "port.json").unlink()
    (tmp_path / "old.json").write_text("{}", "utf-8")
    assert stale_files(tmp_path) == ["air.json", "old.json", "port.json"]


def test_building_twice_gives_the_same_text() -> None:
    assert build_all() == BUILT


def test_the_dashboards_the_issue_asks_for() -> None:
    assert sorted(BUILT) == sorted(p.name for p in DASHBOARDS_DIR.glob("*.json"))
    titles = {json.loads(t)["title"] for t in BUILT.values()}
    assert titles == {
        "ontrack · city overview",
        "ontrack · Air",
        "ontrack · Port",
        "ontrack · Power",
        "ontrack · 5G",
        "ontrack · alert history",
        "ontrack · feed health",
        "ontrack · pipeline",
    }


@pytest.mark.parametrize("name", sorted(BUILT))
def test_panels_are_sound(name: str) -> None:
    board = json.loads(BUILT[name])
    panels = board["panels"]
    assert len({p["id"] for p in panels}) == len(panels)
    assert board["uid"].startswith("ontrack-") and len(board["uid"]) <= 40
    variables = {v["name"] for v in board.get("templating", {}).get("list", [])}
    for p in panels:
        if p["type"] == "row":
            continue
        assert p["datasource"]["uid"] in DATASOURCES, p["title"]
        for t in p["targets"]:
            assert t["datasource"]["uid"] == p["datasource"]["uid"], p["title"]
        if "repeat" in p:
            assert p["repeat"] in variables, p["title"]
    for q in panel_queries(name, board):
        used = {m[0] or m[1] for m in re.findall(r"\$\{(\w+)[^}]*\}|\$(\w+)", q.text)}
        assert used <= variables | GRAFANA, (q.panel, used - variables - GRAFANA)


def test_sql_panels_read_views_and_functions_not_raw_tables() -> None:
    """Panels stay thin: they select from the schema's views and functions (0004, 0005)."""
    raw = re.compile(r"\b(FROM|JOIN)\s+(observations|rollups|air_quality_days|alert_events)\b")
    for name, text in BUILT.items():
        board = json.loads(text)
        for q in panel_queries(name, board):
            assert not raw.search(q.text), (name, q.panel)
        for v in variable_queries(board):
            assert not raw.search(v.text), (name, v.name)


def test_datasource_uids_are_those_provisioned() -> None:
    text = PROVISIONED.read_text(encoding="utf-8")
    for uid in DATASOURCES:
        assert f"uid: {uid}" in text

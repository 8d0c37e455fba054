"""The committed dashboards/<lang>/*.json are what the code builds, and are sound Grafana
models."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from services.dashboards import build_all, stale_files
from services.dashboards.queries.verify import panel_queries, variable_queries
from tests.fixtures.paths import ROOT

BUILT = build_all()
GRAFANA = {  # Grafana's own macros and variables the panels may use
    "__interval", "__interval_ms", "__rate_interval", "__timeFilter", "__timeFrom", "__timeTo",
    "__timeGroup", "__timeGroupAlias", "__time", "__timeEpoch", "__unixEpochFilter",
}  # fmt: skip
DATASOURCES = {"ontrack-timescaledb", "ontrack-prometheus"}
PROVISIONED = ROOT / "deploy/grafana/provisioning/datasources/ontrack.yml"
COMMITTED = ROOT / "dashboards"


def test_committed_json_matches_the_code() -> None:
    assert stale_files(COMMITTED) == [], "run `ontrack dashboards build` and commit dashboards/"


def test_stale_files_names_changed_missing_and_extra_files(tmp_path: Path) -> None:
    for name, text in BUILT.items():
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
    assert stale_files(tmp_path) == []
    air = BUILT["zh-CN/air.json"].replace("PM2.5", "PM10")
    (tmp_path / "zh-CN/air.json").write_text(air, "utf-8")
    (tmp_path / "en/port.json").unlink()
    (tmp_path / "old.json").write_text("{}", "utf-8")  # from before the languages
    assert stale_files(tmp_path) == ["en/port.json", "old.json", "zh-CN/air.json"]


def test_building_twice_gives_the_same_text() -> None:
    assert build_all() == BUILT


def test_the_dashboards_the_issues_ask_for() -> None:
    committed = sorted(p.relative_to(COMMITTED).as_posix() for p in COMMITTED.glob("**/*.json"))
    assert sorted(BUILT) == committed
    titles = {name: json.loads(t)["title"] for name, t in BUILT.items()}
    assert {t for n, t in titles.items() if n.startswith("en/")} == {
        "ontrack · city overview", "ontrack · Air", "ontrack · Water", "ontrack · Port",
        "ontrack · Airport", "ontrack · Power", "ontrack · Energy", "ontrack · 5G",
        "ontrack · Economy", "ontrack · Talent", "ontrack · Industry",
        "ontrack · Green development", "ontrack · Public services", "ontrack · Transport",
        "ontrack · Agriculture and rural areas", "ontrack · alert history",
        "ontrack · feed health", "ontrack · pipeline",
    }  # fmt: skip
    assert {t for n, t in titles.items() if n.startswith("zh-CN/")} == {
        "ontrack · 全市目标总览", "ontrack · 空气质量", "ontrack · 近岸海域水质", "ontrack · 港口",
        "ontrack · 机场", "ontrack · 电力", "ontrack · 能源保障", "ontrack · 5G网络",
        "ontrack · 经济与创新", "ontrack · 人才", "ontrack · 产业", "ontrack · 绿色低碳",
        "ontrack · 社会民生", "ontrack · 交通设施", "ontrack · 农业农村",
        "ontrack · 告警记录", "ontrack · 数据报送情况", "ontrack · 系统运行",
    }  # fmt: skip


def test_each_dashboard_has_one_uid_per_language_and_links_to_the_other() -> None:
    uids = {name: json.loads(t)["uid"] for name, t in BUILT.items()}
    assert len(set(uids.values())) == len(uids)
    for name, text in BUILT.items():
        lang, file = name.split("/")
        other = f"{'zh-CN' if lang == 'en' else 'en'}/{file}"
        board = json.loads(text)
        assert board["tags"] == ["ontrack", lang]
        links = {link["type"]: link for link in board["links"]}
        assert links["dashboards"]["tags"] == ["ontrack", lang]
        assert links["link"]["url"] == f"/d/{uids[other]}"


@pytest.mark.parametrize("name", sorted(BUILT))
def test_panels_are_sound(name: str) -> None:
    board = json.loads(BUILT[name])
    panels = [q for p in board["panels"] for q in (p, *p.get("panels", ()))]  # rows' too
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
    raw = re.compile(
        r"\b(FROM|JOIN)\s+(observations|rollups|air_quality_days|alert_events|target_status)\b"
    )
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

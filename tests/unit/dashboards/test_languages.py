"""The dashboards in Chinese and in English, from the same code: every family with a target has
one in each, the Chinese ones say everything in Chinese and the English ones nothing in it,
and alert firings and resolutions are drawn from alert_events."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest

from services.alerts.rules import (
    BurnRateRule,
    NoDataRule,
    OffTrajectoryRule,
    ProjectedMissRule,
    StaleFeedRule,
    ThresholdRule,
)
from services.dashboards import build_all
from services.dashboards.build import build_language
from services.dashboards.family import FAMILIES
from services.dashboards.language.i18n import MissingText, Speech
from services.dashboards.language.words import (
    ALERT_KINDS,
    ALERT_STATES,
    LANGS,
    SEVERITIES,
    STATUS_WORDS,
)
from services.dashboards.language.zh_cn import TEXTS
from services.dashboards.queries.verify import ANNOTATION, panel_queries
from services.indicators.assess import STATUSES
from services.indicators.catalogue import load_catalogue
from services.indicators.plans import load_plans
from services.language import Language, tr

BUILT = build_all()
CJK = re.compile(r"[\u4e00-\u9fff]")
CATALOGUE = load_catalogue()
PLANS = load_plans(catalogue=CATALOGUE)
SLUGS = {f.key: f.slug for f in FAMILIES}


def boards(lang: str) -> dict[str, dict[str, Any]]:
    return {n: json.loads(t) for n, t in BUILT.items() if n.startswith(f"{lang}/")}


def panels(board: dict[str, Any]) -> list[dict[str, Any]]:
    """Every panel of a dashboard, those of collapsed rows too."""
    return [q for p in board["panels"] for q in (p, *p.get("panels", ()))]


def texts(board: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """Every text of a dashboard a person reads: (where, text)."""
    yield "title", board["title"]
    yield "description", board["description"]
    for panel in panels(board):
        yield f"panel {panel['id']} title", panel["title"]
        if panel.get("description"):
            yield f"panel {panel['id']} description", panel["description"]
    for var in board["templating"].get("list", []):
        yield f"variable {var['name']}", var["label"]
    for anno in board.get("annotations", {}).get("list", []):
        yield "annotation", anno["name"]


def test_every_family_with_a_target_has_a_dashboard_in_each_language() -> None:
    families = {CATALOGUE.get(t.indicator).family for p in PLANS for t in p.targets}
    assert len(families) == 14
    for lang in LANGS:
        for family in families:
            board = json.loads(BUILT[f"{lang}/{SLUGS[family]}.json"])
            (target,) = [v for v in board["templating"]["list"] if v["name"] == "target"]
            assert f"p.family = '{family}'" in target["query"], (lang, family)


@pytest.mark.parametrize("name", sorted(boards("zh-CN")))
def test_chinese_dashboards_say_everything_in_chinese(name: str) -> None:
    board = boards("zh-CN")[name]
    for where, text in texts(board):
        if text == "${target:text}":  # the target's Chinese name, from target_texts
            continue
        assert CJK.search(text), (name, where, text)


@pytest.mark.parametrize("name", sorted(boards("en")))
def test_english_dashboards_say_nothing_in_chinese(name: str) -> None:
    board = boards("en")[name]
    for where, text in texts(board):
        assert not CJK.search(text), (name, where, text)
    links = [link["title"] for link in board["links"]]
    assert links == ["ontrack", "中文"]  # the way to the Chinese dashboard, in Chinese
    for query in panel_queries(name, board):
        assert not CJK.search(query.text), (name, query.panel)


def test_chinese_tables_head_their_columns_in_chinese() -> None:
    for name, board in boards("zh-CN").items():
        for panel in panels(board):
            if panel["type"] != "table":
                continue
            for target in panel["targets"]:
                for header in re.findall(r'\bAS\s+"([^"]+)"', target["rawSql"]):
                    assert CJK.search(header), (name, panel["title"], header)


@pytest.mark.parametrize("lang", LANGS)
def test_statuses_are_shown_as_words_of_the_language(lang: str) -> None:
    for name, board in boards(lang).items():
        for panel in panels(board):
            for mapping in panel.get("fieldConfig", {}).get("defaults", {}).get("mappings", []):
                if mapping["type"] == "value" and "on_track" in mapping["options"]:
                    shown = {k: v["text"] for k, v in mapping["options"].items()}
                    assert shown == {s: words[lang] for s, words in STATUS_WORDS.items()}, name


def test_status_words_are_those_people_read_everywhere() -> None:
    """Every status the engine gives has its word in both languages, the word e-mails, the
    command line and the report use (services.language), insufficient data included."""
    assert set(STATUS_WORDS) == set(STATUSES)
    for status in STATUSES:
        for lang in LANGS:
            assert STATUS_WORDS[status][lang] == tr(Language(lang), f"status.{status}")
    assert STATUS_WORDS["insufficient_data"] == {"en": "insufficient data", "zh-CN": "数据不足"}


def test_alert_words_are_those_people_read_everywhere() -> None:
    """Severities, states and kinds of alerts, as e-mails and the command line say them;
    every kind of rule has its word."""
    for words, prefix in (
        (SEVERITIES, "severity"),
        (ALERT_STATES, "state"),
        (ALERT_KINDS, "problem"),
    ):
        for key, said in words.items():
            assert said == {lang: tr(Language(lang), f"{prefix}.{key}") for lang in LANGS}
    rules = (
        OffTrajectoryRule, ProjectedMissRule, BurnRateRule, StaleFeedRule, ThresholdRule,
        NoDataRule,
    )  # fmt: skip
    assert set(ALERT_KINDS) == {rule.kind for rule in rules}
    assert {"page", "ticket"} <= set(SEVERITIES)
    assert {"pending", "firing", "resolved"} <= set(ALERT_STATES)


@pytest.mark.parametrize("lang", LANGS)
def test_alert_firings_and_resolutions_are_annotations_from_alert_events(lang: str) -> None:
    for name, board in boards(lang).items():
        file = name.split("/", 1)[1].removesuffix(".json")
        annotations = board.get("annotations", {}).get("list", [])
        if file in ("feeds", "pipeline"):
            assert not annotations, name
            continue
        colours = {a["iconColor"] for a in annotations}
        assert colours == {"red", "green"}, name
        for anno in annotations:
            sql = anno["target"]["rawSql"]
            assert anno["datasource"]["uid"] == "ontrack-timescaledb"
            assert anno["target"]["format"] == "table"
            assert "FROM v_alert_events e" in sql, name  # the view of alert_events (0004)
            assert re.search(r"e\.to_state = '(firing|resolved)'", sql), name
            assert '"time"' in sql and " AS text" in sql and " AS tags" in sql
            if file in SLUGS.values():  # a family's: its selected targets and its feeds
                family = next(k for k, v in SLUGS.items() if v == file)
                assert "e.labels->>'target' IN ($target)" in sql, name
                assert f"e.labels->>'family' = '{family}'" in sql, name
            else:  # the overview and the alert history: every target's
                assert "e.labels ? 'target'" in sql, name
        found = [q for q in panel_queries(name, board) if q.panel.startswith(ANNOTATION)]
        assert len(found) == 2, name  # `ontrack dashboards verify` and the tests run them


def test_each_family_dashboard_charts_its_targets_with_a_shaded_projection() -> None:
    for lang in LANGS:
        for family in FAMILIES:
            board = json.loads(BUILT[f"{lang}/{family.slug}.json"])
            (chart,) = [p for p in panels(board) if p.get("repeat") == "target"]
            assert chart["title"] == "${target:text}"
            overrides = {
                o["matcher"]["options"]: {p["id"]: p["value"] for p in o["properties"]}
                for o in chart["fieldConfig"]["overrides"]
            }
            low, high = ("预测下限", "预测上限") if lang == "zh-CN" else (
                "projection low", "projection high",
            )  # fmt: skip
            assert overrides[high]["custom.fillBelowTo"] == low


def test_the_chinese_catalogue_holds_exactly_the_texts_in_use() -> None:
    speech = Speech("zh-CN")
    build_language(speech, CATALOGUE)
    assert speech.used == set(TEXTS), {
        "unused": sorted(set(TEXTS) - speech.used),
        "missing": sorted(speech.used - set(TEXTS)),
    }


def test_a_text_without_chinese_stops_the_build_with_what_to_add() -> None:
    with pytest.raises(
        MissingText, match="'Brand new panel'.*add it to services/dashboards/language/zh_cn.py"
    ):
        Speech("zh-CN")("Brand new panel")
    assert Speech("en")("Brand new panel") == "Brand new panel"
    assert Speech("zh-CN")("{family} data", family="港口") == "港口数据"

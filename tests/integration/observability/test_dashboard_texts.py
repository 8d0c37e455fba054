"""What the dashboards say, in both languages, on the demo set judged by the real alert engine:
every target named in the language, every status with the data it rests on, the sources the
engine found pulling each target off, and the alerts of each dashboard's own targets marked."""

from __future__ import annotations

import asyncio
import json
import math
import re
from datetime import datetime, timedelta
from typing import Any

import psycopg
import pytest

from services.alerts.rules import load_rules
from services.alerts.snapshot import Universe, load_snapshot
from services.dashboards import build_all
from services.dashboards.family import FAMILIES
from services.dashboards.language.i18n import Speech
from services.dashboards.language.sentences import validity_text
from services.dashboards.language.words import LANGS, STATUS_WORDS, Lang, TargetText, target_text
from services.dashboards.queries.verify import ANNOTATION, Run, relative_time, variable_queries
from services.indicators.assess import measured
from services.indicators.plans.model import Target
from tests.fixtures.paths import DATA
from tests.integration.observability.conftest import Demo

pytestmark = pytest.mark.integration

CJK = re.compile(r"[\u4e00-\u9fff]")
LATIN = re.compile(r"[A-Za-z]")
BY_SLUG = {f.slug: f.key for f in FAMILIES}


def text_of(demo: Demo, target: Target, lang: Lang) -> TargetText:
    plan = next(p for p in demo.plans if target in p.targets)
    return target_text(target, demo.catalogue.get(target.indicator), plan, lang)


def panel(runs: dict[str, list[Run]], board: str, title: str) -> list[Run]:
    """The runs of the panel (or annotation) ``title``, written in English, on ``board``."""
    said = Speech("zh-CN" if board.startswith("zh-CN/") else "en")(title)
    found = [r for r in runs[board] if r.query.panel in (said, ANNOTATION + said)]
    assert found, (board, said)
    return found


def rows_of(runs: dict[str, list[Run]], board: str, title: str) -> list[dict[str, Any]]:
    """The rows of a table panel, by column header."""
    (run,) = panel(runs, board, title)
    assert run.error is None, run.error
    return [dict(zip(run.columns, row, strict=True)) for row in run.rows]


def test_every_target_is_named_in_the_language_of_its_dashboard(demo: Demo) -> None:
    """The ``target`` variable of each family's dashboard lists each of the family's targets by
    its name in the language (and the unit it is shown in): Chinese in the Chinese
    dashboards, no Chinese in the English ones."""
    built = build_all()
    with psycopg.connect(demo.dsn) as conn:
        for lang in LANGS:
            for family in FAMILIES:
                board = json.loads(built[f"{lang}/{family.slug}.json"])
                (variable,) = [v for v in variable_queries(board) if v.name == "target"]
                options = dict(conn.execute(variable.text.encode()).fetchall())
                targets = [
                    t for t in demo.targets if demo.catalogue.get(t.indicator).family == family.key
                ]
                assert set(options) == {t.id for t in targets}, (lang, family.key)
                for t in targets:
                    text = text_of(demo, t, lang)
                    assert options[t.id] == f"{text.label} · {text.unit}".rstrip(" ·"), t.id
                    if lang == "zh-CN":
                        assert (
                            CJK.search(options[t.id])
                            and str(t.deadline.year) + "年" in options[t.id]
                        )
                    else:
                        assert not CJK.search(options[t.id]), options[t.id]


def test_every_status_says_on_what_data_it_rests(demo: Demo, runs: dict[str, list[Run]]) -> None:
    """Each judged target's row says how its actual was taken, from how many values (the
    engine's count), as of when, and whether that is enough to judge (the engine's validity)
    — in Chinese in the Chinese dashboards."""
    engine_counts = asyncio.run(_engine_counts(demo))
    with psycopg.connect(demo.dsn) as conn:
        validity = dict(
            conn.execute(
                "SELECT target_id, explanation->'actual'->>'validity' FROM target_status"
            ).fetchall()
        )
    assert any(validity.values()) and any(
        "cannot be judged" in (v or "") for v in validity.values()
    )
    seen = 0
    for lang in LANGS:
        for family in FAMILIES:
            board = f"{lang}/{family.slug}.json"
            rows = rows_of(runs, board, "Where each target stands")
            h = Speech(lang)
            for row in rows:
                status = row[h("status")]
                target = next(
                    t for t in demo.targets if text_of(demo, t, lang).label == row[h("target")]
                )
                if status is None:  # not judged yet: no basis is claimed
                    assert row[h("based on")] is None and row[h("values")] is None
                    assert row[h("validity")] is None
                    continue
                seen += 1
                basis, count = row[h("based on")], row[h("values")]
                assert basis, (board, target.id)
                said = validity[target.id]
                assert row[h("validity")] == (validity_text(said, lang) if said else None)
                if lang == "zh-CN":
                    assert CJK.search(basis) and not LATIN.search(basis), basis
                    shown = (row[h("validity")] or "").replace("GB 3095-2012", "")
                    assert not LATIN.search(shown), shown
                if target.id not in engine_counts:  # no data, or reported met without data
                    assert count == 0, (target.id, count)
                    continue
                assert count == engine_counts[target.id], (board, target.id, basis)
                assert row[h("data as of")] is not None, target.id
                assert row[h("goal")] == text_of(demo, target, lang).goal
    assert seen >= 2 * 30


async def _engine_counts(demo: Demo) -> dict[str, int]:
    """How many values each city target's actual rests on, as services.indicators counts
    them on the data the engine reads (its snapshot: two years back, valid days of air)."""
    city = [t for t in demo.targets if t.scope == "city"]
    universe = Universe(city, demo.catalogue, load_rules(DATA / "rules"))
    async with await psycopg.AsyncConnection.connect(demo.dsn) as conn:
        snapshot = await load_snapshot(conn, universe, demo.now)
    counts: dict[str, int] = {}
    for inp in snapshot.targets:
        m = measured(inp.target, inp.data, demo.now)
        if m is not None:
            counts[inp.target.id] = m.count
    return counts


def test_status_words_and_what_it_takes_are_chinese(runs: dict[str, list[Run]]) -> None:
    board = json.loads(build_all()["zh-CN/5g.json"])
    table = next(p for p in board["panels"] if p["type"] == "table")
    shown = {
        k: v["text"]
        for m in table["fieldConfig"]["defaults"]["mappings"]
        if m["type"] == "value"
        for k, v in m["options"].items()
    }
    assert shown == {status: words["zh-CN"] for status, words in STATUS_WORDS.items()}
    rows = rows_of(runs, "zh-CN/5g.json", "Where each target stands")
    pace = {r["目标"]: r["完成目标需要"] for r in rows}
    assert pace["2026年5G基站数量"].startswith("每月需净增")
    assert "万个" in pace["2026年5G基站数量"]
    assert all(p is None or not LATIN.search(p) for p in pace.values()), pace


def test_contributors_are_those_the_engine_stored(demo: Demo, runs: dict[str, list[Run]]) -> None:
    """The contributors table shows, per target, the sources of the engine's explanation in
    its order, with value and effect in the target's unit of the language."""
    with psycopg.connect(demo.dsn) as conn:
        stored = conn.execute(
            "SELECT target_id, family, c.ordinality, c.item->>'source',"
            " (c.item->>'value')::float8, (c.item->>'effect')::float8"
            " FROM target_status,"
            " jsonb_array_elements(explanation->'contributors') WITH ORDINALITY c (item, ordinality)"
        ).fetchall()
    families = {family for _, family, *_ in stored}
    assert {"air", "port", "power", "energy", "telecom"} <= families
    by_id = {t.id: t for t in demo.targets}
    for lang in LANGS:
        h = Speech(lang)
        for family in FAMILIES:
            if family.key not in families:
                continue
            rows = rows_of(runs, f"{lang}/{family.slug}.json", "Contributors")
            got = {
                (r[h("target")], r[h("rank")], r[h("source")]): (
                    r[h("its value")],
                    r[h("effect on the target")],
                )
                for r in rows
            }
            expected = {}
            for tid, fam, rank, source, value, effect in stored:
                if fam != family.key:
                    continue
                text = text_of(demo, by_id[tid], lang)
                scaled = None if effect is None else effect / text.scale
                expected[(text.label, rank, source)] = (value / text.scale, scaled)
            assert got.keys() == expected.keys(), (lang, family.key)
            for key, (value, effect) in expected.items():
                assert math.isclose(got[key][0], value), key
                assert (got[key][1] is None) == (effect is None), key
                if effect is not None:
                    assert math.isclose(got[key][1], effect, abs_tol=1e-12), key


def test_the_overview_lists_the_sources_pulling_unmet_targets_off(
    demo: Demo, runs: dict[str, list[Run]]
) -> None:
    with psycopg.connect(demo.dsn) as conn:
        pulling = conn.execute(
            "SELECT count(*) FROM target_status s,"
            " jsonb_array_elements(s.explanation->'contributors') c"
            " WHERE (c->>'effect')::float8 < 0 AND s.status <> 'met'"
        ).fetchone()
    rows = rows_of(runs, "en/overview.json", "Sources pulling the targets off")
    assert pulling is not None and len(rows) == pulling[0] > 0
    assert all(r["effect on the target"] < 0 for r in rows)


@pytest.mark.parametrize("lang", LANGS)
def test_alerts_fired_and_resolved_are_marked_on_their_dashboards(
    demo: Demo, runs: dict[str, list[Run]], lang: Lang
) -> None:
    """Each dashboard marks exactly the firings and resolutions of its own targets (and a
    family's, of its feeds) from alert_events, named in the language."""
    day = timedelta(days=1)
    built = build_all()
    for name in (n for n in runs if n.startswith(f"{lang}/")):
        board = json.loads(built[name])
        slug = name.split("/", 1)[1].removesuffix(".json")
        if slug not in BY_SLUG and slug not in ("overview", "alerts"):
            continue
        family = BY_SLUG.get(slug)
        frm = relative_time(board["time"]["from"], demo.now)
        for state, title in (("firing", "Alerts fired"), ("resolved", "Alerts resolved")):
            (run,) = panel(runs, name, title)
            assert run.error is None
            expected = _events(demo, state, family, frm)
            assert sorted(r[0] for r in run.rows) == expected, (name, state)
    marked = [f"{lang}/{s}.json" for s in (*BY_SLUG, "overview", "alerts")]
    marks = {n: panel(runs, n, "Alerts fired")[0].rows for n in marked}
    resolved = {n: panel(runs, n, "Alerts resolved")[0].rows for n in marked}
    routes = text_of(demo, _target(demo, "port.intl_container_routes.2026"), lang).label
    g5 = text_of(demo, _target(demo, "telecom.5g_base_stations.2026"), lang).label
    port, g5_board, air = (f"{lang}/{s}.json" for s in ("port", "5g", "air"))
    assert any(t == demo.now - 18 * day and routes in x for t, x, _ in marks[port])
    assert any(t == demo.now - 9 * day and routes in x for t, x, _ in resolved[port])
    assert any(t == demo.now - 6 * day and g5 in x for t, x, _ in marks[g5_board])
    assert not any(routes in x or g5 in x for _, x, _ in [*marks[air], *resolved[air]])
    for _, text, tags in [*marks[port], *resolved[port]]:
        assert bool(CJK.search(text)) == (lang == "zh-CN"), text
        assert tags, text


def _target(demo: Demo, tid: str) -> Target:
    return next(t for t in demo.targets if t.id == tid)


def _events(demo: Demo, state: str, family: str | None, frm: datetime) -> list[datetime]:
    """Straight from alert_events: the transitions to ``state`` in the range of the alerts
    of ``family``'s targets and feeds (every target's, for None)."""
    where = "a.labels->>'family' = %(family)s" if family is not None else "a.labels ? 'target'"
    with psycopg.connect(demo.dsn) as conn:
        rows = conn.execute(
            "SELECT e.at FROM alert_events e JOIN alerts a USING (fingerprint)"
            f" WHERE e.to_state = %(state)s AND e.at BETWEEN %(frm)s AND %(to)s AND {where}"
            " ORDER BY 1",
            {"state": state, "family": family, "frm": frm, "to": demo.now},
        ).fetchall()
    return [r[0] for r in rows]


def test_open_alerts_say_what_they_said_when_they_fired_and_what_they_say_now(
    runs: dict[str, list[Run]],
) -> None:
    rows = rows_of(runs, "en/alerts.json", "Open now")
    g5 = next(r for r in rows if r["rule"] == "off-trajectory-ticket")
    assert g5["when it fired"] == "telecom.5g_base_stations.2026 is 6.2 % behind its trajectory"
    assert g5["now"] == "telecom.5g_base_stations.2026 is 6.9 % behind its trajectory"

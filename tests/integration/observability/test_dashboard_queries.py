"""Every panel and annotation of every dashboard, in both languages, built from the code, runs
against the real TimescaleDB with the demo data: Grafana's macros and variables expanded, no
SQL error, and data where the demo set has data — and the actual values the charts draw
agree with the engine's core."""

from __future__ import annotations

import asyncio
import json
import math
from datetime import datetime, timedelta

import psycopg
import pytest

from services.dashboards import build_all
from services.dashboards.family import FAMILIES
from services.dashboards.language.words import (
    CHART_SERIES,
    LANGS,
    Lang,
    TargetText,
    target_text,
    words_in,
)
from services.dashboards.queries.stored import load_stored_data
from services.dashboards.queries.verify import ANNOTATION, Run, relative_time
from services.indicators.assess import actual
from services.indicators.plans.model import CITY_TZ, Target, year_bounds
from tests.integration.observability.conftest import Demo
from tests.integration.observability.demo_data import LATE_STATION, SILENT_STATION, STATIONS

pytestmark = pytest.mark.integration

FAMILY_DASHBOARDS = {f.key: f"en/{f.slug}.json" for f in FAMILIES}


def describe(run: Run) -> str:
    return f"{run.query.dashboard} · {run.query.panel} · {run.variables}\n{run.sql}"


def test_every_sql_panel_runs_without_error(runs: dict[str, list[Run]]) -> None:
    failed = [f"{describe(r)}\n  → {r.error}" for rs in runs.values() for r in rs if r.error]
    assert not failed, "\n\n".join(failed)
    assert sum(len(rs) for rs in runs.values()) > 40


def test_every_sql_panel_finds_the_demo_data(runs: dict[str, list[Run]]) -> None:
    empty = [
        describe(r)
        for rs in runs.values()
        for r in rs
        if not r.error and not r.rows and not r.query.panel.startswith(ANNOTATION)
    ]
    assert not empty, "panels without data although the demo set has some:\n\n" + "\n\n".join(empty)


def test_each_family_charts_every_target_of_the_family_in_both_languages(
    demo: Demo, runs: dict[str, list[Run]]
) -> None:
    for family, board in FAMILY_DASHBOARDS.items():
        expected = {t.id for t in demo.targets if demo.catalogue.get(t.indicator).family == family}
        assert expected, family
        for lang in LANGS:
            name = board.replace("en/", f"{lang}/")
            charted = {r.variables["target"] for r in runs[name] if r.query.repeat == "target"}
            assert charted == expected, (family, lang)


def _chart_series(run: Run) -> dict[str, list[tuple[datetime, float]]]:
    out: dict[str, list[tuple[datetime, float]]] = {}
    for t, metric, value in run.rows:
        out.setdefault(metric, []).append((t, value))
    return out


def test_target_charts_draw_actual_where_there_is_data_and_the_projection(
    demo: Demo, runs: dict[str, list[Run]]
) -> None:
    """In each language, in its words and units: actual where the city has data, the
    trajectory where it falls in the time range (a target whose deadline passed before the
    range shows its target's end only, for Grafana to zoom to), the target line to the
    deadline, and the engine's projection."""
    with psycopg.connect(demo.dsn) as conn:
        projected = {
            tid
            for (tid,) in conn.execute(
                "SELECT target_id FROM target_status WHERE projection_value IS NOT NULL"
                " AND projection_method <> 'final'"
            )
        }
    for lang in LANGS:
        line = words_in(CHART_SERIES, lang)
        for en_board in FAMILY_DASHBOARDS.values():
            board = en_board.replace("en/", f"{lang}/")
            frm = relative_time(json.loads(build_all()[board])["time"]["from"], demo.now)
            for run in (r for r in runs[board] if r.query.repeat == "target"):
                tid = run.variables["target"]
                target = next(t for t in demo.targets if t.id == tid)
                scale = text_of(demo, target, lang).scale
                series = _chart_series(run)
                assert set(series) <= set(line.values()), (tid, lang, sorted(series))
                assert line["target"] in series, tid
                assert (line["trajectory"] in series) == (target.deadline_at >= frm), tid
                drawn = {v * scale for _, v in series[line["target"]]}
                assert all(math.isclose(v, target.value) for v in drawn), (tid, lang, drawn)
                assert max(t for t, _ in series[line["target"]]) == target.deadline_at, tid
                has_data = _has_city_data(demo, target, frm)
                assert (line["actual"] in series) == has_data, (tid, lang, has_data)
                assert (line["projection"] in series) == (tid in projected), tid
                actual = series.get(line["actual"], [])
                assert all(frm <= t < target.deadline_at for t, _ in actual), tid
                if target.kind == "flow" and tid in projected:
                    # the year to date of the deadline year: from nothing on its first day
                    # when the last actual value is of an earlier year
                    start = year_bounds(target.deadline.year)[0]
                    drawn = series[line["projection"]]
                    assert all(start <= t <= target.deadline_at for t, _ in drawn), (tid, drawn)
                    assert drawn[0][1] == 0 or drawn[0][0] > start, (tid, drawn)


def text_of(demo: Demo, target: Target, lang: Lang) -> TargetText:
    plan = next(p for p in demo.plans if target in p.targets)
    return target_text(target, demo.catalogue.get(target.indicator), plan, lang)


def _has_city_data(demo: Demo, target: Target, frm: datetime) -> bool:
    """Straight from the tables: city data of the indicator between ``frm`` and the deadline
    (a regional target has none: its region's data are not rolled up for the city)."""
    if target.scope != "city":
        return False
    if target.indicator in ("air.good_days_ratio", "air.heavy_pollution_days"):
        query = (
            "SELECT count(*) FROM air_quality_days WHERE scope = 'city'"
            " AND day < %(end)s::date AND day >= %(start)s::date"
        )
        params = {
            "end": target.deadline_at.astimezone(CITY_TZ).date(),
            "start": (frm - timedelta(seconds=1)).astimezone(CITY_TZ).date() + timedelta(days=1),
        }
    else:
        query = (
            "SELECT count(*) FROM rollups WHERE indicator = %(ind)s AND width = 'day'"
            " AND source = '*' AND bucket < %(end)s AND bucket >= %(start)s"
        )
        params = {"ind": target.indicator, "end": target.deadline_at, "start": frm}
    with psycopg.connect(demo.dsn) as conn:
        row = conn.execute(query, params).fetchone()
    return bool(row and row[0])


def test_actual_in_the_charts_is_the_engines_actual(demo: Demo) -> None:
    """target_actual (SQL, what the charts draw) == services.indicators.assess.actual, at the
    end of every day the chart has a point for, from the data stored by then (the engine
    judging then would not have seen a month's later days)."""

    async def compare() -> tuple[list[tuple[str, datetime, float, float | None]], set[str]]:
        differ, kinds = [], set()
        async with await psycopg.AsyncConnection.connect(demo.dsn) as conn:
            for t in demo.targets:
                cur = await conn.execute(
                    "SELECT ts, actual FROM target_actual(%s, '-infinity', 'infinity')", (t.id,)
                )
                points = await cur.fetchall()
                stored = await load_stored_data(conn, t, demo.catalogue.get(t.indicator))
                for ts, value in points:
                    # as of the end of the day: its last instant, still in the day's year
                    at = min(ts + timedelta(days=1) - timedelta(microseconds=1), t.deadline_at)
                    engine = actual(t, stored.as_of(at), at)
                    if engine is None or not math.isclose(value, engine, rel_tol=1e-9):
                        differ.append((t.id, ts, value, engine))
                if points:
                    kinds.add(t.kind)
        return differ, kinds

    differ, kinds = asyncio.run(compare())
    assert not differ, differ[:20]
    assert {"level-mean", "ratio", "flow", "stock", "capacity", "growth"} <= kinds


def test_feed_health_tells_silent_late_and_fresh_stations_apart(demo: Demo) -> None:
    with psycopg.connect(demo.dsn) as conn:
        states = dict(
            conn.execute(
                "SELECT source, state FROM feed_freshness WHERE indicator = 'air.pm25'"
                " AND source LIKE 'demo-%'"
            ).fetchall()
        )
    fresh = set(STATIONS) - {SILENT_STATION, LATE_STATION}
    assert states == {
        SILENT_STATION: "silent",
        LATE_STATION: "late",
        **dict.fromkeys(fresh, "fresh"),
    }


def test_alert_timeline_counts_what_was_open_at_each_step(demo: Demo) -> None:
    step = timedelta(days=1)
    start = demo.now - timedelta(days=30)
    with psycopg.connect(demo.dsn) as conn:
        rows = conn.execute(
            "SELECT time, severity, state, alerts FROM alert_timeline(%s, %s, %s)",
            (start, demo.now, step),
        ).fetchall()
        events = conn.execute(
            "SELECT e.fingerprint, e.at, e.to_state, a.severity"
            " FROM alert_events e JOIN alerts a USING (fingerprint) ORDER BY e.at,"
            " array_position(ARRAY['inactive', 'pending', 'firing', 'resolved'], e.to_state)"
        ).fetchall()
    got = {(t, f"{sev} {state}"): n for t, sev, state, n in rows}
    expected: dict[tuple[datetime, str], int] = {}
    t = start
    while t <= demo.now:
        state: dict[str, tuple[str, str]] = {}
        for fp, at, to_state, severity in events:
            if at <= t:
                state[fp] = (to_state, severity)
        for to_state, severity in state.values():
            if to_state in ("pending", "firing"):
                key = (t, f"{severity} {to_state}")
                expected[key] = expected.get(key, 0) + 1
        t += step
    assert got == expected
    # the demo alerts alone: 22 days ago the routes alert was pending, 12 days ago it fired
    # while the 5G one was pending; now the 5G one fires and the PM2.5 feed one is pending
    assert got[(demo.now - 22 * step, "page pending")] >= 1
    assert got[(demo.now - 12 * step, "page firing")] >= 1
    assert got[(demo.now, "ticket firing")] >= 1
    assert got[(demo.now, "ticket pending")] >= 1


def test_the_overview_lists_every_target_judged_or_not(demo: Demo) -> None:
    with psycopg.connect(demo.dsn) as conn:
        rows = conn.execute(
            "SELECT target_id, status, days_left, now() FROM target_overview"
        ).fetchall()
        judged = {tid for (tid,) in conn.execute("SELECT target_id FROM target_status")}
    by_id = {tid: (status, days, now) for tid, status, days, now in rows}
    assert set(by_id) == {t.id for t in demo.targets} | judged
    for t in demo.targets:
        status, days, now = by_id[t.id]
        assert (status is None) == (t.id not in judged), t.id
        assert days == max(0, (t.deadline_at - now).days), t.id
    assert any(t.scope != "city" and by_id[t.id][0] is None for t in demo.targets)

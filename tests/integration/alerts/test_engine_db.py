"""The engine against TimescaleDB with a fixed clock: every kind of data read back, an
evaluation repeated at the same instant writing nothing, a new engine carrying on from the
stored states, event-driven partial evaluations, and the API and CLI reading it all.

The tests share one database and run in file order: each starts from what the previous
ones stored, as successive evaluations of one engine would."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
import pytest
from click.testing import CliRunner
from prometheus_client import CollectorRegistry

from services.alerts.engine.evaluate import Outcome
from services.alerts.engine.lifecycle import fingerprint
from services.alerts.runtime.loop import AlertEngine
from services.alerts.runtime.metrics import EngineMetrics
from services.alerts.snapshot.alert_state import load_alerts
from services.alerts.snapshot.universe import Universe, load_universe
from services.cli import main
from services.indicators.catalogue import load_catalogue
from services.indicators.city import CITY_TZ_NAME
from services.indicators.readings import Reading, validate_record
from services.ingest.stream.derive import refresh_air_quality
from services.settings import Settings
from services.storage.catalogue_sync import sync_catalogue
from services.storage.pool import open_pool
from services.storage.writer import ObservationWriter, Received
from tests.integration.alerts.helpers import (
    G5_TARGET,
    api_get,
    events,
    one,
    write_plans,
    write_rules,
)

pytestmark = pytest.mark.integration

CATALOGUE = load_catalogue()
NOW = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)
G5 = "telecom.5g_base_stations.db.2027"
PM25 = "air.pm25.db.2026"
GOOD = "air.good_days_ratio.db.2026"
EV = "power.ev_charging_piles.west-coast.db.2026"

OTHER_TARGETS = f"""\
  - id: {PM25}
    indicator: air.pm25
    comparator: "<="
    value: 30
    unit: µg/m³
    deadline: 2026-12-31
    kind: level-mean
    baseline: {{value: 35, unit: µg/m³, date: 2025-12-31}}
    trajectory: linear
    scope: city
    source_clause: test · PM2.5
    source_text: PM2.5浓度控制在30微克/立方米以内
  - id: {GOOD}
    indicator: air.good_days_ratio
    comparator: ">="
    value: 88.8
    unit: "%"
    deadline: 2026-12-31
    kind: ratio
    baseline: {{value: 85, unit: "%", date: 2025-12-31}}
    trajectory: linear
    scope: city
    source_clause: test · good days
    source_text: 空气质量优良天数比率达到88.8%
  - id: {EV}
    indicator: power.ev_charging_piles
    comparator: ">="
    value: 1.3万
    unit: piles
    deadline: 2026-12-31
    kind: stock
    baseline: {{value: 8000, unit: piles, date: 2025-12-31}}
    trajectory: linear
    scope: {{region: west-coast-new-area}}
    source_clause: test · EV piles
    source_text: 到2026年充电桩保有量达1.3万台
"""

RULES = """\
version: 1
rules:
  - id: db-off-trajectory
    kind: off_trajectory
    severity: page
    tolerance_pct: 5
    recover_pct: 2.5
    for: 3s
    identify_by: [target]
    applies_to: {families: [telecom]}
  - id: db-pm25-heavy
    kind: threshold
    severity: ticket
    applies_to: {indicators: [air.pm25]}
    above: 150
    recover_below: 115
    bucket: 1h
    unit: ug/m3
    identify_by: [series]
  - id: db-stale
    kind: stale_feed
    after: 6h
    identify_by: [series]
    applies_to: {families: [air]}
"""


@dataclass
class World:
    settings: Settings
    universe: Universe
    dsn: str
    totals: dict[str, float]


def _reading(raw: dict[str, Any]) -> Received:
    got = validate_record(raw, 0, CATALOGUE, NOW)
    assert isinstance(got, Reading), got
    return got, NOW


NORMAL = {"db-a": 20.0, "db-b": 30.0, "db-c": 60.0}
TODAY = 16  # hours of today (local) before NOW: 00:00 to 15:00 CST
BAD_DAYS = 5  # the five local days before today: every station at five times its level


def _readings() -> tuple[list[Received], dict[str, float]]:
    out: list[Received] = []
    for hour in range(40 * 24, 0, -1):
        ts = NOW - timedelta(hours=hour)
        bad = TODAY < hour <= TODAY + 24 * BAD_DAYS
        for station, value in NORMAL.items():
            level = value * 5 if bad else value
            if station == "db-c" and hour == 1:
                level = 200.0  # the last hour at db-c: heavy pollution
            out.append(_pm(station, ts, level))
    # 5G: two operators' totals, monthly, well behind the trajectory
    for months in range(10, 0, -1):
        for op, total in (("op-a", 13_000.0), ("op-b", 8_000.0)):
            ts = NOW - timedelta(days=30 * months)
            out.append(
                _stock("telecom.5g_base_stations", op, ts, total - 50 * months, "stations", None)
            )
    # EV piles: two sources in the West Coast New Area, one elsewhere
    for src, region, value in (
        ("wc-1", "west-coast-new-area", 6_000.0),
        ("wc-2", "west-coast-new-area", 5_500.0),
        ("sn-1", "shinan", 9_000.0),
    ):
        out.append(
            _stock("power.ev_charging_piles", src, NOW - timedelta(days=2), value, "piles", region)
        )
    return out, {"g5": 12_950.0 + 7_950.0, "ev": 11_500.0}


def _pm(station: str, ts: datetime, value: float) -> Received:
    raw = {
        "indicator": "air.pm25",
        "source": station,
        "ts": ts.isoformat(),
        "value": value,
        "unit": "µg/m³",
    }
    return _reading(raw)


def _stock(
    ind: str, src: str, ts: datetime, value: float, unit: str, region: str | None
) -> Received:
    raw: dict[str, Any] = {
        "indicator": ind,
        "source": src,
        "ts": ts.isoformat(),
        "value": value,
        "unit": unit,
    }
    if region:
        raw["region"] = region
    return _reading(raw)


@pytest.fixture(scope="module")
def world(db_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    root = tmp_path_factory.mktemp("engine-db")
    plans = write_plans(root / "plans", G5_TARGET.format(id=G5), OTHER_TARGETS)
    rules = write_rules(root / "rules", RULES)
    s = db_settings.model_copy(update={"plans_dir": plans, "rules_dir": rules})
    universe = load_universe(plans, rules, s.catalogue_path)
    batch, totals = _readings()
    store(s, batch)
    yield World(s, universe, s.dsn, totals)


def store(s: Settings, batch: list[Received]) -> None:
    """Write ``batch`` and its air-quality days as the stream would."""

    async def load() -> None:
        pool = await open_pool(s.dsn)
        try:
            await sync_catalogue(pool, CATALOGUE)
            changes = await ObservationWriter(pool).write(batch)
            await refresh_air_quality(pool, changes, CITY_TZ_NAME)
        finally:
            await pool.close()

    asyncio.run(load())


def evaluate(w: World, now: datetime, indicators: list[str] | None = None) -> Outcome:
    async def run() -> Outcome:
        pool = await open_pool(w.dsn)
        try:
            engine = AlertEngine(w.universe, pool, EngineMetrics.create(CollectorRegistry()))
            return await engine.evaluate(indicators, now=now)
        finally:
            await pool.close()

    return asyncio.run(run())


def count_events(dsn: str) -> int:
    row = one(dsn, "SELECT count(*) FROM alert_events")
    assert row is not None
    return int(row[0])


OFF_G5 = fingerprint("db-off-trajectory", {"target": G5}, ["target"])
HEAVY_C = fingerprint("db-pm25-heavy", {"series": "air.pm25/db-c"}, ["series"])


def test_every_kind_of_target_is_read_from_the_database(world: World) -> None:
    out = evaluate(world, NOW)
    by_id = {s.target.id: s for s in out.statuses}
    assert set(by_id) == {G5, PM25, GOOD, EV}

    g5 = by_id[G5].assessment
    assert g5.actual == world.totals["g5"]
    assert g5.status == "off_track"
    contributors = [c["source"] for c in by_id[G5].explanation["contributors"]]
    assert sorted(contributors) == ["op-a", "op-b"]

    pm = by_id[PM25]
    normal = sum(NORMAL.values()) / 3
    # 40 × 24 hours back from 15:00 CST reach into a 41st local day; that first day and today
    # have fewer than 20 hourly values: not valid days (GB 3095-2012), left out of the mean
    days = 39
    city_days = [normal] * (days - BAD_DAYS) + [normal * 5] * BAD_DAYS
    assert pm.assessment.actual == pytest.approx(sum(city_days) / days)
    assert pm.explanation["contributors"][0]["source"] == "db-c"
    assert pm.explanation["feed"]["stale"] is False

    good = by_id[GOOD].assessment  # the bad days' AQI is above 100
    assert good.actual == pytest.approx(100.0 * (days - BAD_DAYS) / days)
    assert "daily values" in good.basis

    ev = by_id[EV].assessment
    assert ev.actual == world.totals["ev"]  # the West Coast New Area's two sources only
    assert by_id[EV].target.scope == "west-coast-new-area"

    heavy = [a for a in out.alerts if a.fingerprint == HEAVY_C]
    assert [a.state.state for a in heavy] == ["firing"]
    assert heavy[0].state.last_value == 200.0
    assert {a.subject for a in out.alerts if a.kind == "threshold"} == {"air.pm25/db-c"}
    assert not [a for a in out.alerts if a.kind == "stale_feed"]


def test_the_same_instant_again_writes_nothing_new(world: World) -> None:
    evaluate(world, NOW)
    before = count_events(world.dsn)
    status_before = one(
        world.dsn, "SELECT evaluated_at, status FROM target_status WHERE target_id = %s", G5
    )
    again = evaluate(world, NOW)
    assert again.transitions == ()
    assert count_events(world.dsn) == before
    assert (
        one(world.dsn, "SELECT evaluated_at, status FROM target_status WHERE target_id = %s", G5)
        == status_before
    )


def test_a_new_engine_carries_on_from_the_stored_states(world: World) -> None:
    evaluate(world, NOW)
    assert [e[2] for e in events(world.dsn, OFF_G5)] == ["pending"]
    later = NOW + timedelta(seconds=5)  # past `for`
    out = evaluate(world, later)  # a new engine: new pool, state only from the database
    assert [(t.from_state, t.to_state) for t in out.transitions] == [("pending", "firing")]
    assert [(e[0], e[2]) for e in events(world.dsn, OFF_G5)] == [
        (NOW, "pending"),
        (later, "firing"),
    ]
    for at in (later, NOW + timedelta(seconds=1)):  # again, and an engine whose clock is behind
        assert evaluate(world, at).transitions == ()
    assert len(events(world.dsn, OFF_G5)) == 2
    row = one(world.dsn, "SELECT evaluated_at FROM target_status WHERE target_id = %s", G5)
    assert row == (later,)

    async def stored() -> Any:
        async with await psycopg.AsyncConnection.connect(world.dsn) as conn:
            return await load_alerts(conn, [OFF_G5])

    (alert,) = asyncio.run(stored()).values()
    assert alert.state.state == "firing" and alert.state.fired_at == later
    assert alert.state.labels["target"] == G5 and alert.kind == "off_trajectory"


def test_an_event_evaluates_only_what_depends_on_its_indicator(world: World) -> None:
    now = NOW + timedelta(seconds=30)
    out = evaluate(world, now, ["air.pm25"])
    assert {s.target.id for s in out.statuses} == {PM25, GOOD}  # good days derive from PM2.5
    assert {a.subject for a in out.alerts} <= {"air.pm25/db-a", "air.pm25/db-b", "air.pm25/db-c"}
    row = one(world.dsn, "SELECT evaluated_at FROM target_status WHERE target_id = %s", G5)
    assert row is not None and row[0] < now


# The API's error responses (services/api/contract/problems.py) still use ORJSONResponse,
# which this FastAPI deprecates; the 404 and 422 below go through them.
@pytest.mark.filterwarnings("ignore::fastapi.exceptions.FastAPIDeprecationWarning")
def test_the_api_reads_targets_and_alerts(world: World) -> None:
    evaluate(world, NOW + timedelta(minutes=1))
    got = api_get(
        world.settings,
        "/v1/targets",
        "/v1/targets?family=air",
        "/v1/targets?status=off_track",
        "/v1/targets?plan=it-alerts&status=missed",
        "/v1/targets?status=bogus",
        "/v1/alerts",
        "/v1/alerts?severity=page",
        "/v1/alerts?state=all",
        f"/v1/alerts/{OFF_G5}",
        "/v1/alerts/0000000000000000",
    )
    assert got["/v1/targets"].json()["count"] == 4
    assert {t["id"] for t in got["/v1/targets?family=air"].json()["targets"]} == {PM25, GOOD}
    off = got["/v1/targets?status=off_track"].json()["targets"]
    assert G5 in {t["id"] for t in off}
    g5 = next(t for t in off if t["id"] == G5)
    assert g5["actual"] == world.totals["g5"] and g5["gap_pct"] < -5
    assert g5["projection"]["low"] <= g5["projection"]["value"] <= g5["projection"]["high"]
    assert g5["pace"]["text"] and g5["open_alerts"] == 1
    assert got["/v1/targets?plan=it-alerts&status=missed"].json()["count"] == 0
    assert got["/v1/targets?status=bogus"].status_code == 422

    open_alerts = got["/v1/alerts"].json()["alerts"]
    assert {(a["rule"], a["state"]) for a in open_alerts} == {
        ("db-off-trajectory", "firing"),
        ("db-pm25-heavy", "firing"),
    }
    assert open_alerts[0]["severity"] == "page"  # pages first
    assert [a["rule"] for a in got["/v1/alerts?severity=page"].json()["alerts"]] == [
        "db-off-trajectory"
    ]
    assert got["/v1/alerts?state=all"].json()["count"] >= 2

    detail = got[f"/v1/alerts/{OFF_G5}"].json()
    assert [h["to_state"] for h in detail["history"]] == ["pending", "firing"]
    assert detail["explanation"]["target"]["id"] == G5
    assert detail["explanation"]["rule"]["tolerance_pct"] == 5.0
    assert got["/v1/alerts/0000000000000000"].status_code == 404


def test_ontrack_targets_prints_the_table(world: World) -> None:
    result = CliRunner().invoke(
        main, ["--database-url", world.dsn, "targets", "--family", "telecom", "--lang", "en"]
    )
    assert result.exit_code == 0, result.output
    header, row = result.stdout.splitlines()
    assert header.split()[:3] == ["target", "name", "status"]
    assert row.split()[0] == G5
    assert "off track" in row or "off_track" in row, row
    assert f"{world.totals['g5']:,.0f}" in row, row

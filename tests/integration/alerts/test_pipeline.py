"""Through the real pipeline (broker, stream worker, TimescaleDB, engine process): a 5G target
starts on track, falls behind — its alert goes pending, then firing — survives an engine
restart without a second firing, and resolves when the stock is ahead again. A silent PM2.5
station raises a stale-feed alert that stays apart from the target's."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from services.alerts.engine.lifecycle import fingerprint
from services.indicators.catalogue import load_catalogue
from services.indicators.plans.load import load_plans, targets_of
from services.indicators.plans.model import Target
from services.indicators.readings import Reading, validate_record
from services.indicators.trajectory import expected_at
from services.ingest.keyring import load_batch_keys
from services.ingest.producer import ReadingsProducer
from services.settings import Settings
from tests.fixtures.services import Proc, service_env, start_service, wait_for
from tests.integration.alerts.helpers import (
    G5_TARGET,
    api_get,
    events,
    one,
    write_plans,
    write_rules,
)

pytestmark = [pytest.mark.integration, pytest.mark.slow]

CATALOGUE = load_catalogue()
TARGET_ID = "telecom.5g_base_stations.it.2027"
FOR = timedelta(seconds=3)
RULES = """\
version: 1
rules:
  - id: it-off-trajectory
    kind: off_trajectory
    severity: page
    tolerance_pct: 5
    recover_pct: 2.5
    for: 3s
    identify_by: [target]
    annotations:
      summary: "{target} is {shortfall_pct:.1f} % behind its trajectory ({actual} {unit})"
  - id: it-stale
    kind: stale_feed
    severity: ticket
    after: 4s
    identify_by: [series]
    applies_to:
      indicators: [air.pm25]
    annotations:
      summary: "no data from {series} for {silence}"
"""


def reading(indicator: str, source: str, value: float, unit: str) -> Reading:
    now = datetime.now(UTC)
    raw = {"indicator": indicator, "source": source, "ts": now.isoformat(), "value": value}
    got = validate_record({**raw, "unit": unit}, 0, CATALOGUE, now)
    assert isinstance(got, Reading), got
    return got


def progress_shortfall(target: Target, at: datetime, actual: float) -> float:
    """How far ``actual`` is behind, in % of the progress planned from the baseline by ``at``
    (at least a quarter of the whole way), as docs/alerting.md defines it."""
    start = target.baseline.value
    assert start is not None
    expected = expected_at(target, at)
    way = abs(target.value - start)
    return 100.0 * (expected - actual) / max(abs(expected - start), 0.25 * way)


def start(spawn: Callable[..., Proc], name: str, args: list[str], env: dict[str, str]) -> Proc:
    return start_service(spawn, name, args, env)


def test_an_alert_goes_pending_firing_resolved_through_the_pipeline(
    alerts_settings: Settings, spawn: Callable[..., Proc], tmp_path: Path
) -> None:
    s = alerts_settings
    dsn = s.dsn
    plans = write_plans(tmp_path / "plans", G5_TARGET.format(id=TARGET_ID))
    rules = write_rules(tmp_path / "rules", RULES)
    (target,) = targets_of(load_plans(plans))
    env = service_env(
        s,
        ONTRACK_PLANS_DIR=str(plans),
        ONTRACK_RULES_DIR=str(rules),
        ONTRACK_EVAL_INTERVAL="1",
        ONTRACK_ALERTS_CONSUMER_GROUP=s.alerts_consumer_group,
    )
    start(spawn, "worker", ["worker"], env)
    engine = start(spawn, "alerts", ["alerts"], env)
    producer = ReadingsProducer(s.kafka_bootstrap, s.topic_readings, keys=load_batch_keys(s))
    fp = fingerprint("it-off-trajectory", {"target": TARGET_ID}, ["target"])

    def send(*readings: Reading) -> datetime:
        sent = datetime.now(UTC)
        asyncio.run(producer.send(list(readings), sent))
        return sent

    def total_of(share_a: float, share_b: float) -> tuple[float, float]:
        expected = expected_at(target, datetime.now(UTC))
        return round(expected * share_a), round(expected * share_b)

    def status() -> tuple[str, float] | None:
        row = one(dsn, "SELECT status, actual FROM target_status WHERE target_id = %s", TARGET_ID)
        return None if row is None or row[1] is None else (row[0], row[1])

    try:
        # a PM2.5 station that reports once and then falls silent
        silent_sent = send(reading("air.pm25", "it-silent", 35.0, "µg/m³"))

        # on track: two operators add up to the trajectory's value
        a, b = total_of(0.6, 0.4)
        send(reading("telecom.5g_base_stations", "op-a", a, "stations"))
        send(reading("telecom.5g_base_stations", "op-b", b, "stations"))
        wait_for(lambda: status() == ("on_track", a + b), 30, "the target judged on track")
        assert events(dsn, fp) == []

        # operator a corrects its total down: 20 % behind the trajectory
        a_behind = a - round(0.2 * (a + b))
        behind_sent = send(reading("telecom.5g_base_stations", "op-a", a_behind, "stations"))
        wait_for(lambda: len(events(dsn, fp)) >= 2, 30, "the alert to go pending, then firing")
        (pending, firing) = events(dsn, fp)
        assert (pending[1], pending[2]) == ("inactive", "pending")
        assert (firing[1], firing[2]) == ("pending", "firing")
        assert pending[0] >= behind_sent
        assert firing[0] - pending[0] >= FOR
        # a stock is judged in % of the progress its plan expects by now (from its
        # baseline): 20 % of the level behind is far more of the way planned so far
        of_way = progress_shortfall(target, pending[0], a_behind + b)
        assert of_way > 20.0
        assert pending[3] == pytest.approx(of_way, abs=0.5)
        assert f"behind trajectory by {pending[3]:.1f} % of the progress planned" in pending[4]
        assert status() == ("off_track", a_behind + b)

        # the engine restarts: the alert carries on, with no second pending or firing
        assert engine.stop() == 0, engine.tail()
        restarted = datetime.now(UTC)
        engine = start(spawn, "alerts-2", ["alerts"], env)

        def evaluated_since_restart() -> bool:
            row = one(dsn, "SELECT last_eval FROM alerts WHERE fingerprint = %s", fp)
            return row is not None and row[0] > restarted + timedelta(seconds=2)

        wait_for(evaluated_since_restart, 30, "the restarted engine to evaluate the alert")
        assert events(dsn, fp) == [pending, firing]
        row = one(dsn, "SELECT state, fired_at FROM alerts WHERE fingerprint = %s", fp)
        assert row == ("firing", firing[0])

        # ahead of the trajectory again: resolved
        a_ahead = a + round(0.05 * (a + b))
        ahead_sent = send(reading("telecom.5g_base_stations", "op-a", a_ahead, "stations"))
        wait_for(lambda: len(events(dsn, fp)) >= 3, 30, "the alert to resolve")
        resolved = events(dsn, fp)[2]
        assert (resolved[1], resolved[2]) == ("firing", "resolved")
        assert resolved[0] >= ahead_sent
        assert status() == ("on_track", a_ahead + b)

        # the silent station: a stale-feed alert of its own, apart from the target's
        stale_fp = fingerprint("it-stale", {"series": "air.pm25/it-silent"}, ["series"])
        wait_for(lambda: len(events(dsn, stale_fp)) >= 2, 30, "the stale-feed alert to fire")
        stale_pending, stale_firing = events(dsn, stale_fp)[:2]
        assert stale_firing[2] == "firing"
        assert stale_firing[0] - silent_sent > timedelta(seconds=4)
        assert "no data for" in stale_firing[4]
        assert len(events(dsn, fp)) == 3  # the target's alert saw nothing of it

        # the API tells the same story
        got = api_get(s, "/v1/targets", "/v1/alerts", f"/v1/alerts/{fp}")
        (t,) = got["/v1/targets"].json()["targets"]
        assert (t["id"], t["status"], t["actual"]) == (TARGET_ID, "on_track", a_ahead + b)
        assert t["expected"] == pytest.approx(expected_at(target, datetime.now(UTC)), rel=1e-3)
        assert t["projection"] is not None and t["open_alerts"] == 0
        assert {c["source"] for c in t["contributors"]} == {"op-a", "op-b"}
        open_alerts = got["/v1/alerts"].json()["alerts"]
        assert [(x["kind"], x["series"], x["state"]) for x in open_alerts] == [
            ("stale_feed", "air.pm25/it-silent", "firing")
        ]
        detail = got[f"/v1/alerts/{fp}"].json()
        assert detail["state"] == "resolved" and detail["target"] == TARGET_ID
        assert [(h["from_state"], h["to_state"]) for h in detail["history"]] == [
            ("inactive", "pending"),
            ("pending", "firing"),
            ("firing", "resolved"),
        ]
        assert detail["explanation"]["target"]["text"] == target.source_text
        assert detail["explanation"]["feed"]["last_seen"] is not None
        assert "is on track" in detail["explanation"]["summary"]

        # the engine's metrics, as of its next tick
        url = f"http://127.0.0.1:{engine.port}/metrics"

        def metrics() -> str:
            return httpx.get(url, timeout=5).text

        wait_for(lambda: 'ontrack_targets{status="on_track"} 1.0' in metrics(), 10, "a tick")
        text = metrics()
        assert 'ontrack_alerts{severity="ticket",state="firing"} 1.0' in text
        assert 'ontrack_alerts{severity="page",state="resolved"} 1.0' in text
        # the station (silent for the test's rule, not yet for its hourly cadence) is
        # counted with its indicator's series, without a label of its own
        assert 'ontrack_feed_series{indicator="air.pm25",state="fresh"} 1.0' in text
        assert 'ontrack_feed_oldest_silence_seconds{indicator="air.pm25"}' in text
        assert 'source="it-silent"' not in text
    finally:
        producer.close()
    assert engine.stop() == 0, engine.tail()

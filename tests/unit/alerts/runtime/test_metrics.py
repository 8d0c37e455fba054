"""Engine metrics on a fresh registry: evaluations, checks, transitions, targets, feeds."""

from __future__ import annotations

from datetime import timedelta

from prometheus_client import CollectorRegistry

from services.alerts.engine.evaluate import evaluate
from services.alerts.engine.inputs import Snapshot
from services.alerts.runtime.metrics import EngineMetrics
from tests.unit.alerts.factories import (
    T0,
    expected,
    off_rule,
    series,
    stale_rule,
    stock_input,
    stock_target,
)


def test_an_evaluation_is_counted() -> None:
    registry = CollectorRegistry()
    m = EngineMetrics.create(registry, clock=lambda: T0.timestamp())
    now = T0
    snap = Snapshot(
        now,
        (stock_input(expected(stock_target(), now) * 0.8, now),),
        (
            series("st-1", seen=now - timedelta(hours=7)),
            series("st-2", seen=now - timedelta(hours=1)),
        ),
    )
    out = evaluate(snap, [off_rule(for_=timedelta(0)), stale_rule()], {})
    m.evaluated("tick", snap, out, 0.25, T0.timestamp())
    m.alert_counts([("firing", "page", 1), ("firing", "ticket", 1)])
    get = registry.get_sample_value
    assert get("ontrack_rule_evaluation_duration_seconds_count", {"trigger": "tick"}) == 1
    assert get("ontrack_rule_evaluation_duration_seconds_count", {"trigger": "event"}) == 0
    assert get("ontrack_alert_evaluations_total", {"trigger": "tick"}) == 1
    assert get("ontrack_target_evaluations_total") == 1
    assert get("ontrack_rule_evaluations_total", {"kind": "off_trajectory"}) == 1
    assert get("ontrack_rule_evaluations_total", {"kind": "stale_feed"}) == 2
    assert get("ontrack_alert_transitions_total", {"to_state": "pending"}) == 2
    assert get("ontrack_alert_transitions_total", {"to_state": "firing"}) == 2
    assert get("ontrack_alert_transitions_total", {"to_state": "resolved"}) == 0
    assert get("ontrack_targets", {"status": "off_track"}) == 1
    assert get("ontrack_targets", {"status": "on_track"}) == 0
    assert get("ontrack_alerts", {"state": "firing", "severity": "page"}) == 1
    assert get("ontrack_alerts", {"state": "pending", "severity": "page"}) == 0
    assert get("ontrack_alert_last_evaluation_timestamp_seconds") == T0.timestamp()
    pm25 = {"indicator": "air.pm25"}
    assert get("ontrack_feed_series", {**pm25, "state": "silent"}) == 1  # st-1, 7 cadences
    assert get("ontrack_feed_series", {**pm25, "state": "late"}) == 0
    assert get("ontrack_feed_series", {**pm25, "state": "fresh"}) == 1  # st-2
    assert get("ontrack_feed_oldest_silence_seconds", pm25) == 7 * 3600
    assert get("ontrack_feed_cadence_seconds", pm25) == 3600


def test_a_partial_evaluation_leaves_feeds_and_target_counts_alone() -> None:
    registry = CollectorRegistry()
    m = EngineMetrics.create(registry, clock=lambda: T0.timestamp())
    snap = Snapshot(T0, (), (series("st-9"),), complete=False)
    m.evaluated("event", snap, evaluate(snap, [stale_rule()], {}), 0.01, T0.timestamp())
    get = registry.get_sample_value
    assert get("ontrack_alert_evaluations_total", {"trigger": "event"}) == 1
    assert get("ontrack_feed_series", {"indicator": "air.pm25", "state": "fresh"}) is None
    assert get("ontrack_feed_oldest_silence_seconds", {"indicator": "air.pm25"}) is None


STATES = ("fresh", "late", "silent")


def test_feeds_are_counted_by_state_at_the_scrape_not_per_series() -> None:
    now = [T0.timestamp()]
    registry = CollectorRegistry()
    m = EngineMetrics.create(registry, clock=lambda: now[0])
    ages = {"st-a": 0.5, "st-b": 1.5, "st-c": 2.0, "st-d": 3.0, "st-e": 3.5}  # in cadences
    snap = Snapshot(T0, (), tuple(series(s, seen=T0 - timedelta(hours=h)) for s, h in ages.items()))
    m.evaluated("tick", snap, evaluate(snap, [stale_rule()], {}), 0.1, T0.timestamp())
    get = registry.get_sample_value

    def states() -> tuple[float | None, ...]:
        pm25 = {"indicator": "air.pm25"}
        return tuple(get("ontrack_feed_series", {**pm25, "state": s}) for s in STATES)

    assert states() == (2, 2, 1)  # fresh within 1.5 cadences, late within 3, silent beyond
    now[0] += 3600  # an hour later, without an evaluation: every series an hour older
    assert states() == (1, 2, 2)
    assert get("ontrack_feed_oldest_silence_seconds", {"indicator": "air.pm25"}) == 4.5 * 3600
    names = {s.name for family in registry.collect() for s in family.samples}
    assert "ontrack_feed_freshness_seconds" not in names
    sources = {s.labels.get("source") for family in registry.collect() for s in family.samples}
    assert sources == {None}  # no metric has a label per series

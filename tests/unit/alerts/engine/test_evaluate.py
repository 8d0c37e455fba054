"""judge + advance: a target drifting off and back, idempotency, met targets, retirement."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest

from services.alerts.engine.evaluate import AlertRecord, Outcome, advance, evaluate, judge
from services.alerts.engine.inputs import Snapshot
from services.alerts.engine.lifecycle import State
from services.alerts.rules import Rule
from services.alerts.snapshot.universe import load_universe
from services.bench.evaluation import synthetic_snapshot
from services.indicators.plans.model import Baseline, ReportedMet, Target
from services.settings import Settings
from tests.unit.alerts.factories import (
    T0,
    expected,
    off_rule,
    series,
    stale_rule,
    stock_input,
    stock_target,
)

IN, P, F, R = State.INACTIVE, State.PENDING, State.FIRING, State.RESOLVED
TARGET = stock_target()


def on(factor: float, seconds: float) -> Snapshot:
    """The stock read at ``factor`` × its trajectory, ``seconds`` after T0."""
    now = T0 + timedelta(seconds=seconds)
    value = expected(TARGET, now) * factor
    return Snapshot(now, (stock_input(value, now - timedelta(seconds=0.5)),))


def run(steps: list[Snapshot], rules: list[Rule]) -> tuple[list[Outcome], dict[str, AlertRecord]]:
    priors: dict[str, AlertRecord] = {}
    outcomes = []
    for snapshot in steps:
        out = evaluate(snapshot, rules, priors)
        priors.update({a.fingerprint: a for a in out.alerts})
        outcomes.append(out)
    return outcomes, priors


@pytest.mark.parametrize(
    ("factors", "edges"),
    [
        # on track the whole time: no alert is ever kept
        ([1.0, 1.0, 1.0], []),
        # falls 20 % behind: pending at once, firing once `for` (3 s) has passed
        ([1.0, 0.8, 0.8, 0.8], [(1, IN, P), (3, P, F)]),
        # recovers before `for`: pending then back to inactive, never firing
        ([0.8, 1.0, 0.8], [(0, IN, P), (1, P, IN), (2, IN, P)]),
        # in the band (3 % behind, between 2.5 and 5): a firing alert stays firing
        ([0.8, 0.8, 0.8, 0.97, 0.97], [(0, IN, P), (2, P, F)]),
        # ahead again: resolved
        ([0.8, 0.8, 0.8, 1.05], [(0, IN, P), (2, P, F), (3, F, R)]),
    ],
)
def test_a_target_drifting_off_and_back(
    factors: list[float], edges: list[tuple[int, State, State]]
) -> None:
    steps = [on(f, seconds=2 * i) for i, f in enumerate(factors)]  # every 2 s
    outcomes, _ = run(steps, [off_rule()])
    seen = [
        (i, t.from_state, t.to_state) for i, out in enumerate(outcomes) for t in out.transitions
    ]
    assert seen == edges
    for out in outcomes:
        for t in out.transitions:
            assert t.at == out.now


def test_an_evaluation_repeated_at_the_same_instant_changes_nothing() -> None:
    rules = [off_rule(for_=timedelta(0))]
    first = evaluate(on(0.8, 0), rules, {})
    assert [t.to_state for t in first.transitions] == [P, F]
    priors = {a.fingerprint: a for a in first.alerts}
    again = evaluate(on(0.8, 0), rules, priors)
    assert again.transitions == ()
    assert [a.state for a in again.alerts] == [a.state for a in first.alerts]


def test_the_status_explains_actual_expected_gap_and_projection() -> None:
    out = evaluate(on(0.8, 0), [off_rule()], {})
    (status,) = out.statuses
    a = status.assessment
    assert a.status == "off_track"
    assert a.actual == pytest.approx(0.8 * expected(TARGET, T0), rel=1e-6)
    assert a.shortfall_pct == pytest.approx(20.0, abs=0.1)
    ex = status.explanation
    assert ex["target"]["clause"] == "003 · (五)"
    assert ex["gap"]["pct"] == pytest.approx(-20.0, abs=0.1)
    assert ex["projection"]["value"] >= a.actual
    assert "stations/month needed" in ex["pace"]["text"]
    assert ex["feed"]["stale"] is False
    assert "off track" in ex["summary"] and "expected" in ex["summary"]


def test_an_alert_carries_its_annotations_and_explanation() -> None:
    out = evaluate(on(0.8, 0), [off_rule()], {})
    (alert,) = out.alerts
    assert alert.kind == "off_trajectory" and alert.severity == "page"
    assert alert.subject == TARGET.id
    assert alert.annotations["summary"].startswith(f"{TARGET.id} is 20.0 % behind (")
    assert alert.explanation["rule"]["tolerance_pct"] == 5.0
    assert alert.explanation["rule"]["for"] == "3s"
    assert alert.explanation["signal"]["breaching"] is True
    assert alert.state.labels["target"] == TARGET.id


@pytest.mark.parametrize(
    ("target", "value"),
    [
        # the plan reports it reached, and the data agrees
        (replace(TARGET, reported_met=ReportedMet(date(2026, 6, 30), 40_000.0)), 40_100.0),
        # a stock at its target value before the deadline
        (TARGET, 40_000.0),
        # the baseline already satisfies the target
        (replace(TARGET, baseline=Baseline(value=41_000.0, date=date(2025, 12, 31))), 41_000.0),
    ],
)
def test_a_met_target_is_never_an_alert(target: Target, value: float) -> None:
    snap = Snapshot(T0, (stock_input(value, T0 - timedelta(hours=1), target),))
    rules = [off_rule(for_=timedelta(0)), off_rule(id="strict", tolerance_pct=0.1, recover_pct=0.0)]
    out = evaluate(snap, rules, {})
    assert out.statuses[0].assessment.status == "met"
    assert out.checks == 2
    assert out.alerts == () and out.transitions == ()


def test_a_firing_alert_resolves_at_once_when_its_target_is_met() -> None:
    rule = off_rule(for_=timedelta(0), recover_for=timedelta(days=7))
    first = evaluate(on(0.8, 0), [rule], {})
    assert [t.to_state for t in first.transitions] == [P, F]
    now = T0 + timedelta(minutes=1)
    met = Snapshot(now, (stock_input(40_500.0, now - timedelta(seconds=1)),))
    out = evaluate(met, [rule], {a.fingerprint: a for a in first.alerts})
    assert out.statuses[0].assessment.status == "met"
    assert [(t.from_state, t.to_state, t.reason) for t in out.transitions] == [(F, R, "target met")]


def test_a_missed_target_resolves_its_alerts_and_keeps_the_status() -> None:
    target = replace(TARGET, deadline=date(2026, 10, 31))
    rule = off_rule(for_=timedelta(0))
    before = T0 - timedelta(days=30)
    start = Snapshot(before, (stock_input(20_000.0, before - timedelta(hours=1), target),))
    first = evaluate(start, [rule], {})
    assert [t.to_state for t in first.transitions] == [P, F]
    late = Snapshot(T0, (stock_input(20_000.0, before - timedelta(hours=1), target),))
    out = evaluate(late, [rule], {a.fingerprint: a for a in first.alerts})
    assert out.statuses[0].assessment.status == "missed"
    (change,) = out.transitions
    assert change.to_state == R and "target missed" in change.reason


def test_no_data_neither_fires_nor_resolves() -> None:
    from services.indicators.target_data import TargetData

    empty = replace(stock_input(0.0, T0), data=TargetData())
    out = evaluate(Snapshot(T0, (empty,)), [off_rule(for_=timedelta(0))], {})
    assert out.statuses[0].assessment.status == "no_data"
    assert out.statuses[0].feed.stale is True
    assert out.alerts == ()


def test_stale_feed_is_kept_apart_from_off_track() -> None:
    now = T0
    silent = series("st-silent", seen=now - timedelta(hours=7))
    fresh = series("st-fresh", seen=now - timedelta(minutes=5))
    snap = Snapshot(now, (stock_input(expected(TARGET, now), now),), (silent, fresh))
    out = evaluate(snap, [off_rule(for_=timedelta(0)), stale_rule()], {})
    assert out.statuses[0].assessment.status == "on_track"
    (alert,) = out.alerts
    assert alert.kind == "stale_feed" and alert.subject == "air.pm25/st-silent"
    assert alert.state.state is F
    assert alert.annotations["summary"] == "no data from air.pm25/st-silent for 7h"
    assert alert.explanation["feed"]["silent_for"] == "7h"


def test_open_alerts_gone_from_the_configuration_are_retired_on_a_full_run_only() -> None:
    rule = off_rule(for_=timedelta(0))
    first = evaluate(on(0.8, 0), [rule, stale_rule()], {})
    priors = {a.fingerprint: a for a in first.alerts}
    later = T0 + timedelta(minutes=1)
    partial = Snapshot(later, (), complete=False)
    assert evaluate(partial, [rule], priors).transitions == ()
    full = Snapshot(later, ())
    out = evaluate(full, [rule], priors)
    assert [(t.from_state, t.to_state) for t in out.transitions] == [(F, R)]
    assert "not configured" in out.transitions[0].reason
    assert out.alerts[0].state.state is R and out.alerts[0].kind == "off_trajectory"


def test_judge_lists_the_fingerprints_to_load_and_advance_uses_them() -> None:
    rules = [off_rule(), off_rule(id="other", tolerance_pct=90.0, recover_pct=80.0)]
    j = judge(on(0.8, 0), rules)
    assert len(j.fingerprints) == len(set(j.fingerprints)) == 2
    out = advance(j, {})
    assert {a.state.rule_id for a in out.alerts} == {
        "off-trajectory"
    }  # "other" never left inactive
    assert out.checks_by_kind == {"off_trajectory": 2}


def test_rules_select_targets_by_labels() -> None:
    from services.alerts.rules import Selector

    air_only = off_rule(applies_to=Selector(families=("air",)), for_=timedelta(0))
    out = evaluate(on(0.8, 0), [air_only], {})
    assert out.checks == 0 and out.alerts == ()


def test_judging_with_the_stored_alerts_keeps_only_what_matters_and_changes_no_outcome() -> None:
    """``judge(..., known=stored)`` drops the quiet checks without alerts (known by rule and
    subject): every outcome
    (alerts, transitions, counts) is the one of the judgement that keeps them all."""
    s = Settings()
    u = load_universe(s.plans_dir, s.rules_dir, s.catalogue_path)
    snapshot = synthetic_snapshot(u, 3, T0 + timedelta(days=700))
    priors: dict[str, AlertRecord] = {}
    for step in (0, 60, 3600, 86400 * 2, 86400 * 40):
        at = replace(snapshot, now=snapshot.now + timedelta(seconds=step))
        every = judge(at, u.rules)
        quiet = judge(at, u.rules, known={(a.state.rule_id, a.subject) for a in priors.values()})
        assert len(quiet.checks) < len(every.checks)
        assert every.unkept == {}
        full, kept = advance(every, priors), advance(quiet, priors)
        assert kept == full
        priors.update({a.fingerprint: a for a in full.alerts})
    assert priors  # some alerts fired and were stepped on

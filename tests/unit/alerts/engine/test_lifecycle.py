from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.alerts.engine.conditions import (
    OffTrajectoryInput,
    Signal,
    StaleFeedInput,
    ThresholdInput,
    check_off_trajectory,
    check_stale_feed,
    check_threshold,
)
from services.alerts.engine.lifecycle import (
    ALLOWED_EDGES,
    ActionError,
    AlertState,
    State,
    Transition,
    acknowledge,
    fingerprint,
    resolve_manually,
    step,
)
from services.alerts.rules import (
    OffTrajectoryRule,
    Rule,
    Severity,
    StaleFeedRule,
    ThresholdRule,
)

T0 = datetime(2025, 1, 6, 8, 0, tzinfo=UTC)
IN, P, F, R = State.INACTIVE, State.PENDING, State.FIRING, State.RESOLVED
LABELS = {"series": "air.pm25/S01", "station": "S01", "indicator": "air.pm25"}


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def pm25_rule(for_min: float = 60, recover_for_min: float = 0) -> ThresholdRule:
    """PM2.5 hourly mean: breach above 150, recovered under 115, band in between."""
    return ThresholdRule(
        id="pm25-heavy",
        severity=Severity.PAGE,
        above=150,
        recover_below=115,
        for_=timedelta(minutes=for_min),
        recover_for=timedelta(minutes=recover_for_min),
        identify_by=("series",),
        labels={"team": "environment"},
    )


def pm25_signal(rule: ThresholdRule, value: float | None) -> Signal:
    return replace(check_threshold(rule, ThresholdInput(value)), labels=LABELS)


@dataclass
class Run:
    states: list[AlertState]
    transitions: list[Transition]

    @property
    def names(self) -> list[State]:
        return [s.state for s in self.states]

    @property
    def edges(self) -> list[tuple[float, State, State]]:
        return [
            ((t.at - T0).total_seconds() / 60, t.from_state, t.to_state) for t in self.transitions
        ]


def run(
    rule: Rule, inputs: Sequence[tuple[datetime, Signal]], state: AlertState | None = None
) -> Run:
    states, transitions = [], []
    for now, signal in inputs:
        state, changes = step(state, signal, rule, now)
        states.append(state)
        transitions += changes
    return Run(states, transitions)


def run_values(rule: ThresholdRule, values: Sequence[tuple[float, float | None]]) -> Run:
    return run(rule, [(at(m), pm25_signal(rule, v)) for m, v in values])


# --- the table -------------------------------------------------------------------------

CASES = [
    # (case, for (min), recover_for (min), [(minute, value)], states, [(minute, from, to)])
    (
        "breach held past `for` fires",
        60, 0,
        [(0, 160), (30, 170), (60, 165)],
        [P, P, F],
        [(0, IN, P), (60, P, F)],
    ),
    (
        "pending that clears before `for` goes back to inactive without firing",
        60, 0,
        [(0, 160), (30, 100), (45, 110)],
        [P, IN, IN],
        [(0, IN, P), (30, P, IN)],
    ),
    (
        "a later breach after clearing starts a new pending with a new active_at",
        60, 0,
        [(0, 160), (30, 100), (60, 160), (90, 160), (120, 160)],
        [P, IN, P, P, F],
        [(0, IN, P), (30, P, IN), (60, IN, P), (120, P, F)],
    ),
    (
        "flapping around the firing level inside the band: one firing, no resolve",
        60, 0,
        [(0, 160), (30, 140), (60, 160), (90, 140), (120, 151), (150, 149), (180, 160),
         (210, 116), (240, 155), (270, 120)],
        [P, P, F, F, F, F, F, F, F, F],
        [(0, IN, P), (60, P, F)],
    ),
    (
        "pending in the band fires only on a breach once `for` has elapsed",
        60, 0,
        [(0, 160), (70, 140), (80, 160)],
        [P, P, F],
        [(0, IN, P), (80, P, F)],
    ),
    (
        "`for` zero fires at once",
        0, 0,
        [(0, 140), (10, 160)],
        [IN, F],
        [(10, IN, P), (10, P, F)],
    ),
    (
        "recovery resolves at once by default; the band does not",
        0, 0,
        [(0, 160), (10, 140), (20, 120), (30, 100), (40, 140)],
        [F, F, F, R, R],
        [(0, IN, P), (0, P, F), (30, F, R)],
    ),
    (
        "recover_for needs recovery without a break",
        0, 30,
        [(0, 160), (10, 100), (20, 120), (30, 100), (50, 100), (60, 100)],
        [F, F, F, F, F, R],
        [(0, IN, P), (0, P, F), (60, F, R)],
    ),
    (
        "a breach during recovery restarts the streak",
        0, 30,
        [(0, 160), (10, 100), (30, 160), (35, 100), (50, 100), (65, 100)],
        [F, F, F, F, F, R],
        [(0, IN, P), (0, P, F), (65, F, R)],
    ),
    (
        "resolved then a new breach: pending, then firing again",
        30, 0,
        [(0, 160), (30, 160), (40, 100), (50, 140), (60, 160), (80, 160), (90, 160)],
        [P, F, R, R, P, P, F],
        [(0, IN, P), (30, P, F), (40, F, R), (60, R, P), (90, P, F)],
    ),
    (
        "missing data keeps every state",
        30, 0,
        [(0, None), (10, 160), (20, None), (40, 160), (50, None), (60, 100), (70, None)],
        [IN, P, P, F, F, R, R],
        [(10, IN, P), (40, P, F), (60, F, R)],
    ),
]  # fmt: skip


@pytest.mark.parametrize(
    ("for_min", "recover_min", "values", "states", "edges"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_lifecycle(
    for_min: float,
    recover_min: float,
    values: list[tuple[float, float | None]],
    states: list[State],
    edges: list[tuple[float, State, State]],
) -> None:
    rule = pm25_rule(for_min, recover_min)
    result = run_values(rule, values)
    assert result.names == states
    assert result.edges == edges
    assert len({s.fingerprint for s in result.states}) == 1


@pytest.mark.parametrize(
    ("for_min", "recover_min", "values"),
    [case[1:4] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_re_evaluating_the_same_moment_changes_nothing(
    for_min: float, recover_min: float, values: list[tuple[float, float | None]]
) -> None:
    rule = pm25_rule(for_min, recover_min)
    once = run_values(rule, values)
    twice = run_values(rule, [v for v in values for _ in (1, 2)])
    assert twice.transitions == once.transitions
    assert twice.states[1::2] == once.states


def test_an_older_evaluation_is_ignored() -> None:
    rule = pm25_rule(60)
    state, _ = step(None, pm25_signal(rule, 160), rule, at(30))
    again, changes = step(state, pm25_signal(rule, 100), rule, at(10))
    assert (again, changes) == (state, [])


def test_state_records_times_and_values() -> None:
    rule = pm25_rule(30, 10)
    result = run_values(rule, [(0, 160), (30, 170), (40, 100), (45, 100), (50, 90)])
    pending, firing, recovering, still, resolved = result.states
    assert pending.active_at == at(0) and pending.since == at(0) and pending.fired_at is None
    assert firing.fired_at == at(30) and firing.since == at(30) and firing.active_at == at(0)
    assert (recovering.recovering_since, recovering.recover_count) == (at(40), 1)
    assert (still.recover_count, still.state) == (2, F)
    assert resolved.resolved_at == at(50) and resolved.recover_count == 3
    assert resolved.last_value == 90 and resolved.last_eval == at(50)
    assert resolved.labels == {**LABELS, "team": "environment"}
    assert resolved.rule_id == "pm25-heavy"
    renewed = run(rule, [(at(60), pm25_signal(rule, 160))], resolved).states[0]
    assert renewed.state == P and renewed.active_at == at(60)
    assert renewed.fired_at is None and renewed.resolved_at is None


def test_transitions_carry_value_and_reason() -> None:
    rule = pm25_rule(0)
    first, fired = run_values(rule, [(0, 180)]).transitions
    assert fired == Transition(
        fingerprint=first.fingerprint,
        from_state=P,
        to_state=F,
        at=at(0),
        value=180,
        reason="180 > 150",
    )


# --- targets and feeds -----------------------------------------------------------------


def test_a_met_target_never_fires() -> None:
    rule = OffTrajectoryRule(
        id="off", severity=Severity.PAGE, tolerance_pct=5, recover_pct=2, for_=timedelta(0)
    )
    days = [T0 + timedelta(days=d) for d in range(60)]
    signals = [check_off_trajectory(rule, OffTrajectoryInput(95.0, "met")) for _ in days]
    result = run(rule, list(zip(days, signals, strict=True)))
    assert result.transitions == []
    assert set(result.names) == {IN}


def test_a_firing_target_resolves_once_met() -> None:
    rule = OffTrajectoryRule(id="off", severity=Severity.PAGE, tolerance_pct=5, recover_pct=2)
    behind = check_off_trajectory(rule, OffTrajectoryInput(12.0, "behind"))
    met = check_off_trajectory(rule, OffTrajectoryInput(12.0, "met"))
    result = run(rule, [(at(0), behind), (at(1), met)])
    assert result.names == [F, R]


def test_stale_feed_fires_after_cadence_times_multiplier_and_resolves_when_data_returns() -> None:
    rule = StaleFeedRule(id="stale", multiplier=3, identify_by=("series",))
    cadence = timedelta(hours=1)
    last_seen = {m: at(0) for m in range(0, 300, 30)} | {300: at(295), 330: at(325)}
    inputs = [
        (
            at(m),
            replace(check_stale_feed(rule, StaleFeedInput(seen, cadence, at(m))), labels=LABELS),
        )
        for m, seen in sorted(last_seen.items())
    ]
    result = run(rule, inputs)
    assert result.edges == [(210, IN, P), (210, P, F), (300, F, R)]
    assert result.names[-1] == R
    assert result.transitions[1].reason == "no data for 3h30m (limit 3h)"


# --- fingerprints ----------------------------------------------------------------------


def test_fingerprint_is_stable() -> None:
    labels = {"target": "port.teu.2025", "team": "x"}
    assert fingerprint("off-trajectory-page", labels, ["target"]) == "44bb7f6304b3d94a"
    assert fingerprint("stale-feed", {"station": "S01", "series": "air.pm25/S01"}) == (
        "667eeb1bfcf1c729"
    )


@pytest.mark.parametrize(
    ("a", "b", "identify_by", "same"),
    [
        ({"x": "1", "y": "2"}, {"y": "2", "x": "1"}, None, True),
        ({"x": "1", "name": "a"}, {"x": "1", "name": "b"}, ["x"], True),
        ({"x": "1", "name": "a"}, {"x": "1", "name": "b"}, None, False),
        ({"x": "1"}, {"x": "2"}, ["x"], False),
        ({"x": "1"}, {"x": "1", "y": ""}, None, False),
        ({"a": "b=c"}, {"a=b": "c"}, None, False),
    ],
)
def test_fingerprint_identity(
    a: dict[str, str], b: dict[str, str], identify_by: list[str] | None, same: bool
) -> None:
    left, right = fingerprint("r", a, identify_by), fingerprint("r", b, identify_by)
    assert (left == right) is same
    assert len(left) == 16 and int(left, 16) >= 0
    assert fingerprint("other", a, identify_by) != left


def test_fingerprint_ignores_non_identifying_labels_across_steps() -> None:
    rule = pm25_rule(0)
    renamed = replace(pm25_signal(rule, 160), labels={**LABELS, "station_name": "Licang"})
    first = run_values(rule, [(0, 160)]).states[-1]
    second, _ = step(first, renamed, rule, at(10))
    assert second.fingerprint == first.fingerprint
    assert second.labels["station_name"] == "Licang"


def test_a_signal_for_another_alert_is_refused() -> None:
    rule = pm25_rule(0)
    state = run_values(rule, [(0, 160)]).states[-1]
    other = replace(pm25_signal(rule, 160), labels={**LABELS, "series": "air.pm25/S02"})
    with pytest.raises(ValueError, match="given to alert"):
        step(state, other, rule, at(10))


def test_naive_now_is_refused() -> None:
    rule = pm25_rule(0)
    with pytest.raises(ValueError, match="timezone"):
        step(None, pm25_signal(rule, 160), rule, datetime(2025, 1, 1))


# --- manual actions --------------------------------------------------------------------


def firing_alert(rule: ThresholdRule) -> AlertState:
    state = run_values(rule, [(0, 160)]).states[-1]
    assert state.state == F
    return state


def test_acknowledge_is_a_flag_cleared_by_a_new_episode() -> None:
    rule = pm25_rule(0)
    acked = acknowledge(firing_alert(rule), "duty-officer", "looking at S01", at(5))
    assert acked.state == F
    assert (acked.acked_by, acked.acked_at, acked.ack_note) == (
        "duty-officer",
        at(5),
        "looking at S01",
    )
    later = run(rule, [(at(m), pm25_signal(rule, v)) for m, v in [(10, 160), (20, 100)]], acked)
    assert later.states[-1].acked_by == "duty-officer"
    again = run(rule, [(at(30), pm25_signal(rule, 170))], later.states[-1]).states[-1]
    assert again.state == F and again.acked_by is None and again.acked_at is None


@pytest.mark.parametrize(
    ("values", "by"),
    [([(0, 100)], "duty-officer"), ([(0, 160), (10, 100)], "duty-officer"), ([(0, 160)], " ")],
    ids=["inactive", "resolved", "nobody"],
)
def test_acknowledge_refused(values: list[tuple[float, float]], by: str) -> None:
    state = run_values(pm25_rule(0), values).states[-1]
    with pytest.raises(ActionError):
        acknowledge(state, by, "", at(20))


def test_manual_resolve_holds_until_the_breach_ends() -> None:
    rule = pm25_rule(0)
    resolved, changes = resolve_manually(firing_alert(rule), "duty-officer", "known outage", at(5))
    assert resolved.state == R and resolved.resolved_by == "duty-officer"
    assert [(c.from_state, c.to_state, c.actor) for c in changes] == [(F, R, "duty-officer")]
    assert changes[0].reason == "resolved by duty-officer: known outage"
    assert changes[0].value == 160
    after = run(
        rule,
        [(at(m), pm25_signal(rule, v)) for m, v in [(10, 170), (20, 200), (30, 140), (40, 160)]],
        resolved,
    )
    assert after.names == [R, R, R, F]
    assert [(t.from_state, t.to_state) for t in after.transitions] == [(R, P), (P, F)]


def test_manual_resolve_in_the_band_refires_on_the_next_breach() -> None:
    rule = pm25_rule(0)
    in_band = run(rule, [(at(10), pm25_signal(rule, 140))], firing_alert(rule)).states[-1]
    resolved, _ = resolve_manually(in_band, "duty-officer", "", at(15))
    assert step(resolved, pm25_signal(rule, 160), rule, at(20))[0].state == F


def test_manual_resolve_of_a_resolved_alert_changes_nothing() -> None:
    rule = pm25_rule(0)
    resolved, _ = resolve_manually(firing_alert(rule), "a", "", at(5))
    assert resolve_manually(resolved, "b", "", at(6)) == (resolved, [])


@pytest.mark.parametrize("values", [[(0, 100)], [(0, 160)]], ids=["inactive", "pending"])
def test_manual_resolve_refused_unless_firing(values: list[tuple[float, float]]) -> None:
    state = run_values(pm25_rule(60), values).states[-1]
    with pytest.raises(ActionError, match="only a firing alert"):
        resolve_manually(state, "duty-officer", "", at(5))


# --- properties ------------------------------------------------------------------------

_KINDS = st.sampled_from(["breach", "band", "recovered"])
_SIGNALS = {
    "breach": Signal(True, False, 1.0, "breach"),
    "band": Signal(False, False, 0.5, "band"),
    "recovered": Signal(False, True, 0.0, "recovered"),
}


@given(
    for_min=st.integers(0, 120),
    recover_min=st.integers(0, 60),
    events=st.lists(
        st.tuples(
            st.integers(0, 45), _KINDS, st.sampled_from([None, None, None, "ack", "resolve"])
        ),
        max_size=60,
    ),
)
def test_transitions_follow_allowed_edges(
    for_min: int, recover_min: int, events: list[tuple[int, str, str | None]]
) -> None:
    rule = pm25_rule(for_min, recover_min)
    state: AlertState | None = None
    now = T0
    for gap, kind, action in events:
        now += timedelta(minutes=gap)
        before = state
        state, changes = step(state, _SIGNALS[kind], rule, now)
        current = before.state if before is not None else IN
        for change in changes:
            assert change.from_state == current
            assert (change.from_state, change.to_state) in ALLOWED_EDGES
            assert change.at == now
            current = change.to_state
            if change.to_state == F:
                assert state.active_at is not None
                assert change.at - state.active_at >= rule.for_
                assert kind == "breach"
            if change.to_state == R:
                assert state.recovering_since is not None
                assert change.at - state.recovering_since >= rule.recover_for
        assert current == state.state
        assert step(state, _SIGNALS[kind], rule, now) == (state, [])
        state = _act(state, action, now)


def _act(state: AlertState, action: str | None, now: datetime) -> AlertState:
    if action == "ack" and state.state in (P, F):
        return acknowledge(state, "duty-officer", "", now)
    if action == "resolve" and state.state == F:
        resolved, changes = resolve_manually(state, "duty-officer", "", now)
        assert [(c.from_state, c.to_state) for c in changes] == [(F, R)]
        return resolved
    return state

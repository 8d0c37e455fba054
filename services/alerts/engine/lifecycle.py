"""The alert lifecycle: a pure state machine over signals, plus manual actions.

::

    inactive ──breach──▶ pending ──breach, `for` elapsed since active_at──▶ firing
        ▲                  │                                                 │
        └────recovered─────┘               recovered continuously for `recover_for`
                                                                             ▼
                           pending ◀──────────new breach────────────── resolved

In the hysteresis band (neither breach nor recovered) every state is kept: a pending
alert keeps counting toward `for`, a firing one stays firing (and its recovery streak
restarts), so a value oscillating around the firing level cannot flap the alert.
``step`` is idempotent: an evaluation at or before ``last_eval`` changes nothing.

Acknowledgement is a flag on the state, not a state. A manually resolved alert fires
again only after a new breach, one that starts after the resolve.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from types import MappingProxyType

import orjson

from services.alerts.engine.conditions import Signal
from services.alerts.rules import Rule
from services.errors import OntrackError

__all__ = [
    "ALLOWED_EDGES",
    "ActionError",
    "AlertState",
    "State",
    "Transition",
    "acknowledge",
    "alert_fingerprint",
    "alert_labels",
    "fingerprint",
    "resolve_manually",
    "step",
]


class ActionError(OntrackError):
    """A manual action does not apply to the alert in its current state."""


class State(StrEnum):
    """Where an alert is in its lifecycle."""

    INACTIVE = "inactive"
    PENDING = "pending"
    FIRING = "firing"
    RESOLVED = "resolved"


ALLOWED_EDGES: frozenset[tuple[State, State]] = frozenset(
    {
        (State.INACTIVE, State.PENDING),
        (State.PENDING, State.INACTIVE),
        (State.PENDING, State.FIRING),
        (State.FIRING, State.RESOLVED),
        (State.RESOLVED, State.PENDING),
    }
)


def _no_labels() -> Mapping[str, str]:
    return MappingProxyType({})


@dataclass(frozen=True, kw_only=True)
class AlertState:
    """One alert: a rule applied to one target or series, and where it stands.

    ``since`` is when it entered ``state``; ``active_at`` when the current breach began;
    ``recover_count`` / ``recovering_since`` track the current streak of recovered
    evaluations while firing; ``breaching`` is whether the last evaluation breached;
    ``hold`` keeps a manually resolved alert resolved until its breach ends.
    """

    fingerprint: str
    rule_id: str
    labels: Mapping[str, str] = field(default_factory=_no_labels, hash=False)
    state: State = State.INACTIVE
    since: datetime
    active_at: datetime | None = None
    fired_at: datetime | None = None
    resolved_at: datetime | None = None
    last_value: float | None = None
    last_eval: datetime | None = None
    recover_count: int = 0
    recovering_since: datetime | None = None
    breaching: bool = False
    resolved_by: str | None = None
    hold: bool = False
    acked_by: str | None = None
    acked_at: datetime | None = None
    ack_note: str | None = None


@dataclass(frozen=True, kw_only=True)
class Transition:
    """A change of lifecycle state; ``actor`` is set when a person made it."""

    fingerprint: str
    from_state: State
    to_state: State
    at: datetime
    value: float | None
    reason: str
    actor: str | None = None


def fingerprint(
    rule_id: str, labels: Mapping[str, str], identify_by: Iterable[str] | None = None
) -> str:
    """A stable id for an alert: sha256 of the rule id and the sorted identifying labels
    (all labels unless ``identify_by`` names the keys), hex, first 16 characters.

    The hashed text is the compact JSON of ``[rule_id, [[key, value], ...]]`` (UTF-8, not
    ASCII-escaped).
    """
    keys = labels.keys() if identify_by is None else {k for k in identify_by if k in labels}
    identity = (rule_id, sorted([(key, str(labels[key])) for key in keys]))
    return hashlib.sha256(orjson.dumps(identity)).hexdigest()[:16]


def alert_labels(rule: Rule, labels: Mapping[str, str]) -> dict[str, str]:
    """The labels of an alert: the target's or series' labels, then the rule's over them."""
    return {**labels, **rule.labels}


def alert_fingerprint(rule: Rule, labels: Mapping[str, str]) -> str:
    """``fingerprint(rule.id, alert_labels(rule, labels), rule.identify_by)``, reading only
    the identifying labels."""
    if rule.identify_by is None:
        return fingerprint(rule.id, alert_labels(rule, labels))
    own = rule.labels
    picked = {
        k: own[k] if k in own else labels[k] for k in rule.identify_by if k in own or k in labels
    }
    return fingerprint(rule.id, picked)


def step(
    state: AlertState | None,
    signal: Signal,
    rule: Rule,
    now: datetime,
    *,
    key: str | None = None,
) -> tuple[AlertState, list[Transition]]:
    """Advance one alert by one evaluation; returns the new state and its transitions.

    ``key`` is the alert's fingerprint when the caller has already computed it from the
    rule and ``signal.labels``.
    """
    _require_aware(now)
    labels = alert_labels(rule, signal.labels)
    if key is None:
        key = fingerprint(rule.id, labels, rule.identify_by)
    if state is None:
        state = AlertState(fingerprint=key, rule_id=rule.id, since=now)
    elif state.fingerprint != key:
        raise ValueError(f"signal for alert {key} given to alert {state.fingerprint}")
    if state.last_eval is not None and now <= state.last_eval:
        return state, []
    new, transitions = _HANDLERS[state.state](state, signal, rule, now)
    seen = replace(
        new,
        labels=MappingProxyType(labels),
        last_value=signal.value,
        last_eval=now,
        breaching=signal.firing_condition,
    )
    return seen, transitions


_Handler = Callable[[AlertState, Signal, Rule, datetime], tuple[AlertState, list[Transition]]]


def _from_inactive(
    state: AlertState, signal: Signal, rule: Rule, now: datetime
) -> tuple[AlertState, list[Transition]]:
    if not signal.firing_condition:
        return state, []
    return _start_pending(state, signal, rule, now)


def _from_pending(
    state: AlertState, signal: Signal, rule: Rule, now: datetime
) -> tuple[AlertState, list[Transition]]:
    if signal.recovered_condition:
        cleared = replace(_without_ack(state), state=State.INACTIVE, since=now, active_at=None)
        return cleared, [_transition(state, cleared, signal)]
    return _maybe_fire(state, signal, rule, now)


def _from_firing(
    state: AlertState, signal: Signal, rule: Rule, now: datetime
) -> tuple[AlertState, list[Transition]]:
    if not signal.recovered_condition:
        return replace(state, recover_count=0, recovering_since=None), []
    streak_start = state.recovering_since or now
    recovering = replace(
        state, recover_count=state.recover_count + 1, recovering_since=streak_start
    )
    if now - streak_start < rule.recover_for:
        return recovering, []
    resolved = replace(recovering, state=State.RESOLVED, since=now, resolved_at=now)
    return resolved, [_transition(state, resolved, signal)]


def _from_resolved(
    state: AlertState, signal: Signal, rule: Rule, now: datetime
) -> tuple[AlertState, list[Transition]]:
    if state.hold:
        return replace(state, hold=signal.firing_condition), []
    if not signal.firing_condition:
        return state, []
    return _start_pending(state, signal, rule, now)


_HANDLERS: dict[State, _Handler] = {
    State.INACTIVE: _from_inactive,
    State.PENDING: _from_pending,
    State.FIRING: _from_firing,
    State.RESOLVED: _from_resolved,
}


def _start_pending(
    state: AlertState, signal: Signal, rule: Rule, now: datetime
) -> tuple[AlertState, list[Transition]]:
    pending = replace(
        _without_ack(state),
        state=State.PENDING,
        since=now,
        active_at=now,
        fired_at=None,
        resolved_at=None,
        resolved_by=None,
        recover_count=0,
        recovering_since=None,
    )
    fired, more = _maybe_fire(pending, signal, rule, now)
    return fired, [_transition(state, pending, signal), *more]


def _maybe_fire(
    state: AlertState, signal: Signal, rule: Rule, now: datetime
) -> tuple[AlertState, list[Transition]]:
    assert state.active_at is not None
    if not signal.firing_condition or now - state.active_at < rule.for_:
        return state, []
    firing = replace(state, state=State.FIRING, since=now, fired_at=now)
    return firing, [_transition(state, firing, signal)]


def _without_ack(state: AlertState) -> AlertState:
    return replace(state, acked_by=None, acked_at=None, ack_note=None)


def _transition(
    before: AlertState, after: AlertState, signal: Signal | None = None, actor: str | None = None
) -> Transition:
    return Transition(
        fingerprint=before.fingerprint,
        from_state=before.state,
        to_state=after.state,
        at=after.since,
        value=signal.value if signal else before.last_value,
        reason=signal.reason if signal else f"resolved by {actor}",
        actor=actor,
    )


def acknowledge(state: AlertState, by: str, note: str, now: datetime) -> AlertState:
    """Mark a pending or firing alert as being handled by ``by``; the latest ack wins."""
    _require_aware(now)
    _require_actor(by)
    if state.state not in (State.PENDING, State.FIRING):
        raise ActionError(
            f"alert {state.fingerprint} is {state.state}: only a pending or firing alert "
            "can be acknowledged"
        )
    return replace(state, acked_by=by, acked_at=now, ack_note=note)


def resolve_manually(
    state: AlertState, by: str, note: str, now: datetime
) -> tuple[AlertState, list[Transition]]:
    """Resolve a firing alert by hand; resolving a resolved one again changes nothing.

    The alert fires again only after a new breach: if the last evaluation breached, it
    holds until an evaluation that does not.
    """
    _require_aware(now)
    _require_actor(by)
    if state.state is State.RESOLVED:
        return state, []
    if state.state is not State.FIRING:
        raise ActionError(
            f"alert {state.fingerprint} is {state.state}: only a firing alert can be resolved"
        )
    resolved = replace(
        state,
        state=State.RESOLVED,
        since=now,
        resolved_at=now,
        resolved_by=by,
        hold=state.breaching,
    )
    change = replace(_transition(state, resolved, actor=by), reason=_resolve_reason(by, note))
    return resolved, [change]


def _resolve_reason(by: str, note: str) -> str:
    return f"resolved by {by}: {note}" if note else f"resolved by {by}"


def _require_aware(now: datetime) -> None:
    if now.utcoffset() is None:
        raise ValueError(f"naive datetime {now.isoformat()}: give it a timezone")


def _require_actor(by: str) -> None:
    if not by.strip():
        raise ActionError("say who acts: `by` is empty")

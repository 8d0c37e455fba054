"""One evaluation, pure: targets and series in, statuses, alert states and transitions out.

Two steps, so the caller can load exactly the alert states it needs in between::

    judgement = judge(snapshot, rules)                       # statuses + one check per
    priors = load(judgement.fingerprints)                    #   (rule, target or series)
    outcome = advance(judgement, priors)                     # lifecycle steps

``advance`` is idempotent: a second evaluation at the same ``now`` changes no state and
yields no transition. On a complete snapshot (a clock tick) open alerts whose rule,
target or series is gone are retired: pending ones go inactive, firing ones resolve.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, fields, replace
from datetime import datetime, timedelta
from types import MappingProxyType
from typing import Any

from services.alerts.conditions import Signal
from services.alerts.contrib import contributions
from services.alerts.explain import (
    Feed,
    feed_of,
    series_explanation,
    series_values,
    target_explanation,
    target_values,
)
from services.alerts.inputs import Snapshot, series_labels, target_labels
from services.alerts.lifecycle import AlertState, State, Transition, alert_labels, fingerprint, step
from services.alerts.rules import Rule, format_duration, matches, render_annotations
from services.alerts.signals import SERIES_KINDS, TARGET_KINDS, series_signal, target_signal
from services.indicators.assess import DEFAULT_THRESHOLDS, Assessment, Thresholds, assess
from services.indicators.plan_model import Target

__all__ = [
    "AlertRecord",
    "Check",
    "Judgement",
    "Outcome",
    "TargetStatus",
    "advance",
    "evaluate",
    "judge",
]

_OPEN = (State.PENDING, State.FIRING)


@dataclass(frozen=True, slots=True)
class TargetStatus:
    """Where one target stands at ``evaluated_at``, and its explanation."""

    target: Target
    family: str
    assessment: Assessment
    feed: Feed
    explanation: Mapping[str, Any]
    evaluated_at: datetime


@dataclass(frozen=True, slots=True)
class Check:
    """One rule applied to one target or series: its signal and what it says."""

    rule: Rule
    subject: str
    fingerprint: str
    signal: Signal
    values: Mapping[str, object]
    explanation: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Judgement:
    """Statuses and checks of one snapshot, before the lifecycle steps."""

    now: datetime
    statuses: tuple[TargetStatus, ...]
    checks: tuple[Check, ...]
    complete: bool

    @property
    def fingerprints(self) -> list[str]:
        return [c.fingerprint for c in self.checks]


@dataclass(frozen=True, slots=True)
class AlertRecord:
    """An alert as stored: its lifecycle state, what kind of rule made it, what it says."""

    state: AlertState
    kind: str
    severity: str
    subject: str
    annotations: Mapping[str, str]
    explanation: Mapping[str, Any]

    @property
    def fingerprint(self) -> str:
        return self.state.fingerprint


@dataclass(frozen=True, slots=True)
class Outcome:
    """What an evaluation changed: statuses, alerts (new or moved on) and transitions."""

    now: datetime
    statuses: tuple[TargetStatus, ...]
    alerts: tuple[AlertRecord, ...]
    transitions: tuple[Transition, ...]
    checks_by_kind: Mapping[str, int]

    @property
    def checks(self) -> int:
        """Rules evaluated against one target or series."""
        return sum(self.checks_by_kind.values())


def evaluate(
    snapshot: Snapshot,
    rules: Sequence[Rule],
    priors: Mapping[str, AlertRecord],
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
) -> Outcome:
    """``judge`` then ``advance`` in one call (``priors`` keyed by fingerprint)."""
    return advance(judge(snapshot, rules, thresholds), priors)


def judge(
    snapshot: Snapshot, rules: Sequence[Rule], thresholds: Thresholds = DEFAULT_THRESHOLDS
) -> Judgement:
    """Assess every target and compute every rule's signal for its targets and series."""
    now = snapshot.now
    target_rules = [r for r in rules if r.kind in TARGET_KINDS]
    series_rules = [r for r in rules if r.kind in SERIES_KINDS]
    statuses: list[TargetStatus] = []
    checks: list[Check] = []
    for inp in snapshot.targets:
        a = assess(inp.target, inp.data, now, thresholds)
        feed = feed_of(inp.data.last_seen, inp.cadence, now)
        explanation = target_explanation(inp, a, contributions(inp, now), feed)
        statuses.append(TargetStatus(inp.target, inp.family, a, feed, explanation, now))
        labels = target_labels(inp.target, inp.family)
        values: dict[str, object] | None = None
        for rule in target_rules:
            if matches(rule, labels):
                signal, applied = target_signal(rule, inp, a, now)
                values = values or target_values(inp, a, feed)
                checks.append(_check(applied, inp.target.id, labels, signal, values, explanation))
    for si in snapshot.series:
        labels = series_labels(si)
        chosen = [rule for rule in series_rules if matches(rule, labels)]
        if not chosen:
            continue
        feed = feed_of(si.last_seen, si.cadence, now)
        explanation = series_explanation(si, feed)
        values = series_values(si, feed)
        for rule in chosen:
            signal = series_signal(rule, si, now)
            checks.append(_check(rule, si.key, labels, signal, values, explanation))
    return Judgement(now, tuple(statuses), tuple(_unique(checks)), snapshot.complete)


def _check(
    rule: Rule,
    subject: str,
    labels: Mapping[str, str],
    signal: Signal,
    values: Mapping[str, object],
    explanation: Mapping[str, Any],
) -> Check:
    signal = replace(signal, labels=MappingProxyType(dict(labels)))
    key = fingerprint(rule.id, alert_labels(rule, labels), rule.identify_by)
    return Check(rule, subject, key, signal, values, explanation)


def _unique(checks: Iterable[Check]) -> Iterator[Check]:
    """One check per fingerprint (a rule identifying alerts too coarsely): a breach wins."""
    chosen: dict[str, Check] = {}
    for c in checks:
        seen = chosen.get(c.fingerprint)
        if seen is None or (c.signal.firing_condition and not seen.signal.firing_condition):
            chosen[c.fingerprint] = c
    return iter(chosen.values())


def advance(judgement: Judgement, priors: Mapping[str, AlertRecord]) -> Outcome:
    """Step every check's alert from its prior state; retire the gone ones on a full run."""
    now = judgement.now
    records: list[AlertRecord] = []
    transitions: list[Transition] = []
    for check in judgement.checks:
        prior = priors.get(check.fingerprint)
        state, moved = step(prior.state if prior else None, check.signal, check.rule, now)
        if prior is None and state.state is State.INACTIVE:
            continue  # never breached: nothing to keep
        records.append(_record(check, state))
        transitions += moved
    if judgement.complete:
        checked = set(judgement.fingerprints)
        for prior in priors.values():
            if prior.fingerprint not in checked and prior.state.state in _OPEN:
                retired, change = _retire(prior.state, now)
                records.append(replace(prior, state=retired))
                transitions.append(change)
    kinds = Counter(c.rule.kind for c in judgement.checks)
    return Outcome(now, judgement.statuses, tuple(records), tuple(transitions), dict(kinds))


def _record(check: Check, state: AlertState) -> AlertRecord:
    rule, signal = check.rule, check.signal
    values = {
        **check.values,
        "value": signal.value if signal.value is not None else "n/a",
        "reason": signal.reason,
        "active_at": state.active_at.isoformat() if state.active_at else "n/a",
        "rule": rule.id,
        "severity": str(rule.severity),
    }
    explanation = {
        **check.explanation,
        "rule": rule_params(rule),
        "signal": {
            "value": signal.value,
            "reason": signal.reason,
            "breaching": signal.firing_condition,
            "recovered": signal.recovered_condition,
        },
    }
    return AlertRecord(
        state=state,
        kind=rule.kind,
        severity=str(rule.severity),
        subject=check.subject,
        annotations=MappingProxyType(render_annotations(rule, values)),
        explanation=MappingProxyType(explanation),
    )


_SKIP = frozenset({"labels", "annotations", "applies_to", "except_", "source", "identify_by"})


def rule_params(rule: Rule) -> dict[str, Any]:
    """A rule's id, kind, severity, where it is defined and its parameters (JSON-ready)."""
    out: dict[str, Any] = {"id": rule.id, "kind": rule.kind, "severity": str(rule.severity)}
    out["defined_at"] = str(rule.source) if rule.source else None
    for f in fields(rule):
        if f.name in _SKIP or f.name in out:
            continue
        value = getattr(rule, f.name)
        key = "for" if f.name == "for_" else f.name
        out[key] = format_duration(value) if isinstance(value, timedelta) else value
    return out


def _retire(state: AlertState, now: datetime) -> tuple[AlertState, Transition]:
    """Close an open alert whose rule, target or series is no longer configured."""
    to = State.INACTIVE if state.state is State.PENDING else State.RESOLVED
    closed = replace(
        state,
        state=to,
        since=now,
        active_at=None if to is State.INACTIVE else state.active_at,
        resolved_at=now if to is State.RESOLVED else state.resolved_at,
        last_eval=now,
        breaching=False,
        recover_count=0,
        recovering_since=None,
        hold=False,
    )
    reason = "no longer evaluated: its rule, target or series is not configured any more"
    change = Transition(
        fingerprint=state.fingerprint,
        from_state=state.state,
        to_state=to,
        at=now,
        value=state.last_value,
        reason=reason,
    )
    return closed, change

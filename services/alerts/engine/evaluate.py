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
from collections.abc import Container, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from types import MappingProxyType
from typing import Any

from services.alerts.engine.conditions import Signal
from services.alerts.engine.contributors import contributions
from services.alerts.engine.explain import (
    Feed,
    feed_of,
    series_explanation,
    series_values,
    target_explanation,
    target_values,
)
from services.alerts.engine.inputs import (
    SeriesInput,
    Snapshot,
    TargetInput,
    series_labels,
    target_labels,
)
from services.alerts.engine.lifecycle import AlertState, State, Transition, alert_fingerprint, step
from services.alerts.engine.on_demand import Lazy
from services.alerts.engine.signals import (
    SERIES_KINDS,
    TARGET_KINDS,
    closed,
    series_signal,
    target_signal,
)
from services.alerts.rules import Chooser, Rule, render_annotations, tells_apart
from services.indicators.assess import (
    DEFAULT_THRESHOLDS,
    Assessment,
    Thresholds,
    assess_resolved,
)
from services.indicators.baseline import resolve_baseline
from services.indicators.plans import Target

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
    """One rule applied to one target or series: its signal and what it says.

    ``signal`` is the rule's signal as computed (without labels); ``labels`` are the
    target's or series' labels, which ``advance`` puts on it when it steps the alert.
    """

    rule: Rule
    subject: str
    fingerprint: str
    signal: Signal
    labels: Mapping[str, str]
    values: Mapping[str, object]
    explanation: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Judgement:
    """Statuses and checks of one snapshot, before the lifecycle steps."""

    now: datetime
    statuses: tuple[TargetStatus, ...]
    checks: tuple[Check, ...]
    complete: bool
    unkept: Mapping[str, int] = field(default_factory=dict)  # checks only counted, by kind

    @property
    def fingerprints(self) -> list[str]:
        return [c.fingerprint for c in self.checks]


def _no_annotations() -> Mapping[str, str]:
    return MappingProxyType({})


@dataclass(frozen=True, slots=True)
class AlertRecord:
    """An alert as stored: its lifecycle state, what kind of rule made it, what it says.

    ``annotations`` is what it said when it fired, kept as it was until it fires again (while
    pending: what it says now); ``latest_annotations`` what the latest evaluation says.
    """

    state: AlertState
    kind: str
    severity: str
    subject: str
    annotations: Mapping[str, str]
    explanation: Mapping[str, Any]
    latest_annotations: Mapping[str, str] = field(default_factory=_no_annotations)

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
    snapshot: Snapshot,
    rules: Sequence[Rule],
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
    *,
    known: Container[tuple[str, str]] | None = None,
) -> Judgement:
    """Assess every target and compute every rule's signal for its targets and series.

    ``known``: the (rule id, subject) of every stored alert. Given it, a check that does
    not breach and has no stored alert is counted but not kept (``advance`` would leave its
    alert inactive and store nothing), so a judgement of a million quiet series holds only
    the few checks that matter, and their fingerprints are not even computed. A rule that
    names its subject in its fingerprint (``identify_by``) has one alert per subject, so
    (rule, subject) tells whether one is stored; checks of other rules (subjects may share
    a fingerprint) are always kept.
    """
    now = snapshot.now
    target_rules = Chooser([r for r in rules if r.kind in TARGET_KINDS])
    series_rules = Chooser([r for r in rules if r.kind in SERIES_KINDS])
    statuses: list[TargetStatus] = []
    checks = _Checks(known)
    for inp in snapshot.targets:
        statuses.append(_target(inp, target_rules, now, thresholds, checks))
    for si in snapshot.series:
        _series(si, series_rules, now, checks)
    kept = tuple(_unique(checks.kept))
    return Judgement(now, tuple(statuses), kept, snapshot.complete, dict(checks.unkept))


class _Checks:
    """The checks of a judgement as they are made, and those only counted (see ``judge``)."""

    def __init__(self, known: Container[tuple[str, str]] | None) -> None:
        self.known = known
        self.kept: list[Check] = []
        self.unkept: Counter[str] = Counter()

    def quiet(self, rule: Rule, subject_label: str, subject: str) -> bool:
        """Whether a check of ``rule`` that does not breach is only counted (and count it)."""
        if (
            self.known is None
            or (rule.id, subject) in self.known
            or not tells_apart(rule, subject_label)
        ):
            return False
        self.unkept[rule.kind] += 1
        return True


def _target(
    given: TargetInput, rules: Chooser, now: datetime, thresholds: Thresholds, out: _Checks
) -> TargetStatus:
    """Assess one target and make a check per rule that applies to it.

    The placeholders of an alert's annotations (and, for a series, its explanation) are
    built only for the checks that are kept as alerts: most are never breached.
    """
    inp = _resolved(given)
    a = assess_resolved(inp.target, inp.data, now, thresholds)
    feed = feed_of(inp.data.last_seen, inp.cadence, now)
    explanation = target_explanation(inp, a, contributions(inp, now), feed)
    labels = target_labels(inp.target, inp.family)
    chosen = rules.choose(labels)
    if chosen:
        values = Lazy(target_values, inp, a, feed)
        subject = inp.target.id
        done = closed(a, inp.target, now)  # its signals recover and never breach
        for rule in chosen:
            if done and out.quiet(rule, "target", subject):
                continue
            signal, applied = target_signal(rule, inp, a, now)
            if not signal.firing_condition and out.quiet(applied, "target", subject):
                continue
            key = alert_fingerprint(applied, labels)
            out.kept.append(Check(applied, subject, key, signal, labels, values, explanation))
    return TargetStatus(given.target, inp.family, a, feed, explanation, now)


def _series(si: SeriesInput, rules: Chooser, now: datetime, out: _Checks) -> None:
    """Make a check per rule that applies to one series."""
    labels = series_labels(si)
    chosen = rules.choose(labels)
    subject = si.key
    kept = []
    for rule in chosen:
        signal = series_signal(rule, si, now)
        if signal.firing_condition or not out.quiet(rule, "series", subject):
            kept.append((rule, alert_fingerprint(rule, labels), signal))
    if not kept:
        return
    feed = feed_of(si.last_seen, si.cadence, now)
    explanation = Lazy(series_explanation, si, feed)
    values = Lazy(series_values, si, feed)
    lazy_labels = Lazy(series_labels, si)
    for rule, key, signal in kept:
        out.kept.append(Check(rule, subject, key, signal, lazy_labels, values, explanation))


def _resolved(inp: TargetInput) -> TargetInput:
    """``inp`` with its baseline taken from its data when the plan asks for that: resolved
    once here rather than by each of assess, signals and contributions."""
    target = resolve_baseline(inp.target, inp.data)
    if target is inp.target:
        return inp
    return TargetInput(
        target, inp.family, inp.data, inp.cadence, inp.combine, inp.hourly, inp.sources
    )


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
        if prior is None and not check.signal.firing_condition:
            continue  # never breached and not breaching: stays inactive, nothing to keep
        state, moved = step(
            prior.state if prior else None, _labelled(check), check.rule, now, key=check.fingerprint
        )
        if prior is None and state.state is State.INACTIVE:
            continue  # never breached: nothing to keep
        records.append(_kept_words(_record(check, state), prior, moved))
        transitions += moved
    if judgement.complete:
        checked = set(judgement.fingerprints)
        for prior in priors.values():
            if prior.fingerprint not in checked and prior.state.state in _OPEN:
                retired, change = _retire(prior.state, now)
                records.append(replace(prior, state=retired))
                transitions.append(change)
    kinds = Counter(c.rule.kind for c in judgement.checks) + Counter(judgement.unkept)
    return Outcome(now, judgement.statuses, tuple(records), tuple(transitions), dict(kinds))


def _labelled(check: Check) -> Signal:
    """The check's signal, about the target or series its labels name."""
    s = check.signal
    labels = MappingProxyType(dict(check.labels))
    return Signal(s.firing_condition, s.recovered_condition, s.value, s.reason, labels)


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
        "rule": dict(rule.params),
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


_SAID = (State.FIRING, State.RESOLVED)


def _kept_words(
    record: AlertRecord, prior: AlertRecord | None, moved: Sequence[Transition]
) -> AlertRecord:
    """``record`` keeping what the alert said when it fired: from its firing until it fires
    again, its annotations are those of that instant; the latest evaluation's stand beside."""
    now_said = record.annotations
    fired_now = any(t.to_state is State.FIRING for t in moved)
    keep = (
        prior is not None
        and not fired_now
        and record.state.state in _SAID
        and prior.state.state in _SAID
        and bool(prior.annotations)
    )
    said = prior.annotations if keep and prior is not None else now_said
    return replace(record, annotations=said, latest_annotations=now_said)


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

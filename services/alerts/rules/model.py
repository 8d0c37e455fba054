"""Alert rules as frozen values: the five rule kinds, severities, selectors, annotations.

Each rule checks its own invariants when made (a recovery level on the safe side of the
firing level, a short window shorter than the long one...) and raises
:class:`~services.alerts.rules.errors.InvalidRule` with the key path and the fix.
"""

from __future__ import annotations

import fnmatch
import string
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from datetime import timedelta
from enum import StrEnum
from functools import cached_property
from types import MappingProxyType
from typing import Any, ClassVar, Self, TypeAlias

from services.alerts.rules.durations import format_duration
from services.alerts.rules.errors import InvalidRule

__all__ = [
    "KINDS",
    "BurnRateRule",
    "NoDataRule",
    "OffTrajectoryRule",
    "ProjectedMissRule",
    "Rule",
    "RuleSource",
    "Selector",
    "Severity",
    "StaleFeedRule",
    "ThresholdRule",
    "matches",
    "render_annotations",
    "tells_apart",
]


class Severity(StrEnum):
    """How loudly an alert speaks: ``page`` wakes someone, ``ticket`` waits for work hours."""

    PAGE = "page"
    TICKET = "ticket"
    INFO = "info"


def _no_labels() -> Mapping[str, str]:
    return MappingProxyType({})


@dataclass(frozen=True, kw_only=True)
class Selector:
    """Which targets or series a rule applies to; every field given must match (empty = any).

    Values are shell-style patterns (``air.*``) compared with the labels ``indicator``,
    ``family``, ``target``, ``kind`` and ``scope``; ``labels`` matches any other label.
    """

    indicators: tuple[str, ...] = ()
    families: tuple[str, ...] = ()
    targets: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    scope: tuple[str, ...] = ()
    labels: Mapping[str, str] = field(default_factory=_no_labels, hash=False)


@dataclass(frozen=True)
class RuleSource:
    """Where a rule was defined."""

    file: str
    line: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


_NOT_PARAMS = frozenset({"labels", "annotations", "applies_to", "except_", "source", "identify_by"})


@dataclass(frozen=True, kw_only=True)
class _RuleBase:
    """Fields every rule has. ``for_`` is the YAML ``for``: how long a breach must last."""

    kind: ClassVar[str]
    id: str
    severity: Severity
    applies_to: Selector = Selector()
    except_: Selector | None = None  # the YAML ``except``: what the rule leaves to other rules
    labels: Mapping[str, str] = field(default_factory=_no_labels, hash=False)
    annotations: Mapping[str, str] = field(default_factory=_no_labels, hash=False)
    identify_by: tuple[str, ...] | None = None
    for_: timedelta = timedelta(0)
    recover_for: timedelta = timedelta(0)
    source: RuleSource | None = field(default=None, compare=False)

    @cached_property
    def params(self) -> Mapping[str, Any]:
        """The rule's id, kind, severity, where it is defined and its parameters (JSON-ready),
        worked out once per rule: every kept alert of the rule carries them."""
        out: dict[str, Any] = {"id": self.id, "kind": self.kind, "severity": str(self.severity)}
        out["defined_at"] = str(self.source) if self.source else None
        for f in fields(self):
            if f.name in _NOT_PARAMS or f.name in out:
                continue
            value = getattr(self, f.name)
            key = "for" if f.name == "for_" else f.name
            out[key] = format_duration(value) if isinstance(value, timedelta) else value
        return MappingProxyType(out)

    @cached_property
    def without_recovery_delay(self) -> Self:
        """This rule with ``recover_for`` 0 (a closed target's alerts resolve at once), made
        once per rule: copying a rule costs more than looking it up."""
        return replace(self, recover_for=timedelta(0))

    def __post_init__(self) -> None:
        for key, value in (("for", self.for_), ("recover_for", self.recover_for)):
            if value < timedelta(0):
                raise InvalidRule([key], f"`{key}` is negative", "write a positive duration")
        for name, template in self.annotations.items():
            _check_template(name, template)


@dataclass(frozen=True, kw_only=True)
class _TargetRule(_RuleBase):
    """A rule about targets. ``deadline_within``: judge only targets whose deadline is at
    most this far away — a page means somebody must act this week, so a page rule leaves
    risks years ahead to the ticket rules."""

    deadline_within: timedelta | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.deadline_within is not None and self.deadline_within <= timedelta(0):
            raise InvalidRule(["deadline_within"], "`deadline_within` is not positive", "e.g. 183d")

    def waits(self, left: timedelta) -> bool:
        """Whether a target with ``left`` until its deadline is too far off for this rule."""
        return self.deadline_within is not None and left > self.deadline_within


@dataclass(frozen=True, kw_only=True)
class OffTrajectoryRule(_TargetRule):
    """Shortfall versus the trajectory above ``tolerance_pct``; recovers below ``recover_pct``."""

    kind: ClassVar[str] = "off_trajectory"
    tolerance_pct: float
    recover_pct: float

    def __post_init__(self) -> None:
        super().__post_init__()
        if not self.recover_pct < self.tolerance_pct:
            raise InvalidRule(
                ["recover_pct"],
                f"recover_pct {self.recover_pct:g} is not below tolerance_pct "
                f"{self.tolerance_pct:g}",
                "set recover_pct below tolerance_pct, e.g. half of it",
            )


@dataclass(frozen=True, kw_only=True)
class ProjectedMissRule(_TargetRule):
    """Probability of meeting the target under ``below``; recovers above ``recover_above``."""

    kind: ClassVar[str] = "projected_miss"
    below: float
    recover_above: float

    def __post_init__(self) -> None:
        super().__post_init__()
        if not self.recover_above > self.below:
            raise InvalidRule(
                ["recover_above"],
                f"recover_above {self.recover_above:g} is not above below {self.below:g}",
                "set recover_above higher than below, e.g. below + 0.2",
            )


_WINDOWS_FIX = "make short shorter than long, e.g. short: 7d and long: 30d"


@dataclass(frozen=True, kw_only=True)
class BurnRateRule(_TargetRule):
    """Burn rate at least ``factor`` in both windows; recovers when the short one drops.

    See :func:`services.alerts.engine.conditions.burn_rate` for the definition of burn rate.
    ``recover_factor`` defaults to ``factor``.
    """

    kind: ClassVar[str] = "burn_rate"
    short: timedelta
    long: timedelta
    factor: float
    recover_factor: float | None = None

    @property
    def recovery_factor(self) -> float:
        """The short-window burn rate under which the alert counts as recovered."""
        return self.factor if self.recover_factor is None else self.recover_factor

    def __post_init__(self) -> None:
        super().__post_init__()
        if not timedelta(0) < self.short < self.long:
            raise InvalidRule(["short"], "`short` is not shorter than `long`", _WINDOWS_FIX)
        if self.recovery_factor > self.factor:
            raise InvalidRule(
                ["recover_factor"],
                f"recover_factor {self.recovery_factor:g} is above factor {self.factor:g}",
                "set recover_factor at or below factor",
            )


@dataclass(frozen=True, kw_only=True)
class StaleFeedRule(_RuleBase):
    """A series silent for longer than ``after`` or, if unset, its cadence × ``multiplier``."""

    kind: ClassVar[str] = "stale_feed"
    severity: Severity = Severity.TICKET
    multiplier: float = 3.0
    after: timedelta | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.multiplier <= 0:
            raise InvalidRule(["multiplier"], "multiplier is not positive", "e.g. multiplier: 3")
        if self.after is not None and self.after <= timedelta(0):
            raise InvalidRule(["after"], "`after` is not positive", "e.g. after: 6h")


_AGGREGATES = ("mean", "min", "max", "sum", "last")
_AGG_FIX = f"use one of: {', '.join(_AGGREGATES)}"


@dataclass(frozen=True, kw_only=True)
class ThresholdRule(_RuleBase):
    """A bucket value ``above`` (recovers under ``recover_below``) or ``below`` a level.

    ``bucket``, ``aggregate`` and ``unit`` tell the evaluator which value to compute.
    The recovery level defaults to the firing level.
    """

    kind: ClassVar[str] = "threshold"
    above: float | None = None
    recover_below: float | None = None
    below: float | None = None
    recover_above: float | None = None
    bucket: timedelta = timedelta(hours=1)
    aggregate: str = "mean"
    unit: str | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.aggregate not in _AGGREGATES:
            raise InvalidRule(["aggregate"], f"unknown aggregate {self.aggregate!r}", _AGG_FIX)
        if (self.above is None) == (self.below is None):
            raise InvalidRule(["above"], "give exactly one of above or below", "keep one")
        if self.above is not None and self.recover_below is not None:
            if self.recover_below > self.above:
                raise InvalidRule(["recover_below"], "recover_below is above `above`", "lower it")
        if self.below is not None and self.recover_above is not None:
            if self.recover_above < self.below:
                raise InvalidRule(["recover_above"], "recover_above is below `below`", "raise it")


@dataclass(frozen=True, kw_only=True)
class NoDataRule(_RuleBase):
    """A target whose indicator has no data at all ``intervals`` reporting intervals after
    the later of its plan's start and its first evaluation: the feed was never connected."""

    kind: ClassVar[str] = "no_data"
    severity: Severity = Severity.TICKET
    intervals: float = 2.0
    after: timedelta = timedelta(0)  # and at least this long (feeds that report late)

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.intervals <= 0:
            raise InvalidRule(["intervals"], "intervals is not positive", "e.g. intervals: 2")
        if self.after < timedelta(0):
            raise InvalidRule(["after"], "`after` is negative", "e.g. after: 30d")


Rule: TypeAlias = (
    OffTrajectoryRule
    | ProjectedMissRule
    | BurnRateRule
    | StaleFeedRule
    | ThresholdRule
    | NoDataRule
)
KINDS: dict[str, type[Rule]] = {
    cls.kind: cls
    for cls in (
        OffTrajectoryRule,
        ProjectedMissRule,
        BurnRateRule,
        StaleFeedRule,
        ThresholdRule,
        NoDataRule,
    )
}

# --- annotations -----------------------------------------------------------------------


def _check_template(name: str, template: str) -> None:
    try:
        fields = [f for _, f, _, _ in string.Formatter().parse(template) if f is not None]
    except ValueError as exc:
        raise InvalidRule(
            ["annotations", name],
            f"template has unbalanced braces ({exc})",
            "write {{ for a literal {",
        ) from exc
    for placeholder in fields:
        if not placeholder.isidentifier():
            raise InvalidRule(
                ["annotations", name],
                f"placeholder {{{placeholder}}} is not a name",
                "use named placeholders such as {target} or {value}",
            )


def render_annotations(rule: Rule, values: Mapping[str, object]) -> dict[str, str]:
    """Fill the rule's annotation templates; unknown placeholders stay as written."""
    return {name: _render(template, values) for name, template in rule.annotations.items()}


def _render(template: str, values: Mapping[str, object]) -> str:
    out: list[str] = []
    for literal, name, spec, _ in string.Formatter().parse(template):
        out.append(literal)
        if name is None:
            continue
        if name not in values:
            out.append("{" + name + (f":{spec}" if spec else "") + "}")
            continue
        try:
            out.append(format(values[name], spec or ""))
        except (TypeError, ValueError):
            out.append(str(values[name]))
    return "".join(out)


# --- selector --------------------------------------------------------------------------


def matches(rule: Rule | Selector, labels: Mapping[str, str]) -> bool:
    """Whether a rule applies to a target or series described by ``labels``: its
    ``applies_to`` matches and its ``except`` (if any) does not.

    ``family`` falls back to the part of ``indicator`` before the first dot.
    """
    if not isinstance(rule, Selector):
        excluded = rule.except_ is not None and matches(rule.except_, labels)
        return not excluded and matches(rule.applies_to, labels)
    selector = rule
    facts = dict(labels)
    if "family" not in facts and "indicator" in facts:
        facts["family"] = facts["indicator"].split(".", 1)[0]
    wanted: list[tuple[Sequence[str], str]] = [
        (selector.indicators, "indicator"),
        (selector.families, "family"),
        (selector.targets, "target"),
        (selector.kinds, "kind"),
        (selector.scope, "scope"),
    ]
    wanted += [((pattern,), key) for key, pattern in selector.labels.items()]
    return all(_any_match(patterns, facts.get(key)) for patterns, key in wanted if patterns)


def _any_match(patterns: Sequence[str], value: str | None) -> bool:
    return value is not None and any(fnmatch.fnmatchcase(value, p) for p in patterns)


def tells_apart(rule: Rule, subject_label: str) -> bool:
    """Whether the fingerprints of ``rule`` differ from one subject to the next: the
    label naming the subject (``target``, ``series``) identifies its alerts."""
    if subject_label in rule.labels:
        return False
    return rule.identify_by is None or subject_label in rule.identify_by

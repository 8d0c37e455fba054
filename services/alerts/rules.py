"""Alert rules: the frozen rule types, the rule-file loader, durations and the selector.

A rule file is YAML checked against ``schemas/rules.schema.json`` and then against the
rules' own invariants (a recovery level on the safe side of the firing level, a short
window shorter than the long one...). Every problem is reported with its file, line,
column and a fix, all at once, as a :class:`RuleFileError`.

Error tree::

    OntrackError
     └── RuleError
          ├── DurationError    a duration is not written in a form ontrack reads
          ├── InvalidRule      a rule breaks one of its invariants (carries the key path)
          └── RuleFileError    one or more rule files have problems (carries them all)
"""

from __future__ import annotations

import difflib
import fnmatch
import json
import re
import string
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from enum import StrEnum
from pathlib import Path
from types import MappingProxyType
from typing import Any, ClassVar, TypeAlias

import yaml
from jsonschema import Draft202012Validator, ValidationError

from services.config_files import yaml_files
from services.errors import OntrackError

__all__ = [
    "DEFAULT_RULES_PATH",
    "RULES_SCHEMA_PATH",
    "BurnRateRule",
    "DurationError",
    "InvalidRule",
    "OffTrajectoryRule",
    "Problem",
    "ProjectedMissRule",
    "Rule",
    "RuleError",
    "RuleFileError",
    "RuleSource",
    "Selector",
    "Severity",
    "StaleFeedRule",
    "ThresholdRule",
    "format_duration",
    "load_rules",
    "load_schema",
    "matches",
    "parse_duration",
    "render_annotations",
]

_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_RULES_PATH = _ROOT / "rules"
RULES_SCHEMA_PATH = _ROOT / "schemas" / "rules.schema.json"


class RuleError(OntrackError):
    """A rule or a rule file is not valid."""


class DurationError(RuleError, ValueError):
    """A duration is not written in a form ontrack reads; ``fix`` says how to write it."""

    def __init__(self, message: str, fix: str) -> None:
        super().__init__(f"{message}; fix: {fix}")
        self.problem, self.fix = message, fix


class InvalidRule(RuleError, ValueError):
    """A rule breaks an invariant; ``path`` is the offending key path inside the rule."""

    def __init__(self, path: Sequence[str], message: str, fix: str) -> None:
        super().__init__(f"{message}; fix: {fix}")
        self.path, self.problem, self.fix = tuple(path), message, fix


@dataclass(frozen=True)
class Problem:
    """One problem in a rule file: where it is (1-based line and column), what, and the fix."""

    file: str
    line: int | None
    column: int | None
    message: str
    fix: str

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}:{self.column}"
        return f"{where}: {self.message}; fix: {self.fix}"


class RuleFileError(RuleError):
    """One or more rule files have problems; ``problems`` lists every one of them."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


# --- durations -------------------------------------------------------------------------

_UNITS = {
    "ms": timedelta(milliseconds=1),
    "s": timedelta(seconds=1),
    "m": timedelta(minutes=1),
    "h": timedelta(hours=1),
    "d": timedelta(days=1),
    "w": timedelta(weeks=1),
}
_SHORT = re.compile(r"(?:[0-9]+(?:\.[0-9]+)?(?:ms|s|m|h|d|w))+")
_SHORT_PART = re.compile(r"([0-9]+(?:\.[0-9]+)?)(ms|s|m|h|d|w)")
_ISO = re.compile(
    r"P(?:(?P<w>[0-9]+)W)?(?:(?P<d>[0-9]+)D)?"
    r"(?:T(?=[0-9])(?:(?P<h>[0-9]+)H)?(?:(?P<m>[0-9]+)M)?(?:(?P<s>[0-9]+(?:\.[0-9]+)?)S)?)?"
)
_DURATION_FIX = "write a duration such as 30m, 1h, 14d, 1h30m or ISO-8601 P14D / PT1H"


def parse_duration(text: str | timedelta) -> timedelta:
    """Read ``30m``, ``1h``, ``14d``, ``2w``, ``1h30m``, ``500ms`` or ISO-8601 ``P14D``/``PT1H``.

    Months and years are refused: they have no fixed length.
    """
    if isinstance(text, timedelta):
        return text
    value = text.strip()
    if _SHORT.fullmatch(value):
        parts = _SHORT_PART.findall(value)
        return sum((float(n) * _UNITS[unit] for n, unit in parts), timedelta(0))
    match = _ISO.fullmatch(value)
    if match and value != "P":
        weeks, days, hours, minutes, seconds = (float(g or 0) for g in match.group(*"wdhms"))
        return timedelta(weeks=weeks, days=days, hours=hours, minutes=minutes, seconds=seconds)
    if re.fullmatch(r"P(?:[0-9]+[YM])+.*", value):
        raise DurationError(f"{text!r}: months and years have no fixed length", "write days: P30D")
    raise DurationError(f"{text!r} is not a duration", _DURATION_FIX)


def tells_apart(rule: Rule, subject_label: str) -> bool:
    """Whether the fingerprints of ``rule`` differ from one subject to the next: the
    label naming the subject (``target``, ``series``) identifies its alerts."""
    if subject_label in rule.labels:
        return False
    return rule.identify_by is None or subject_label in rule.identify_by


def spell_duration(amount: int, units: Sequence[tuple[str, int]]) -> str:
    """``amount`` (of the last unit) spelled in the largest ``units`` first: ``1h30m``."""
    sign, amount = ("-", -amount) if amount < 0 else ("", amount)
    parts = []
    for unit, size in units:
        count, amount = divmod(amount, size)
        if count:
            parts.append(f"{count}{unit}")
    return sign + ("".join(parts) or "0s")


def format_duration(delta: timedelta) -> str:
    """Write a duration the way rule files do: ``14d``, ``1h30m``, ``45s``, ``0s``."""
    return spell_duration(round(delta.total_seconds() * 1000), _FORMAT_UNITS)


_FORMAT_UNITS = tuple(
    (unit, round(_UNITS[unit].total_seconds() * 1000)) for unit in ("d", "h", "m", "s", "ms")
)


# --- rule types ------------------------------------------------------------------------


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

    def __post_init__(self) -> None:
        for key, value in (("for", self.for_), ("recover_for", self.recover_for)):
            if value < timedelta(0):
                raise InvalidRule([key], f"`{key}` is negative", "write a positive duration")
        for name, template in self.annotations.items():
            _check_template(name, template)


@dataclass(frozen=True, kw_only=True)
class OffTrajectoryRule(_RuleBase):
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
class ProjectedMissRule(_RuleBase):
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
class BurnRateRule(_RuleBase):
    """Burn rate at least ``factor`` in both windows; recovers when the short one drops.

    See :func:`services.alerts.conditions.burn_rate` for the definition of burn rate.
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


Rule: TypeAlias = (
    OffTrajectoryRule | ProjectedMissRule | BurnRateRule | StaleFeedRule | ThresholdRule
)
_KINDS: dict[str, type[Rule]] = {
    cls.kind: cls
    for cls in (OffTrajectoryRule, ProjectedMissRule, BurnRateRule, StaleFeedRule, ThresholdRule)
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


# --- loading ---------------------------------------------------------------------------


def load_schema(path: Path = RULES_SCHEMA_PATH) -> dict[str, Any]:
    """The JSON Schema of rule files."""
    schema: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return schema


def load_rules(path: str | Path, *, schema: Mapping[str, Any] | None = None) -> list[Rule]:
    """Load one rule file, or every ``*.yaml``/``*.yml`` file under a directory.

    Raises :class:`RuleFileError` listing every problem found, with file and line.
    """
    root = Path(path)
    files = yaml_files(root)
    if not files:
        raise RuleFileError([Problem(str(root), None, None, "no rule files", "add a *.yaml")])
    full_schema = dict(schema) if schema is not None else load_schema()
    rules: list[Rule] = []
    problems: list[Problem] = []
    for file in files:
        got, bad = _load_file(file, full_schema)
        rules += got
        problems += bad
    problems += _duplicate_ids(rules)
    if problems:
        raise RuleFileError(sorted(problems, key=lambda p: (p.file, p.line or 0, p.column or 0)))
    return rules


def _duplicate_ids(rules: Sequence[Rule]) -> Iterator[Problem]:
    seen: dict[str, Rule] = {}
    for rule in rules:
        first = seen.setdefault(rule.id, rule)
        if first is not rule and rule.source is not None:
            message = f"rule id {rule.id!r} is already used at {first.source}"
            fix = "give one of the two rules another id"
            yield Problem(rule.source.file, rule.source.line, 1, message, fix)


def _load_file(path: Path, schema: dict[str, Any]) -> tuple[list[Rule], list[Problem]]:
    try:
        doc = _Doc.parse(path)
    except OSError as exc:
        return [], [Problem(str(path), None, None, f"cannot read: {exc}", "check the path")]
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (None, None)
        fix = "check indentation, colons and quotes around this place"
        return [], [Problem(str(path), line, col, f"not valid YAML: {exc.problem}", fix)]
    if doc.data is None:
        return [], [Problem(doc.file, 1, 1, "the file is empty", "start with `rules:`")]
    problems = list(_duplicate_keys(doc, doc.root))
    bad: set[int] = set()
    for error in Draft202012Validator(schema).iter_errors(doc.data):
        problems += _SchemaProblems(schema, doc).of(error)
        bad.add(_rule_index(error))
    if -1 in bad:
        return [], problems
    rules: list[Rule] = []
    for index, item in enumerate(doc.data["rules"]):
        if index not in bad:
            try:
                rules.append(_build(item, RuleSource(doc.file, doc.line(["rules", index]))))
            except InvalidRule as exc:
                at: list[str | int] = ["rules", index, *exc.path]
                problems.append(doc.problem(at, f"{doc.describe(at)}: {exc.problem}", exc.fix))
    return rules, problems


def _rule_index(error: ValidationError) -> int:
    path = list(error.absolute_path)
    return path[1] if len(path) >= 2 and isinstance(path[1], int) else -1


@dataclass(frozen=True)
class _SchemaProblems:
    """Turns a JSON Schema error into problems that point at the YAML and say the fix."""

    schema: dict[str, Any]
    doc: _Doc

    def of(self, error: ValidationError) -> list[Problem]:
        path = list(error.absolute_path)
        where = self.doc.describe(path)
        expected: Any = error.validator_value
        instance: Any = error.instance
        if error.validator == "required":
            missing = [k for k in expected if k not in instance]
            return [
                self.doc.problem(path, f"{where}: `{k}` is missing", self._add(k)) for k in missing
            ]
        if error.validator in ("additionalProperties", "unevaluatedProperties"):
            return self._unknown_keys(path, error.instance)
        if error.validator == "enum":
            options = [str(o) for o in expected]
            near = difflib.get_close_matches(str(error.instance), options, n=1)
            hint = f"did you mean {near[0]!r}? " if near else ""
            fix = f"{hint}use one of: {', '.join(options)}"
            return [self.doc.problem(path, f"{where}: {error.instance!r} is not allowed", fix)]
        spec = error.schema if isinstance(error.schema, Mapping) else {}
        fix = spec.get("$comment") or _write(spec)
        shown = error.message if error.validator in _PLAIN else f"{_short(instance)} is not valid"
        return [self.doc.problem(path, f"{where}: {shown}", fix)]

    def _add(self, key: str) -> str:
        for section in self.schema["$defs"].values():
            spec = section.get("properties", {}).get(key)
            if spec is not None:
                ref = spec.get("$ref", "")
                spec = self.schema["$defs"][ref.rsplit("/", 1)[-1]] if ref else spec
                return f"add `{key}:`, {_write(spec)}"
        return f"add `{key}:`"

    def _unknown_keys(self, path: list[str | int], instance: Any) -> list[Problem]:
        allowed = self._allowed(path, instance)
        if allowed is None or not isinstance(instance, dict):
            return []
        problems = []
        for key in sorted(set(instance) - allowed, key=str):
            near = difflib.get_close_matches(str(key), sorted(allowed), n=1)
            fix = f"did you mean `{near[0]}`?" if near else f"use one of: {', '.join(allowed)}"
            message = f"{self.doc.describe(path)}: unknown key `{key}`"
            problems.append(self.doc.problem([*path, key], message, fix, at_key=True))
        return problems

    def _allowed(self, path: list[str | int], instance: Any) -> set[str] | None:
        defs = self.schema["$defs"]
        if not path:
            return set(self.schema["properties"])
        if len(path) == 3 and path[2] in ("applies_to", "except"):
            return set(defs["selector"]["properties"])
        kind = instance.get("kind") if isinstance(instance, dict) else None
        if len(path) == 2 and kind in _KINDS:
            return set(defs["rule"]["properties"]) | set(defs[kind].get("properties", {}))
        return None


_PLAIN = frozenset({"type", "const", "minimum", "maximum", "exclusiveMinimum", "minItems"})


def _short(value: Any) -> str:
    return "this combination of keys" if isinstance(value, dict) else repr(value)


def _write(spec: Mapping[str, Any]) -> str:
    what = spec.get("description")
    return f"write {what}" if what else "see schemas/rules.schema.json"


@dataclass(frozen=True)
class _Doc:
    """A parsed rule file: its name, YAML node tree (for lines) and data."""

    file: str
    root: yaml.Node
    data: Any

    @classmethod
    def parse(cls, path: Path) -> _Doc:
        loader = yaml.SafeLoader(path.read_text(encoding="utf-8"))
        try:
            node = loader.get_single_node()
            data = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
        return cls(str(path), node or yaml.MappingNode("tag:yaml.org,2002:map", []), data)

    def node(self, path: Sequence[str | int], *, at_key: bool = False) -> yaml.Node:
        node = self.root
        for depth, part in enumerate(path):
            child = _child(node, part, key=at_key and depth == len(path) - 1)
            if child is None:
                break
            node = child
        return node

    def line(self, path: Sequence[str | int]) -> int:
        return int(self.node(path).start_mark.line) + 1

    def problem(
        self, path: Sequence[str | int], message: str, fix: str, *, at_key: bool = False
    ) -> Problem:
        mark = self.node(path, at_key=at_key).start_mark
        return Problem(self.file, mark.line + 1, mark.column + 1, message, fix)

    def describe(self, path: Sequence[str | int]) -> str:
        if len(path) < 2 or not isinstance(path[1], int):
            return f"`{path[0]}`" if path else "file"
        item = self.data["rules"][path[1]]
        rule_id = item.get("id") if isinstance(item, dict) else None
        name = f"rule {rule_id!r}" if isinstance(rule_id, str) else f"rule #{path[1] + 1}"
        rest = ".".join(str(p) for p in path[2:])
        return f"{name} `{rest}`" if rest else name


def _child(node: yaml.Node, part: str | int, *, key: bool) -> yaml.Node | None:
    found: yaml.Node | None = None
    if isinstance(node, yaml.MappingNode):
        found = next((k if key else v for k, v in node.value if k.value == part), None)
    elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
        found = node.value[part]
    return found


def _duplicate_keys(doc: _Doc, node: yaml.Node) -> Iterator[Problem]:
    children: list[yaml.Node] = list(node.value) if isinstance(node, yaml.SequenceNode) else []
    if isinstance(node, yaml.MappingNode):
        first: dict[object, int] = {}
        for key, value in node.value:
            mark = key.start_mark
            if key.value in first:
                message = f"key `{key.value}` is repeated (first on line {first[key.value]})"
                yield Problem(doc.file, mark.line + 1, mark.column + 1, message, "keep only one")
            first.setdefault(key.value, mark.line + 1)
            children.append(value)
    for child in children:
        yield from _duplicate_keys(doc, child)


_KEYWORDS = {"for": "for_", "except": "except_"}  # YAML keys that are Python keywords
_DURATION_KEYS = frozenset({"for", "recover_for", "short", "long", "after", "bucket"})


def _build(item: Mapping[str, Any], source: RuleSource) -> Rule:
    kwargs: dict[str, Any] = {"source": source}
    for key, value in item.items():
        if key != "kind":
            kwargs[_KEYWORDS.get(key, key)] = _convert(key, value)
    return _KINDS[item["kind"]](**kwargs)


def _convert(key: str, value: Any) -> Any:
    if key in _DURATION_KEYS:
        try:
            return parse_duration(value)
        except DurationError as exc:
            raise InvalidRule([key], exc.problem, exc.fix) from exc
    if key == "severity":
        return Severity(value)
    if key in ("applies_to", "except"):
        return Selector(**{k: _selector_value(v) for k, v in value.items()})
    if key in ("labels", "annotations"):
        return MappingProxyType(dict(value))
    if key == "identify_by":
        return tuple(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    return value


def _selector_value(value: Any) -> Any:
    if isinstance(value, dict):
        return MappingProxyType(dict(value))
    return (value,) if isinstance(value, str) else tuple(value)

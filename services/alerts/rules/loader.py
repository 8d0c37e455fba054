"""Rule files: YAML checked against ``schemas/rules.schema.json``, then against the rules'
own invariants. Every problem is reported with its file, line, column and a fix, all at
once, as a :class:`~services.alerts.rules.errors.RuleFileError`. Reading the YAML and
explaining schema errors is the shared reader's (:mod:`services.config`).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from types import MappingProxyType
from typing import Any

from jsonschema import ValidationError

from services.alerts.rules.durations import parse_duration
from services.alerts.rules.errors import DurationError, InvalidRule, RuleFileError
from services.alerts.rules.model import KINDS, Rule, RuleSource, Selector, Severity
from services.config import (
    Key,
    Names,
    Problem,
    SchemaExplainer,
    by_place,
    read_document,
    yaml_files,
)
from services.data import packaged

__all__ = ["DEFAULT_RULES_PATH", "RULES_SCHEMA_PATH", "load_rules", "load_schema"]

DEFAULT_RULES_PATH = packaged("rules")
RULES_SCHEMA_PATH = packaged("schemas", "rules.schema.json")


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
    explainer = _explainer(schema if schema is not None else load_schema())
    rules: list[Rule] = []
    problems: list[Problem] = []
    for file in files:
        got, bad = _load_file(file, explainer)
        rules += got
        problems += bad
    problems += _duplicate_ids(rules)
    if problems:
        raise RuleFileError(sorted(problems, key=by_place))
    return rules


def _duplicate_ids(rules: Sequence[Rule]) -> Iterator[Problem]:
    seen: dict[str, Rule] = {}
    for rule in rules:
        first = seen.setdefault(rule.id, rule)
        if first is not rule and rule.source is not None:
            message = f"rule id {rule.id!r} is already used at {first.source}"
            fix = "give one of the two rules another id"
            yield Problem(rule.source.file, rule.source.line, 1, message, fix)


_NAMES = Names("the file", items="rules", noun="rule")


def _explainer(schema: Mapping[str, Any]) -> SchemaExplainer:
    defs = schema["$defs"]
    anyone = set(defs["rule"]["properties"])

    def allowed(path: Sequence[Key], instance: Mapping[Any, Any]) -> set[str] | None:
        """A rule allows the common keys and those of its kind (of any kind if unknown)."""
        if len(path) != 2:
            return None
        kind = instance.get("kind")
        kinds = [kind] if kind in KINDS else list(KINDS)
        return anyone.union(*(defs.get(k, {}).get("properties", {}) for k in kinds))

    source = "services/data/schemas/rules.schema.json"
    return SchemaExplainer(schema, names=_NAMES, source=source, allowed_keys=allowed)


def _load_file(path: Path, explainer: SchemaExplainer) -> tuple[list[Rule], list[Problem]]:
    doc, problems = read_document(path, empty_fix="start the file with `rules:`, then the rules")
    if doc is None:
        return [], problems
    bad: set[int] = set()
    for error in explainer.errors(doc.data):
        problems += explainer.explain(doc, error)
        bad.add(_rule_index(error))
    if -1 in bad:
        return [], problems
    rules: list[Rule] = []
    for index, item in enumerate(doc.data["rules"]):
        if index not in bad:
            try:
                rules.append(_build(item, RuleSource(doc.file, doc.line(["rules", index]))))
            except InvalidRule as exc:
                at: list[Key] = ["rules", index, *exc.path]
                problems.append(doc.problem(at, f"{_NAMES(doc.data, at)}: {exc.problem}", exc.fix))
    return rules, problems


def _rule_index(error: ValidationError) -> int:
    path = list(error.absolute_path)
    return path[1] if len(path) >= 2 and isinstance(path[1], int) else -1


_KEYWORDS = {"for": "for_", "except": "except_"}  # YAML keys that are Python keywords
_DURATION_KEYS = frozenset(
    {"for", "recover_for", "short", "long", "after", "bucket", "deadline_within"}
)


def _build(item: Mapping[str, Any], source: RuleSource) -> Rule:
    kwargs: dict[str, Any] = {"source": source}
    for key, value in item.items():
        if key != "kind":
            kwargs[_KEYWORDS.get(key, key)] = _convert(key, value)
    return KINDS[item["kind"]](**kwargs)


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

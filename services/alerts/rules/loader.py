"""Rule files: YAML checked against ``schemas/rules.schema.json``, then against the rules'
own invariants. Every problem is reported with its file, line, column and a fix, all at
once, as a :class:`~services.alerts.rules.errors.RuleFileError`.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml
from jsonschema import Draft202012Validator, ValidationError

from services.alerts.rules.durations import parse_duration
from services.alerts.rules.errors import DurationError, InvalidRule, Problem, RuleFileError
from services.alerts.rules.model import KINDS, Rule, RuleSource, Selector, Severity
from services.config.files import yaml_files
from services.settings import REPO_ROOT

__all__ = ["DEFAULT_RULES_PATH", "RULES_SCHEMA_PATH", "load_rules", "load_schema"]

DEFAULT_RULES_PATH = REPO_ROOT / "rules"
RULES_SCHEMA_PATH = REPO_ROOT / "schemas" / "rules.schema.json"


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
        if len(path) == 2 and kind in KINDS:
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

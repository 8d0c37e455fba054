"""Reading plan files: YAML with line numbers, and JSON Schema errors mapped to those lines.

Dates stay strings while loading (the schema checks their form, the builder parses them),
so a file's data is exactly what the schema describes.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError, best_match

from services.settings import REPO_ROOT

__all__ = [
    "SCHEMA_PATH",
    "Document",
    "PlanError",
    "label",
    "line_of",
    "read_document",
    "schema_errors",
]

SCHEMA_PATH = REPO_ROOT / "schemas" / "plan.schema.json"

Key = str | int


@dataclass(frozen=True, slots=True)
class PlanError:
    """What is wrong in a plan file, where, and how to fix it."""

    file: Path
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


@dataclass(frozen=True, slots=True)
class Document:
    """A parsed plan file: its data and the YAML node tree that knows the lines."""

    file: Path
    data: Any
    root: yaml.Node

    def line(self, path: Sequence[Key]) -> int:
        return line_of(self.root, path)


class _Loader(yaml.SafeLoader):
    """Safe YAML where 2025-12-31 stays the string "2025-12-31"."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def read_document(file: Path) -> tuple[Document | None, list[PlanError]]:
    """Parse one YAML file; syntax errors and duplicate keys come back as PlanErrors."""
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return None, [PlanError(file, 0, f"cannot read the file ({exc}); save it as UTF-8 text")]
    loader = _Loader(text)
    try:
        root = loader.get_single_node()
        if root is None:
            return None, [PlanError(file, 1, "the file is empty; write a plan (see schemas/)")]
        errors = _duplicate_keys(file, root)
        data = loader.construct_document(root)
    except yaml.MarkedYAMLError as exc:
        return None, [_syntax_error(file, exc)]
    finally:
        loader.dispose()
    if errors:
        return None, errors
    return Document(file, data, root), []


def _syntax_error(file: Path, exc: yaml.MarkedYAMLError) -> PlanError:
    mark = exc.problem_mark or exc.context_mark
    line = mark.line + 1 if mark is not None else 0
    message = f"YAML syntax error: {exc.problem or exc}"
    if exc.context and exc.context_mark is not None:
        context = exc.context.removeprefix("while parsing ")
        message += f" ({context} started on line {exc.context_mark.line + 1})"
    return PlanError(file, line, message + "; fix the YAML")


def _duplicate_keys(file: Path, node: yaml.Node) -> list[PlanError]:
    errors: list[PlanError] = []
    if isinstance(node, yaml.MappingNode):
        seen: dict[object, int] = {}
        for key, value in node.value:
            name = key.value if isinstance(key, yaml.ScalarNode) else None
            line = key.start_mark.line + 1
            if name is not None and name in seen:
                errors.append(
                    PlanError(
                        file,
                        line,
                        f'key "{name}" appears twice (first on line {seen[name]}); '
                        "keep one of them",
                    )
                )
            elif name is not None:
                seen[name] = line
            errors.extend(_duplicate_keys(file, value))
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            errors.extend(_duplicate_keys(file, item))
    return errors


def line_of(root: yaml.Node, path: Sequence[Key]) -> int:
    """1-based line of the node at ``path`` (the deepest existing node on the way)."""
    node = root
    for key in path:
        child = _child(node, key)
        if child is None:
            break
        node = child
    return node.start_mark.line + 1


def _child(node: yaml.Node, key: Key) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            if isinstance(k, yaml.ScalarNode) and k.value == key:
                return v if not isinstance(v, yaml.ScalarNode) or v.value != "" else k
        return None
    if isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
        child: yaml.Node = node.value[key]
        return child
    return None


def _key_node(node: yaml.Node, key: str) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode):
        for k, _ in node.value:
            if isinstance(k, yaml.ScalarNode) and k.value == key:
                return k
    return None


@lru_cache(maxsize=1)
def _validator() -> Draft202012Validator:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return Draft202012Validator(schema)


def schema_errors(doc: Document) -> list[PlanError]:
    """Every schema violation of ``doc``, at the line of the offending node."""
    errors = [_explain(doc, err) for err in _validator().iter_errors(doc.data)]
    return sorted(errors, key=lambda e: e.line)


def _explain(doc: Document, error: ValidationError) -> PlanError:
    best = best_match([error])
    path = list(best.absolute_path)
    if best.validator == "additionalProperties" and isinstance(best.instance, dict):
        return _unknown_keys(doc, path, best)
    problem = best.message
    if best.validator in ("pattern", "oneOf", "anyOf"):
        problem = f"{_short(best.instance)} is not accepted"
    elif best.validator == "const":
        problem = f"{_short(best.instance)} is not accepted (only {best.validator_value!r} is)"
    elif best.validator == "required" and isinstance(best.instance, dict):
        missing = [k for k in best.validator_value if k not in best.instance]
        problem = f"{', '.join(missing)} missing; add it"
    elif best.validator in ("type", "enum", "minItems", "maxItems"):
        problem = problem.replace(repr(best.instance), _short(best.instance), 1)
    hint = _description(best) or _description(error)
    message = f"{label(doc, path)}: {problem}"
    if hint:
        lower = hint[:1].isupper() and hint[1:2].islower()
        message += f" — expected {hint[0].lower() + hint[1:] if lower else hint}"
    return PlanError(doc.file, doc.line(path), message)


def _unknown_keys(doc: Document, path: list[Key], error: ValidationError) -> PlanError:
    allowed = set(error.schema.get("properties", {})) if isinstance(error.schema, dict) else set()
    instance = error.instance if isinstance(error.instance, dict) else {}
    extra = sorted(k for k in instance if k not in allowed)
    parent = _node_at(doc.root, path)
    key = _key_node(parent, extra[0]) if extra and parent is not None else None
    line = key.start_mark.line + 1 if key is not None else doc.line(path)
    message = (
        f"{label(doc, path)}: unknown key(s) {', '.join(extra)}; "
        f"allowed: {', '.join(sorted(allowed))}"
    )
    return PlanError(doc.file, line, message)


def _description(error: ValidationError) -> str | None:
    schema = error.schema
    text = schema.get("description") if isinstance(schema, dict) else None
    return text if isinstance(text, str) and text else None


def _short(value: object, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _node_at(root: yaml.Node, path: Sequence[Key]) -> yaml.Node | None:
    node: yaml.Node | None = root
    for key in path:
        node = _child(node, key) if node is not None else None
    return node


def label(doc: Document, path: Sequence[Key]) -> str:
    """ "target port.teu.2025, baseline.date" or "plan, date" for messages."""
    if len(path) >= 2 and path[0] == "targets" and isinstance(path[1], int):
        targets = doc.data.get("targets") if isinstance(doc.data, dict) else None
        item = targets[path[1]] if isinstance(targets, list) else None
        name = item.get("id") if isinstance(item, dict) else None
        label = f"target {name}" if isinstance(name, str) else f"target #{path[1] + 1}"
        rest = ".".join(str(k) for k in path[2:])
        return f"{label}, {rest}" if rest else label
    return "plan" + (", " + ".".join(str(k) for k in path) if path else "")

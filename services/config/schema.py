"""JSON Schema errors explained: each becomes a problem at the offending key or value,
saying what is wrong and what to write instead.

A missing key's fix quotes the key's ``description``; an unknown key's suggests the
closest allowed key; an enum's suggests the closest option and lists them all; any other
error takes its fix from the nearest ``$comment`` or ``description`` of the schemas that
apply to the offending value. A ``oneOf``/``anyOf`` whose schema carries a ``$comment``
is explained by that comment; otherwise by its best-matching branch.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError, best_match

from services.config.document import Document, Key, Names
from services.config.problems import Problem, by_place

__all__ = ["AllowedKeys", "SchemaExplainer"]

AllowedKeys = Callable[[Sequence[Key], Mapping[Any, Any]], Collection[str] | None]
"""The keys allowed in the mapping at a path, or None for those the schema lists there."""

# Keywords whose subschemas apply to another place of the document than their owner.
_ELSEWHERE = frozenset(
    {"properties", "patternProperties", "additionalProperties", "unevaluatedProperties",
     "items", "prefixItems", "contains", "unevaluatedItems"}
)  # fmt: skip
# Keywords holding a map or a list of subschemas (the others hold one subschema).
_MANY = frozenset(
    {"properties", "patternProperties", "dependentSchemas", "allOf", "anyOf", "oneOf",
     "prefixItems"}
)  # fmt: skip
_ONE = frozenset(
    {"additionalProperties", "unevaluatedProperties", "items", "contains", "unevaluatedItems",
     "propertyNames", "not", "if", "then", "else"}
)  # fmt: skip
_TYPES = {
    "string": "a text",
    "number": "a number",
    "integer": "a whole number",
    "object": "a mapping",
    "array": "a list",
    "boolean": "true or false",
    "null": "empty",
}


class SchemaExplainer:
    """Checks documents against one JSON Schema and explains every error as a Problem.

    ``names`` names places in messages; ``allowed_keys`` may say which keys a mapping
    allows where the schema alone cannot (``unevaluatedProperties`` under conditional
    subschemas); ``source`` names the schema for fixes that have nothing better to say.
    """

    def __init__(
        self,
        schema: Mapping[str, Any],
        *,
        names: Names,
        source: str,
        allowed_keys: AllowedKeys | None = None,
    ) -> None:
        self.schema, self.names, self.source = schema, names, source
        self.allowed_keys = allowed_keys
        self.validator = Draft202012Validator(schema)

    def errors(self, data: Any) -> list[ValidationError]:
        """Every schema error of ``data``."""
        return list(self.validator.iter_errors(data))

    def problems(self, doc: Document) -> list[Problem]:
        """Every schema error of ``doc``, explained, in the order of the file."""
        found = [p for error in self.errors(doc.data) for p in self.explain(doc, error)]
        return sorted(found, key=by_place)

    def explain(self, doc: Document, error: ValidationError) -> list[Problem]:
        """``error`` as problems: one per missing or unknown key, else one."""
        focus = _focus(error)
        path = list(focus.absolute_path)
        where = self.names(doc.data, path)
        expected: Any = focus.validator_value
        if focus.validator == "required" and isinstance(focus.instance, Mapping):
            return [
                doc.problem(path, f"{where}: `{key}` is missing", self._add(focus, key))
                for key in expected
                if key not in focus.instance
            ]
        if focus.validator in ("additionalProperties", "unevaluatedProperties"):
            return list(self._unknown_keys(doc, focus, path, where))
        if focus.validator == "enum":
            options = [str(o) for o in expected]
            near = difflib.get_close_matches(str(focus.instance), options, n=1)
            hint = f"did you mean {near[0]!r}? " if near else ""
            # an option of one branch of a oneOf: the oneOf says what else may go here
            outer = self._fix(error) if focus is not error else None
            fix = hint + (outer or f"use one of: {', '.join(options)}")
            return [doc.problem(path, f"{where}: {_shown(focus.instance)} is not allowed", fix)]
        # the offending value's schemas say what to write; else those of the oneOf it is in
        advice = self._fix(focus) or (self._fix(error) if focus is not error else None)
        return [doc.problem(path, f"{where}: {_what(focus)}", advice or f"see {self.source}")]

    def _add(self, error: ValidationError, key: str) -> str:
        spec = _property(self._here(error), key) or _property(_every_schema(self.schema), key)
        what = self._described(spec) if spec is not None else None
        return f"add `{key}:` and write {what}" if what else f"add `{key}:`"

    def _unknown_keys(
        self, doc: Document, error: ValidationError, path: list[Key], where: str
    ) -> Iterator[Problem]:
        instance: Mapping[Any, Any] = error.instance if isinstance(error.instance, Mapping) else {}
        spec = error.schema if isinstance(error.schema, Mapping) else {}
        allowed = self.allowed_keys(path, instance) if self.allowed_keys is not None else None
        patterns: Collection[str] = ()
        if allowed is None:
            allowed, patterns = spec.get("properties", {}), spec.get("patternProperties", {})
        choices = sorted(str(k) for k in allowed)
        for key in instance:
            if str(key) in allowed or any(re.search(p, str(key)) for p in patterns):
                continue
            near = difflib.get_close_matches(str(key), choices, n=1)
            fix = f"did you mean `{near[0]}`?" if near else "remove it"
            if not near and choices:
                fix += f", or use one of: {', '.join(choices)}"
            message = f"{where}: unknown key `{key}`"
            yield doc.problem([*path, key], message, fix, at_key=True)

    def _fix(self, error: ValidationError) -> str | None:
        for spec in self._here(error):
            if _comment(spec):
                return str(spec["$comment"])
            what = _description(spec)
            if what:
                return f"write {what}"
        if error.validator == "const":
            return f"write {_shown(error.validator_value)}"
        return None

    def _described(self, spec: Mapping[str, Any]) -> str | None:
        return next((d for s in self._resolved(spec) if (d := _description(s))), None)

    def _here(self, error: ValidationError) -> list[Mapping[str, Any]]:
        """The schemas that apply to the offending value, the nearest (most specific) first."""
        found: list[Mapping[str, Any]] = []
        node: Any = self.schema
        holds = "one"
        *steps, _keyword = error.absolute_schema_path
        for part in steps:
            if holds == "one":
                chain = self._resolved(node)
                found += chain
                node = next((s for s in reversed(chain) if part in s), None)
                if node is None:
                    return []
                if part in _ELSEWHERE:
                    found = []
                holds = "many" if part in _MANY else "one" if part in _ONE else "value"
                node = node[part]
            elif holds == "many" and isinstance(node, list) and isinstance(part, int):
                node = node[part]
                holds = "one"
            elif holds == "many" and isinstance(node, Mapping):
                node = node[part]
                holds = "one"
            else:
                return []
        if holds == "one":
            found += self._resolved(node)
        return list(reversed(found))

    def _resolved(self, spec: Any) -> list[Mapping[str, Any]]:
        """``spec`` and what its ``$ref`` points to, and so on (local references only)."""
        chain: list[Mapping[str, Any]] = []
        while isinstance(spec, Mapping) and len(chain) < 20:
            chain.append(spec)
            ref = spec.get("$ref")
            spec = _pointer(self.schema, ref) if isinstance(ref, str) else None
        return chain


def _focus(error: ValidationError) -> ValidationError:
    """The error to explain: a oneOf/anyOf with a $comment itself, else its best branch."""
    if _comment(error.schema) or not error.context:
        return error
    best: ValidationError | None = best_match([error])
    if best is not None and best is not error:
        return best
    # Every branch fails as badly: leave out those written for another type of value.
    other_type = {
        e.relative_schema_path[0]
        for e in error.context
        if e.validator == "type" and not e.relative_path and e.relative_schema_path
    }
    fitting = [e for e in error.context if e.relative_schema_path[0] not in other_type]
    best = best_match(fitting) if fitting else None
    return best if best is not None else error


def _pointer(root: Mapping[str, Any], ref: str) -> Any:
    if not ref.startswith("#"):
        return None
    node: Any = root
    for raw in ref[1:].split("/")[1:]:
        part = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(node, Mapping):
            node = node.get(part)
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return None
    return node


def _property(schemas: Iterator[Mapping[str, Any]] | list[Mapping[str, Any]], key: str) -> Any:
    for spec in schemas:
        props = spec.get("properties")
        if isinstance(props, Mapping) and isinstance(props.get(key), Mapping):
            return props[key]
    return None


def _every_schema(node: Any) -> Iterator[Mapping[str, Any]]:
    if isinstance(node, Mapping):
        yield node
        for value in node.values():
            yield from _every_schema(value)
    elif isinstance(node, list):
        for value in node:
            yield from _every_schema(value)


def _comment(spec: Any) -> bool:
    return isinstance(spec, Mapping) and isinstance(spec.get("$comment"), str)


def _description(spec: Mapping[str, Any]) -> str | None:
    """The schema's description as words to follow "write": "YYYY-MM-DD", "a number, ..."."""
    text = spec.get("description")
    if not isinstance(text, str) or not text.strip():
        return None
    text = text.strip().removesuffix(".")
    first = text.split(maxsplit=1)[0]
    if first[:1].isupper() and (len(first) == 1 or first[1:].islower()):
        text = text[0].lower() + text[1:]  # "A number" → "a number", "YYYY-MM-DD" stays
    return text


def _what(error: ValidationError) -> str:
    value: Any = error.instance
    expected: Any = error.validator_value
    if error.validator == "type":
        types = [expected] if isinstance(expected, str) else list(expected)
        return f"{_shown(value)} is not {' or '.join(_TYPES.get(t, t) for t in types)}"
    if error.validator == "const":
        return f"{_shown(value)} is not accepted here (only {_shown(expected)} is)"
    if error.validator in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        return str(error.message)
    if error.validator in ("minItems", "maxItems") and isinstance(value, list):
        bound = "at least" if error.validator == "minItems" else "at most"
        return f"the list has {len(value)} item(s), where {bound} {expected} are needed"
    if error.validator == "minLength" and expected == 1:
        return "the text is empty"
    if error.validator == "uniqueItems":
        return f"{_shown(value)} lists an item twice"
    return f"{_shown(value, mapping='this combination of keys')} is not valid"


def _shown(value: Any, *, mapping: str = "a mapping", limit: int = 60) -> str:
    if isinstance(value, Mapping):
        return mapping
    if value is None:
        return "an empty value"
    if isinstance(value, bool):
        return str(value).lower()
    text = repr(value)
    if isinstance(value, list) and len(text) > limit:
        return "a list"
    return text if len(text) <= limit else text[: limit - 1] + "…"

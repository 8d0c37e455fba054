"""What ingest accepts from a provider, whichever the path (HTTP, MQTT, Kafka).

``check_record`` is the catalogue's ``validate_record`` plus two rules of ingest:

- a text field (source, region, id, label names and values) must not start like a
  spreadsheet formula (``=``, ``+``, ``-``, ``@``) unless it is a number, so that nothing a
  provider sends turns into a formula when an analyst opens an export in a spreadsheet;
- a record must not be nested more than ``MAX_DEPTH`` levels deep (a reading is an object
  of texts and numbers, its labels one level more): deeper values are refused before
  anything looks at them, since showing or re-encoding them would exhaust the recursion
  limits of Python's and orjson's encoders.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime
from typing import Final

from services.indicators.catalogue import Catalogue
from services.indicators.readings import Reading, RecordError, validate_record

__all__ = ["MAX_DEPTH", "check_record", "formula_errors", "nesting_problem"]

MAX_DEPTH: Final = 32
_FORMULA_STARTS: Final = ("=", "+", "-", "@")
_NUMBER_RE: Final = re.compile(r"^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$")
_TEXT_FIELDS: Final = ("source", "region", "id")


def _looks_like_formula(text: str) -> bool:
    return text.startswith(_FORMULA_STARTS) and not _NUMBER_RE.match(text)


def _message(field: str, text: str) -> str:
    shown = text if len(text) <= 40 else text[:37] + "…"
    return (
        f'{field} "{shown}" starts with "{text[0]}", which a spreadsheet would run as a '
        "formula; start it with a letter or a digit"
    )


def formula_errors(raw: object, index: int, line: int | None = None) -> list[RecordError]:
    """Errors for the text fields of a raw record that would become spreadsheet formulas."""
    if not isinstance(raw, dict):
        return []
    found: list[RecordError] = []
    for field in _TEXT_FIELDS:
        value = raw.get(field)
        if isinstance(value, str) and _looks_like_formula(value):
            found.append(RecordError(index, field, _message(field, value), line, "formula"))
    labels = raw.get("labels")
    if isinstance(labels, dict):
        for name, value in labels.items():
            if isinstance(name, str) and _looks_like_formula(name):
                message = _message("label name", name)
                found.append(RecordError(index, f"labels.{name}", message, line, "formula"))
            elif isinstance(value, str) and _looks_like_formula(value):
                message = _message(f"labels.{name}", value)
                found.append(RecordError(index, f"labels.{name}", message, line, "formula"))
    return found


def _nests(value: object) -> bool:
    return isinstance(value, dict | list)


def nesting_problem(value: object, limit: int = MAX_DEPTH) -> str | None:
    """Why ``value`` is nested too deeply to be a reading, or None (no recursion here)."""
    if limit >= 1 and isinstance(value, dict) and not any(map(_nests, value.values())):
        return None  # the usual reading: an object of texts and numbers
    stack: list[tuple[object, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Iterable[object] = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            return (
                f"the record is nested more than {limit} levels deep; a reading is an object "
                "of texts and numbers (labels: an object of texts)"
            )
        stack.extend((child, depth + 1) for child in children)
    return None


def check_record(
    raw: object, index: int, catalogue: Catalogue, now: datetime, *, line: int | None = None
) -> Reading | list[RecordError]:
    """A Reading, or every problem of the record (nesting, validation, formula-like texts)."""
    deep = nesting_problem(raw)
    if deep is not None:
        return [RecordError(index, None, deep, line, "nesting")]
    result = validate_record(raw, index, catalogue, now, line=line)
    formulas = formula_errors(raw, index, line)
    if not formulas:
        return result
    if isinstance(result, Reading):
        return formulas
    flagged = {f.field for f in formulas}
    return [*(e for e in result if e.field not in flagged), *formulas]

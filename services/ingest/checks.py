"""What ingest accepts from a provider, whichever the path (HTTP, MQTT, Kafka).

``check_record`` is the catalogue's ``validate_record`` plus one rule of ingest: a text
field (source, region, id, label names and values) must not start like a spreadsheet
formula (``=``, ``+``, ``-``, ``@``) unless it is a number, so that nothing a provider sends
turns into a formula when an analyst opens an export in a spreadsheet.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Final

from services.indicators.catalogue import Catalogue
from services.indicators.readings import Reading, RecordError, validate_record

__all__ = ["check_record", "formula_errors"]

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


def check_record(
    raw: object, index: int, catalogue: Catalogue, now: datetime, *, line: int | None = None
) -> Reading | list[RecordError]:
    """A Reading, or every problem of the record (validation and formula-like texts)."""
    result = validate_record(raw, index, catalogue, now, line=line)
    formulas = formula_errors(raw, index, line)
    if not formulas:
        return result
    if isinstance(result, Reading):
        return formulas
    flagged = {f.field for f in formulas}
    return [*(e for e in result if e.field not in flagged), *formulas]

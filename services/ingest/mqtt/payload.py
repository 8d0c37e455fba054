"""MQTT messages as readings: decode a payload, and say what was wrong with one.

A payload is UTF-8 and one of: a JSON reading object, a JSON batch (``{"readings": [...]}``
or an array), or NDJSON (one reading per line). Records are numbered within their message
(``index`` 0-based; ``line`` 1-based for NDJSON). Problems found here (not UTF-8, not JSON,
a line of NDJSON that is not JSON, a record nested too deeply to be sent on) are errors of
the message; the API judges the records.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson

from services.ingest.bodies import BodyError, RawRecord, parse_ndjson
from services.ingest.checks import nesting_problem

__all__ = ["Incoming", "decode_payload", "error_report", "errors_topic"]

MAX_RECORDS = 100_000

_SHAPES = 'publish a reading object, {"readings": [...]}, an array of readings, or NDJSON'


@dataclass(frozen=True, slots=True)
class Incoming:
    """A message as received (``mid`` and ``qos`` are needed to acknowledge it)."""

    topic: str
    payload: bytes
    mid: int
    qos: int


def decode_payload(payload: bytes) -> list[RawRecord]:
    """The records of a message; a record that could not be decoded carries its ``problem``."""
    try:
        text = payload.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        return [_bad(f"the message is not UTF-8 (byte {exc.start}); publish UTF-8 JSON")]
    try:
        doc = orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        if "\n" in text.strip():
            try:
                lines = parse_ndjson(text, MAX_RECORDS)
            except BodyError as too_many:
                return [_bad(str(too_many))]
            return [r if r.problem else _record(r.index, r.line, r.value) for r in lines]
        return [_bad(f"the message is not JSON ({exc}); {_SHAPES}")]
    if isinstance(doc, dict) and "readings" in doc:
        doc = doc["readings"]
        if not isinstance(doc, list):
            return [_bad(f'"readings" must be an array of readings; {_SHAPES}')]
    records = doc if isinstance(doc, list) else [doc]
    return [_record(i, None, value) for i, value in enumerate(records)]


def _record(index: int, line: int | None, value: object) -> RawRecord:
    """A decoded record; one nested too deeply is a problem (it could not be re-encoded)."""
    deep = nesting_problem(value)
    return RawRecord(index, line, None if deep else value, deep)


def _bad(problem: str) -> RawRecord:
    return RawRecord(0, None, None, problem)


def errors_topic(prefix: str, topic: str) -> str:
    """Where the errors of a message on ``topic`` are published: ``<prefix>/<topic>``."""
    return f"{prefix.rstrip('/')}/{topic}"


def error_report(
    topic: str, accepted: int, errors: Sequence[dict[str, Any]], at: datetime
) -> bytes:
    rejected = len({e.get("index") for e in errors})
    return orjson.dumps(
        {
            "topic": topic,
            "at": at.isoformat(),
            "accepted": accepted,
            "rejected": rejected,
            "errors": list(errors),
        }
    )

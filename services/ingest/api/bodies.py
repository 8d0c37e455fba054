"""Turn a request body into raw records: JSON (object with ``readings`` or an array)."""

from __future__ import annotations

from dataclasses import dataclass

import orjson

__all__ = ["BodyError", "RawRecord", "parse_json"]


class BodyError(ValueError):
    """The body as a whole cannot be read; the message says why and what is expected."""


@dataclass(frozen=True, slots=True)
class RawRecord:
    index: int
    line: int | None
    value: object


def parse_json(body: bytes) -> list[RawRecord]:
    try:
        doc = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise BodyError(
            f"the body is not valid JSON ({exc}); send an object "
            '{"readings": [...]} or an array of readings'
        ) from None
    if isinstance(doc, dict):
        if set(doc) - {"readings"}:
            extra = ", ".join(sorted(set(doc) - {"readings"}))
            raise BodyError(f'unexpected top-level field(s) {extra}; send {{"readings": [...]}}')
        doc = doc.get("readings")
    if not isinstance(doc, list):
        raise BodyError('expected an object {"readings": [...]} or an array of readings')
    return [RawRecord(i, None, v) for i, v in enumerate(doc)]

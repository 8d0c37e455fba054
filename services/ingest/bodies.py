"""Turn a request body into raw records: JSON, NDJSON or CSV, always UTF-8.

- ``application/json``: an object ``{"readings": [...]}`` or an array of readings;
- ``application/x-ndjson`` (also ``application/ndjson``, ``application/jsonl``): one reading
  per line, blank lines ignored; a line that is not JSON is an error of that record;
- ``text/csv``: a header row naming the columns (indicator, ts, value, unit, source, and
  optionally region, id and ``label.NAME``), then one reading per row.

Records are numbered by ``index`` (0-based, in order) and, for the line formats, by
``line`` (1-based, the CSV header being line 1). A body that cannot be read as a whole
raises BodyError with the HTTP status to answer and a message saying what to fix.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

import orjson

from services.indicators.readings import FIELDS, REQUIRED_FIELDS, csv_row_to_record

if TYPE_CHECKING:
    from _csv import Reader

__all__ = [
    "CSV_TYPES",
    "JSON_TYPES",
    "NDJSON_TYPES",
    "BodyError",
    "RawRecord",
    "parse_body",
    "parse_csv",
    "parse_json",
    "parse_ndjson",
]

JSON_TYPES: Final = frozenset({"application/json"})
NDJSON_TYPES: Final = frozenset({"application/x-ndjson", "application/ndjson", "application/jsonl"})
CSV_TYPES: Final = frozenset({"text/csv"})
_ACCEPTED = "application/json, application/x-ndjson or text/csv"
_CSV_COLUMNS: Final = tuple(f for f in FIELDS if f != "labels")


class BodyError(ValueError):
    """The body as a whole cannot be read; ``status`` and ``title`` are the HTTP answer."""

    def __init__(self, message: str, status: int = 400, title: str = "unreadable body") -> None:
        super().__init__(message)
        self.status = status
        self.title = title


class TooManyRecords(BodyError):
    def __init__(self, limit: int) -> None:
        super().__init__(
            f"more than {limit} readings in one request; send at most {limit} per request",
            413,
            "batch too long",
        )


@dataclass(frozen=True, slots=True)
class RawRecord:
    """One record as decoded; ``problem`` is set when the record itself could not be decoded."""

    index: int
    line: int | None
    value: object
    problem: str | None = None


def parse_body(content_type: str | None, body: bytes, max_records: int) -> list[RawRecord]:
    mime, charset = _media_type(content_type)
    if charset is not None and charset.replace("-", "").lower() != "utf8":
        raise BodyError(
            f"charset={charset} is not supported; send UTF-8 (charset=utf-8)",
            415,
            "unsupported charset",
        )
    if mime in JSON_TYPES:
        return parse_json(_text(body), max_records)
    if mime in NDJSON_TYPES:
        return parse_ndjson(_text(body), max_records)
    if mime in CSV_TYPES:
        return parse_csv(_text(body), max_records)
    shown = f"Content-Type {mime}" if mime else "no Content-Type"
    raise BodyError(
        f"{shown}: send the readings as {_ACCEPTED}, and say which in the Content-Type header",
        415,
        "unsupported media type",
    )


def _media_type(content_type: str | None) -> tuple[str, str | None]:
    if not content_type:
        return "", None
    mime, *params = content_type.split(";")
    charset = None
    for param in params:
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset":
            charset = value.strip().strip('"')
    return mime.strip().lower(), charset


def _text(body: bytes) -> str:
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = body[: exc.start].count(b"\n") + 1
        raise BodyError(
            f"the body is not UTF-8: byte 0x{body[exc.start]:02x} at offset {exc.start} "
            f"(line {line}) is not valid UTF-8; save or send the data as UTF-8"
        ) from None
    return text.removeprefix("\ufeff")


def parse_json(text: str, max_records: int) -> list[RawRecord]:
    try:
        doc = orjson.loads(text)
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
    if len(doc) > max_records:
        raise TooManyRecords(max_records)
    return [RawRecord(i, None, v) for i, v in enumerate(doc)]


def parse_ndjson(text: str, max_records: int) -> list[RawRecord]:
    records: list[RawRecord] = []
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        if len(records) >= max_records:
            raise TooManyRecords(max_records)
        try:
            records.append(RawRecord(len(records), number, orjson.loads(line)))
        except orjson.JSONDecodeError as exc:
            problem = f"line {number} is not JSON ({exc}); write one reading object per line"
            records.append(RawRecord(len(records), number, None, problem))
    return records


def parse_csv(text: str, max_records: int) -> list[RawRecord]:
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    header = _header(reader)
    records: list[RawRecord] = []
    for line, cells in _rows(reader):
        if len(records) >= max_records:
            raise TooManyRecords(max_records)
        row: dict[str | None, str | None] = dict(zip(header, cells, strict=False))
        row.update({name: None for name in header[len(cells) :]})
        if len(cells) > len(header):
            row[None] = ",".join(cells[len(header) :])
        records.append(RawRecord(len(records), line, csv_row_to_record(row)))  # type: ignore[arg-type]
    return records


def _rows(reader: Reader) -> Iterator[tuple[int, list[str]]]:
    line_num = 1
    while True:
        start = line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise BodyError(f"the CSV is malformed at line {start}: {exc}") from None
        line_num = reader.line_num
        if cells and any(c.strip() for c in cells):
            yield start, cells


def _header(reader: Reader) -> list[str]:
    hint = f"the first line must name the columns, e.g. {','.join(REQUIRED_FIELDS)}"
    try:
        header = [name.strip() for name in next(reader)]
    except StopIteration:
        raise BodyError(f"the CSV body is empty; {hint}") from None
    except csv.Error as exc:
        raise BodyError(f"the CSV header (line 1) is malformed: {exc}; {hint}") from None
    problems = []
    seen: set[str] = set()
    for position, name in enumerate(header, start=1):
        if name in seen:
            problems.append(f'column "{name}" appears twice')
        seen.add(name)
        if not name:
            problems.append(f"column {position} has no name")
        elif name not in _CSV_COLUMNS and not (name.startswith("label.") and len(name) > 6):
            problems.append(f'column "{name}" is unknown')
    missing = [f for f in REQUIRED_FIELDS if f not in seen]
    if missing:
        problems.append(f"required column(s) {', '.join(missing)} missing")
    if problems:
        columns = ", ".join(_CSV_COLUMNS)
        raise BodyError(
            f"bad CSV header (line 1): {'; '.join(problems)}. The columns are {columns} "
            "and label.NAME for each label; " + hint
        )
    return header

"""Back-fill history from a CSV or NDJSON file through the HTTP API, batch by batch.

The file is cut into batches of ``batch`` readings, each sent as the same format to
``POST /v1/readings`` (CSV batches repeat the header). Answers are mapped back to the
file: an error of record ``index`` of a batch names the file's line. Batches answered
429/503 are retried by the client; the summary says how often.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Literal

from services.errors import OntrackError
from services.ingest.client import Answer, IngestClient

__all__ = ["Chunk", "ReplayError", "Summary", "chunks", "detect_format", "replay"]

Format = Literal["csv", "ndjson"]
CONTENT_TYPES: dict[str, str] = {"csv": "text/csv", "ndjson": "application/x-ndjson"}
MAX_SHOWN_ERRORS = 10


class ReplayError(OntrackError):
    """The file cannot be replayed; the message says where and why."""


@dataclass(frozen=True, slots=True)
class Chunk:
    body: bytes
    lines: list[int]  # the file line of each record of the batch
    offset: int  # bytes of the file read so far (for progress)


@dataclass(slots=True)
class Summary:
    sent: int = 0
    accepted: int = 0
    rejected: int = 0
    retries: int = 0
    errors: list[str] = field(default_factory=list)

    def note(self, message: str) -> None:
        if len(self.errors) < MAX_SHOWN_ERRORS:
            self.errors.append(message)


def detect_format(path: Path, given: str | None) -> Format:
    if given in ("csv", "ndjson"):
        return given  # type: ignore[return-value]
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return "csv"
    if suffix in (".ndjson", ".jsonl"):
        return "ndjson"
    raise ReplayError(
        f"cannot tell the format of {path.name}: name it .csv or .ndjson, or --format"
    )


def chunks(fh: BinaryIO, fmt: Format, batch: int) -> Iterator[Chunk]:
    return _csv_chunks(fh, batch) if fmt == "csv" else _ndjson_chunks(fh, batch)


def _ndjson_chunks(fh: BinaryIO, batch: int) -> Iterator[Chunk]:
    lines: list[bytes] = []
    numbers: list[int] = []
    for number, raw in enumerate(fh, start=1):
        if number == 1:
            raw = raw.removeprefix(b"\xef\xbb\xbf")
        if raw.strip():
            lines.append(raw.rstrip(b"\r\n"))
            numbers.append(number)
        if len(lines) >= batch:
            yield Chunk(b"\n".join(lines) + b"\n", numbers, fh.tell())
            lines, numbers = [], []
    if lines:
        yield Chunk(b"\n".join(lines) + b"\n", numbers, fh.tell())


def _csv_chunks(fh: BinaryIO, batch: int) -> Iterator[Chunk]:
    text = io.TextIOWrapper(fh, encoding="utf-8-sig", newline="")
    reader = csv.reader(text, strict=True)
    try:
        header = next(reader)
        rows: list[list[str]] = []
        numbers: list[int] = []
        line_num = reader.line_num
        for row in reader:
            start, line_num = line_num + 1, reader.line_num
            if any(cell.strip() for cell in row):
                rows.append(row)
                numbers.append(start)
            if len(rows) >= batch:
                yield Chunk(_csv_body(header, rows), numbers, fh.tell())
                rows, numbers = [], []
    except StopIteration:
        raise ReplayError("the CSV file is empty; its first line must be the header") from None
    except csv.Error as exc:
        raise ReplayError(f"the CSV file is malformed at line {reader.line_num}: {exc}") from None
    except UnicodeDecodeError as exc:
        raise ReplayError(f"the file is not UTF-8 ({exc}); convert it to UTF-8") from None
    finally:
        text.detach()
    if rows:
        yield Chunk(_csv_body(header, rows), numbers, fh.tell())


def _csv_body(header: list[str], rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode()


def replay(
    batches: Iterator[Chunk],
    fmt: Format,
    client: IngestClient,
    progress: Callable[[Chunk, Summary], None] = lambda chunk, summary: None,
) -> Summary:
    """Send every batch; count what was accepted and rejected, with the first errors."""
    summary = Summary()
    for chunk in batches:
        answer = client.post(chunk.body, CONTENT_TYPES[fmt])
        summary.sent += len(chunk.lines)
        _tally(summary, chunk, answer)
        summary.retries = client.retries
        progress(chunk, summary)
    return summary


def _tally(summary: Summary, chunk: Chunk, answer: Answer) -> None:
    if answer.status in (202, 422):
        summary.accepted += int(answer.body.get("accepted", 0))
        summary.rejected += int(answer.body.get("rejected", 0))
    else:
        summary.rejected += len(chunk.lines)
        first, last = chunk.lines[0], chunk.lines[-1]
        summary.note(f"lines {first}-{last}: refused whole (HTTP {answer.status}): {answer.detail}")
    for error in answer.errors:
        index = error.get("index")
        line = chunk.lines[index] if isinstance(index, int) and index < len(chunk.lines) else "?"
        where = f"line {line}" + (f", {error['field']}" if error.get("field") else "")
        summary.note(f"{where}: {error.get('message', '')}")

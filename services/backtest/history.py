"""History for a backtest: CSV or NDJSON files in the provider format, each reading with
when it arrived (``received_at``; absent, it arrived at its own ``ts``).

Every record is checked exactly as ingest checks it (services.ingest.check_record), with
the instant it arrived as "now": a reading stamped after its own arrival is refused, as
the API would have refused it. Refused records are reported with file and line, never
stored. Readings come back sorted by arrival, so a backtest stores each one when it had
arrived — late and revised data included (a revision is a later arrival of the same
indicator, source and ts with another value).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import orjson

from services.errors import OntrackError
from services.indicators.catalogue import Catalogue
from services.indicators.readings import Reading, csv_row_to_record
from services.ingest.checks import check_record

__all__ = ["Arrival", "History", "HistoryError", "parse_instant", "read_history"]

RECEIVED = "received_at"
MAX_SHOWN = 10


class HistoryError(OntrackError):
    """A history file cannot be read at all (missing, not UTF-8, not CSV or NDJSON)."""


@dataclass(frozen=True, slots=True)
class Arrival:
    """A checked reading and the instant it reached ontrack."""

    at: datetime
    reading: Reading


@dataclass(slots=True)
class History:
    """Checked readings sorted by arrival, and what was refused (file:line: why)."""

    arrivals: list[Arrival] = field(default_factory=list)
    refused: int = 0
    problems: list[str] = field(default_factory=list)

    def refuse(self, where: str, why: str) -> None:
        self.refused += 1
        if len(self.problems) < MAX_SHOWN:
            self.problems.append(f"{where}: {why}")


def read_history(
    paths: Iterable[Path], catalogue: Catalogue, progress: Callable[[str], None] = lambda _: None
) -> History:
    """Read and check every file; the arrivals sorted by (arrival, file order)."""
    history = History()
    for path in paths:
        records = _records(path)
        before = len(history.arrivals)
        for line, raw in records:
            _check(history, catalogue, f"{path}:{line}", raw)
        progress(f"{path}: {len(history.arrivals) - before:,} readings")
    history.arrivals.sort(key=lambda a: a.at)
    return history


@dataclass(frozen=True, slots=True)
class _Unreadable:
    problem: str


def _check(history: History, catalogue: Catalogue, where: str, raw: object) -> None:
    if isinstance(raw, _Unreadable):
        history.refuse(where, raw.problem)
        return
    if not isinstance(raw, dict):
        history.refuse(where, "a reading is an object with indicator, ts, value, unit, source")
        return
    record = dict(raw)
    stamp = record.pop(RECEIVED, None)
    received: datetime | None = None
    if stamp not in (None, ""):
        try:
            received = parse_instant(str(stamp))
        except ValueError as exc:
            history.refuse(where, f"{RECEIVED}: {exc}")
            return
    # Checked as of its arrival: a reading stamped after it arrived is refused, as the API
    # refuses one from the future. Without received_at it arrived at its own ts.
    result = check_record(record, 0, catalogue, received or _FAR)
    if isinstance(result, Reading):
        history.arrivals.append(Arrival(received or result.ts, result))
        return
    history.refuse(where, "; ".join(f"{e.field or 'record'}: {e.message}" for e in result))


_FAR = datetime(9999, 1, 1, tzinfo=UTC)


def parse_instant(text: str) -> datetime:
    """An RFC 3339 instant with its offset (as ``ts`` is written), in UTC."""
    value = text.strip()
    if len(value) < 20 or not (value[-1] in "zZ" or value[-6] in "+-"):
        raise ValueError(
            f"{value!r} is not an RFC 3339 instant with offset, e.g. 2025-03-01T10:00:00+08:00"
        )
    try:
        return datetime.fromisoformat(value.upper()).astimezone(UTC)
    except ValueError as exc:
        raise ValueError(f"{value!r} is not a valid instant ({exc})") from None


def _records(path: Path) -> Iterator[tuple[int, object]]:
    try:
        text = path.read_text(encoding="utf-8").removeprefix("\ufeff")
    except FileNotFoundError:
        raise HistoryError(f"{path}: no such file") from None
    except UnicodeDecodeError as exc:
        raise HistoryError(f"{path}: not UTF-8 ({exc.reason} at byte {exc.start})") from None
    except OSError as exc:
        raise HistoryError(f"{path}: cannot read ({exc.strerror})") from None
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return _csv(path, text)
    if suffix in (".ndjson", ".jsonl"):
        return _ndjson(text)
    raise HistoryError(
        f"{path}: say which format by the file name: .csv, or .ndjson/.jsonl (one reading per "
        "line), as for `ontrack replay`"
    )


def _ndjson(text: str) -> Iterator[tuple[int, object]]:
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            yield number, orjson.loads(line)
        except orjson.JSONDecodeError as exc:
            yield number, _Unreadable(f"not JSON ({exc}); write one reading object per line")


def _csv(path: Path, text: str) -> Iterator[tuple[int, object]]:
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = [name.strip() for name in next(reader)]
    except StopIteration:
        raise HistoryError(f"{path}: empty; the first line names the columns") from None
    except csv.Error as exc:
        raise HistoryError(f"{path}:1: the CSV header is malformed ({exc})") from None
    line = 1
    while True:
        start = line + 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise HistoryError(f"{path}:{start}: the CSV is malformed ({exc})") from None
        line = reader.line_num
        if not cells or not any(c.strip() for c in cells):
            continue
        row: dict[str, str | None] = dict(zip(header, cells, strict=False))
        received = row.pop(RECEIVED, None)
        record = csv_row_to_record(row)
        if received:
            record[RECEIVED] = received
        yield start, record

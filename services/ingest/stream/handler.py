"""Turn a batch of Kafka events into stored observations (the core of the ``store`` agent)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeVar

import orjson
import psycopg

from services.indicators.catalogue import Catalogue
from services.indicators.columns import ReadingColumns
from services.indicators.readings import Reading
from services.ingest.checks import check_record
from services.ingest.codec import FORMAT_HEADER, TRUSTED_FORMATS, decode_columns
from services.ingest.signing import KEY_HEADER, MAC_HEADER, BatchKeys, verify_batch
from services.storage import (
    ObservationWriter,
    ReadingsRefused,
    Received,
    SeriesChange,
    StorageError,
    StorageUnavailable,
)

__all__ = ["BatchHandler", "DeadLetter", "Decoded", "decode_event", "joined"]

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class DeadLetter:
    """A message (or one record of it) that cannot be stored, with the reason."""

    topic: str
    partition: int
    offset: int
    reason: str
    payload: bytes


@dataclass(slots=True)
class Decoded:
    """The readings of one message, as columns (each with when it was received), and what
    of it cannot be stored."""

    readings: ReadingColumns = field(default_factory=ReadingColumns)
    dead: list[DeadLetter] = field(default_factory=list)


def _header(headers: object, name: str) -> bytes | None:
    if isinstance(headers, dict):
        value = headers.get(name)
        return value if isinstance(value, bytes) else None
    for key, value in headers or ():  # type: ignore[attr-defined]
        if key == name:
            return value if isinstance(value, bytes) else None
    return None


def decode_event(message: object, catalogue: Catalogue, now: datetime, keys: BatchKeys) -> Decoded:
    """Decode one Kafka message: our own signed batches directly, anything else validated
    record by record."""
    payload: bytes = getattr(message, "value", b"") or b""
    where = (
        str(getattr(message, "topic", "")),
        int(getattr(message, "partition", -1)),
        int(getattr(message, "offset", -1)),
    )
    headers = getattr(message, "headers", None)
    fmt = _header(headers, FORMAT_HEADER)
    if fmt is not None:
        return _decode_batch(payload, fmt, headers, keys, where, now)
    out = Decoded()
    try:
        doc = orjson.loads(payload)
    except orjson.JSONDecodeError as exc:
        out.dead.append(DeadLetter(*where, f"not JSON: {exc}", payload))
        return out
    records = doc.get("readings") if isinstance(doc, dict) and "readings" in doc else doc
    if not isinstance(records, list):
        records = [records]
    for i, raw in enumerate(records):
        result = check_record(raw, i, catalogue, now)
        if isinstance(result, Reading):
            out.readings.append(result, now)
        else:
            reason = "; ".join(f"{e.field or 'record'}: {e.message}" for e in result)
            out.dead.append(DeadLetter(*where, f"record {i}: {reason}", _encoded(raw, payload)))
    return out


def _decode_batch(
    payload: bytes,
    fmt: bytes,
    headers: object,
    keys: BatchKeys,
    where: tuple[str, int, int],
    now: datetime,
) -> Decoded:
    """A message that says it is one of our batches: stored as it is if its signature
    verifies, dead-lettered whole otherwise (never validated as a provider's message)."""
    out = Decoded()
    if fmt not in TRUSTED_FORMATS:
        shown = fmt[:40].decode("utf-8", "replace")
        reason = (
            f"header {FORMAT_HEADER}={shown} is not a format this worker reads "
            f"({', '.join(f.decode() for f in TRUSTED_FORMATS)}); nothing of it was stored. "
            "Kafka-native producers send their readings without that header "
            "(docs/providers.md, section 9)"
        )
        out.dead.append(DeadLetter(*where, reason, payload))
        return out
    refused = verify_batch(
        keys, fmt, payload, _header(headers, KEY_HEADER), _header(headers, MAC_HEADER)
    )
    if refused is not None:
        out.dead.append(DeadLetter(*where, refused, payload))
        return out
    try:
        return Decoded(decode_columns(payload))
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        reason = (
            f"header {FORMAT_HEADER}={fmt.decode()} on a signed payload that is not "
            f"such a batch ({exc!r}); is an API of another version signing with this key?"
        )
        out.dead.append(DeadLetter(*where, reason, payload))
        return out


def _encoded(record: object, payload: bytes) -> bytes:
    """A refused record as JSON for the dead-letter topic; the whole message when orjson cannot
    encode it again (nested past its limit)."""
    try:
        return orjson.dumps(record)
    except orjson.JSONEncodeError:
        return payload


def joined(groups: Sequence[Decoded]) -> ReadingColumns:
    """The readings of decoded messages, one batch of columns."""
    out = ReadingColumns()
    for g in groups:
        if len(g.readings):
            out.extend(g.readings)
    return out


class BatchHandler:
    """Store a batch; retry while the database is unavailable; dead-letter what is invalid."""

    def __init__(
        self,
        writer: ObservationWriter,
        catalogue: Catalogue,
        dead_letter: Callable[[Sequence[DeadLetter]], Awaitable[None]],
        now: Callable[[], datetime],
        *,
        keys: BatchKeys,
        derive: Callable[[Sequence[SeriesChange]], Awaitable[object]] | None = None,
        max_backoff: float = 30.0,
    ) -> None:
        self.writer = writer
        self.derive = derive
        self.catalogue = catalogue
        self.dead_letter = dead_letter
        self.now = now
        self.keys = keys
        self.max_backoff = max_backoff

    async def handle(self, messages: Sequence[object]) -> list[SeriesChange]:
        now = self.now()
        groups = [decode_event(m, self.catalogue, now, self.keys) for m in messages]
        dead = [d for g in groups for d in g.dead]
        if dead:
            await self.dead_letter(dead)
        return await self.store(joined(groups))

    async def store(self, batch: ReadingColumns | Sequence[Received]) -> list[SeriesChange]:
        """Store checked readings (columns, or readings each with when it was received) and
        what derives from them; what the database refuses is dead-lettered reading by
        reading."""
        columns = batch if isinstance(batch, ReadingColumns) else ReadingColumns.of(batch)
        while len(columns):
            try:
                return await self._store(columns)
            except ReadingsRefused as exc:  # nothing stored: dead-letter those, write the rest
                await self.dead_letter(
                    [
                        DeadLetter("", -1, -1, reason, orjson.dumps(columns.describe(i)))
                        for i, reason in exc.refusals
                    ]
                )
                refused = {i for i, _ in exc.refusals}
                columns = columns.pick([i for i in range(len(columns)) if i not in refused])
            except StorageError:
                return await self._store_one_by_one(columns)
        return []

    async def _store_one_by_one(self, batch: ReadingColumns) -> list[SeriesChange]:
        """A batch the database refused as a whole: store what it takes, dead-letter the rest."""
        changed: list[SeriesChange] = []
        dead: list[DeadLetter] = []
        for i in range(len(batch)):
            try:
                changed += await self._store(batch.take(i, i + 1))
            except StorageError as exc:
                reason = f"refused by the database: {exc}"
                dead.append(DeadLetter("", -1, -1, reason, orjson.dumps(batch.describe(i))))
        if dead:
            await self.dead_letter(dead)
        return changed

    async def _store(self, batch: ReadingColumns) -> list[SeriesChange]:
        changes = await self._retrying(lambda: self.writer.write(batch), len(batch))
        if self.derive is not None and changes:
            derive = self.derive
            await self._retrying(lambda: derive(changes), len(batch))
        return changes

    async def _retrying(self, step: Callable[[], Awaitable[T]], size: int) -> T:
        """Run ``step`` until it succeeds while the database is unreachable (never give up)."""
        delay = 0.5
        while True:
            try:
                return await step()
            except (StorageUnavailable, psycopg.OperationalError) as exc:
                log.warning("storing %d readings failed, retrying in %.1fs: %s", size, delay, exc)
                await asyncio.sleep(delay)
                delay = min(delay * 2, self.max_backoff)

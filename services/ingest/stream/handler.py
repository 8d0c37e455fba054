"""Turn a batch of Kafka events into stored observations (the core of the ``store`` agent)."""

from __future__ import annotations

import asyncio
import logging
from bisect import bisect_right
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeVar, overload

import orjson
import psycopg

from services.indicators.catalogue import Catalogue
from services.indicators.readings import Reading
from services.ingest.checks import check_record
from services.ingest.codec import FORMAT_HEADER, TRUSTED_FORMAT, decode_trusted
from services.ingest.signing import KEY_HEADER, MAC_HEADER, BatchKeys, verify_batch
from services.storage import (
    ObservationWriter,
    Received,
    SeriesChange,
    StorageError,
    StorageUnavailable,
)

__all__ = ["BatchHandler", "DeadLetter", "Decoded", "ReceivedBatch", "decode_event"]

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
    received_at: datetime
    readings: list[Reading] = field(default_factory=list)
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
    out = Decoded(now)
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
            out.readings.append(result)
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
    out = Decoded(now)
    if fmt != TRUSTED_FORMAT:
        shown = fmt[:40].decode("utf-8", "replace")
        reason = (
            f"header {FORMAT_HEADER}={shown} is not a format this worker reads "
            f"({TRUSTED_FORMAT.decode()}); nothing of it was stored. Kafka-native producers "
            "send their readings without that header (docs/providers.md, section 9)"
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
        received_at, readings = decode_trusted(payload)
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        reason = (
            f"header {FORMAT_HEADER}={TRUSTED_FORMAT.decode()} on a signed payload that is not "
            f"such a batch ({exc!r}); is an API of another version signing with this key?"
        )
        out.dead.append(DeadLetter(*where, reason, payload))
        return out
    return Decoded(received_at, list(readings))


def _encoded(record: object, payload: bytes) -> bytes:
    """A refused record as JSON for the dead-letter topic; the whole message when orjson cannot
    encode it again (nested past its limit)."""
    try:
        return orjson.dumps(record)
    except orjson.JSONEncodeError:
        return payload


class ReceivedBatch(Sequence[Received]):
    """The readings of decoded messages, each with when its message was received.

    The pairs are made as they are read: a batch can hold many readings, and a tuple per
    reading would be a fifth of what it holds.
    """

    def __init__(self, groups: Sequence[Decoded]) -> None:
        self._groups = [g for g in groups if g.readings]
        self._starts: list[int] = []
        total = 0
        for g in self._groups:
            self._starts.append(total)
            total += len(g.readings)
        self._len = total

    def __len__(self) -> int:
        return self._len

    def __iter__(self) -> Iterator[Received]:
        for g in self._groups:
            at = g.received_at
            for r in g.readings:
                yield r, at

    @overload
    def __getitem__(self, index: int) -> Received: ...
    @overload
    def __getitem__(self, index: slice) -> list[Received]: ...
    def __getitem__(self, index: int | slice) -> Received | list[Received]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(self._len))]
        if index < 0:
            index += self._len
        if not 0 <= index < self._len:
            raise IndexError(index)
        k = bisect_right(self._starts, index) - 1
        g = self._groups[k]
        return g.readings[index - self._starts[k]], g.received_at


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
        return await self.store(ReceivedBatch(groups))

    async def store(self, batch: Sequence[Received]) -> list[SeriesChange]:
        """Store checked readings (each with when it was received) and what derives from
        them; what the database refuses is dead-lettered reading by reading."""
        if not batch:
            return []
        try:
            return await self._store(batch)
        except StorageError:
            return await self._store_one_by_one(batch)

    async def _store_one_by_one(self, batch: Sequence[Received]) -> list[SeriesChange]:
        """A batch the database refused as a whole: store what it takes, dead-letter the rest."""
        changed: list[SeriesChange] = []
        dead: list[DeadLetter] = []
        for item in batch:
            try:
                changed += await self._store([item])
            except StorageError as exc:
                reading = item[0]
                dead.append(
                    DeadLetter(
                        "",
                        -1,
                        -1,
                        f"refused by the database: {exc}",
                        orjson.dumps(
                            {
                                "indicator": reading.indicator,
                                "source": reading.source,
                                "ts": reading.ts.isoformat(),
                                "value": reading.value,
                            }
                        ),
                    )
                )
        if dead:
            await self.dead_letter(dead)
        return changed

    async def _store(self, batch: Sequence[Received]) -> list[SeriesChange]:
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

"""Watch the ``aggregates`` topic: what the stream has stored, and when.

The stream publishes one ``aggregates`` message per indicator after each batch's database
transaction commits, naming every series it changed, how many rows and the span of their
timestamps. Summing those rows counts what is stored without querying the database
(which would cost the database under test); the arrival time of each message is when
its readings became visible.
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
from aiokafka import AIOKafkaConsumer, TopicPartition

__all__ = ["AggregatesWatcher", "Stored", "latencies", "parse_event"]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_US = timedelta(microseconds=1)


@dataclass(frozen=True, slots=True)
class Stored:
    """Rows of one series a batch stored, their first and last ts (µs since the epoch)."""

    source: str
    rows: int
    first_us: int
    last_us: int


def _us(text: str) -> int:
    return (datetime.fromisoformat(text) - _EPOCH) // _US


def parse_event(payload: bytes) -> list[Stored]:
    return _parse(payload)[1]


def _parse(payload: bytes) -> tuple[str, list[Stored]]:
    """The batch's end (the worker's ``at``, shared by every message of one batch) and the
    series it stored."""
    doc = orjson.loads(payload)
    stored = [
        Stored(s["source"], int(s["rows"]), _us(s["first_ts"]), _us(s["last_ts"]))
        for s in doc.get("series", ())
    ]
    return str(doc.get("at", "")), stored


def latencies(
    events: Iterable[tuple[float, Sequence[Stored]]], sent: Mapping[str, Sequence[int]]
) -> list[float]:
    """Seconds from each reading's push (its ts) to the event that reported it, for every
    reading of ``sent`` (source → sorted push times in µs) an event covers."""
    out: list[float] = []
    for at, stored in events:
        at_us = at * 1e6
        for s in stored:
            times = sent.get(s.source)
            if not times:
                continue
            lo = bisect.bisect_left(times, s.first_us)
            hi = bisect.bisect_right(times, s.last_us)
            out.extend((at_us - t) / 1e6 for t in times[lo:hi])
    return out


@dataclass
class AggregatesWatcher:
    """Reads every partition of the aggregates topic from its start, in the background."""

    bootstrap: str
    topic: str
    rows: int = 0
    events: list[tuple[float, list[Stored]]] = field(default_factory=list)
    last_at: float = 0.0
    # per batch (the worker's ``at``): when its first message arrived here, and its rows
    batches: dict[str, list[float]] = field(default_factory=dict)
    _consumer: Any = None
    _task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._consumer = AIOKafkaConsumer(
            bootstrap_servers=self.bootstrap, enable_auto_commit=False, client_id="ontrack-bench"
        )
        await self._consumer.start()
        parts = None
        for _ in range(50):
            parts = self._consumer.partitions_for_topic(self.topic)
            if parts:
                break
            await self._consumer.force_metadata_update()
            await asyncio.sleep(0.1)
        if not parts:
            raise RuntimeError(f"topic {self.topic} has no partitions")
        tps = [TopicPartition(self.topic, p) for p in sorted(parts)]
        self._consumer.assign(tps)
        await self._consumer.seek_to_beginning(*tps)
        self._task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        while True:
            batches = await self._consumer.getmany(timeout_ms=200, max_records=10_000)
            at = time.time()
            for messages in batches.values():
                for m in messages:
                    self.note(at, m.value)

    def note(self, at: float, payload: bytes) -> None:
        """An aggregates message that arrived at ``at``."""
        batch, stored = _parse(payload)
        rows = sum(s.rows for s in stored)
        self.events.append((at, stored))
        self.batches.setdefault(batch, [at, 0])[1] += rows
        self.rows += rows
        self.last_at = at

    async def wait_rows(
        self, want: int, within: float, on_progress: Any = None, quiet: float = 60.0
    ) -> bool:
        """Until ``want`` rows are stored; False after ``within`` s or ``quiet`` s without news."""
        deadline = time.monotonic() + within
        last_rows, last_change = self.rows, time.monotonic()
        while self.rows < want:
            if self._task is not None and self._task.done():
                self._task.result()
            now = time.monotonic()
            if self.rows != last_rows:
                last_rows, last_change = self.rows, now
            if now > deadline or now - last_change > quiet:
                return False
            if on_progress is not None:
                on_progress(self.rows)
            await asyncio.sleep(0.05)
        return True

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._consumer is not None:
            await self._consumer.stop()

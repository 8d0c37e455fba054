"""Produce readings to Kafka durably: kafka-python's idempotent producer with acks=all.

``ReadingsProducer.send`` resolves only when every message of the batch is acknowledged by
the broker, so an HTTP 202 is never answered for a reading that is not in Kafka. It waits at
most ``ack_timeout`` seconds: with the broker unreachable the API answers 503 then, not
after the producer's own delivery timeout (30 s, past many clients' patience). A batch given
up on may still reach Kafka later; the provider's retry of it is stored once all the same.
Every message is signed with the process's batch key (``services.ingest.signing``): the
stream stores only batches whose signature it can verify.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from kafka import KafkaProducer
from kafka.errors import KafkaError
from kafka.partitioner.default import murmur2

from services.indicators.columns import ReadingColumns
from services.indicators.readings import Reading
from services.ingest.codec import COLUMNS_FORMAT, encode_columns
from services.ingest.errors import BrokerUnavailable
from services.ingest.signing import BatchKeys, sign_batch

__all__ = ["ReadingsProducer"]

MAX_READINGS_PER_MESSAGE = 1000


class ReadingsProducer:
    """Groups a batch by partition (murmur2 of the series key, as Kafka's default partitioner)."""

    def __init__(
        self,
        bootstrap: str,
        topic: str,
        *,
        keys: BatchKeys,
        client_id: str = "ontrack-ingest",
        ack_timeout: float = 10.0,
        security: Mapping[str, Any] | None = None,
    ) -> None:
        """``security``: the client's authentication options (services.kafka_security)."""
        self.topic = topic
        self.keys = keys
        self.ack_timeout = ack_timeout
        self._producer = KafkaProducer(
            bootstrap_servers=bootstrap.split(","),
            client_id=client_id,
            acks="all",
            enable_idempotence=True,
            linger_ms=2,
            batch_size=1 << 20,
            max_request_size=8 << 20,
            request_timeout_ms=10_000,
            delivery_timeout_ms=30_000,
            max_block_ms=10_000,
            **(security or {}),
        )
        self._partitions: int | None = None
        self._partition_of: dict[str, int] = {}

    def _partition(self, series: str) -> int:
        part = self._partition_of.get(series)
        if part is None:
            if self._partitions is None:
                found = self._producer.partitions_for(self.topic)
                if not found:
                    raise BrokerUnavailable(f"topic {self.topic!r} has no partitions")
                self._partitions = len(found)
            part = (murmur2(series.encode()) & 0x7FFFFFFF) % self._partitions
            if len(self._partition_of) < 1_000_000:
                self._partition_of[series] = part
        return part

    def _messages(self, readings: ReadingColumns, received_at: datetime) -> list[tuple[int, bytes]]:
        groups: dict[int, list[int]] = defaultdict(list)
        partition = self._partition
        for i, key in enumerate(
            map("/".join, zip(readings.indicator, readings.source, strict=True))
        ):
            groups[partition(key)].append(i)
        out = []
        for part, rows in groups.items():
            for i in range(0, len(rows), MAX_READINGS_PER_MESSAGE):
                chunk = readings.pick(rows[i : i + MAX_READINGS_PER_MESSAGE])
                out.append((part, encode_columns(chunk, received_at)))
        return out

    async def send(
        self, readings: ReadingColumns | Sequence[Reading], received_at: datetime
    ) -> int:
        """Send and wait for the broker's acknowledgement of every message; return messages sent.

        Readings given as objects are sent as received at ``received_at``."""
        if not len(readings):
            return 0
        if not isinstance(readings, ReadingColumns):
            readings = ReadingColumns.of((r, received_at) for r in readings)
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(self.ack_timeout):
                # kafka-python may block on metadata or a full buffer: off the event loop
                futures = await loop.run_in_executor(
                    None, self._submit, loop, readings, received_at
                )
                results = await asyncio.gather(*futures, return_exceptions=True)
        except KafkaError as exc:
            raise BrokerUnavailable(f"the broker did not accept the batch: {exc}") from exc
        except TimeoutError:
            raise BrokerUnavailable(
                f"the broker did not acknowledge the batch within {self.ack_timeout:g} s"
            ) from None
        failures = [r for r in results if isinstance(r, BaseException)]
        if failures:
            raise BrokerUnavailable(f"the broker did not acknowledge the batch: {failures[0]}")
        return len(futures)

    def _submit(
        self, loop: asyncio.AbstractEventLoop, readings: ReadingColumns, received_at: datetime
    ) -> list[asyncio.Future[Any]]:
        messages = self._messages(readings, received_at)
        return [self._send_one(loop, part, payload) for part, payload in messages]

    def _send_one(
        self, loop: asyncio.AbstractEventLoop, part: int, payload: bytes
    ) -> asyncio.Future[Any]:
        done: asyncio.Future[Any] = loop.create_future()

        def ok(meta: Any) -> None:
            loop.call_soon_threadsafe(_settle, done, meta, None)

        def fail(exc: BaseException) -> None:
            loop.call_soon_threadsafe(_settle, done, None, exc)

        headers = sign_batch(self.keys, COLUMNS_FORMAT, payload)
        fut = self._producer.send(self.topic, value=payload, partition=part, headers=headers)
        fut.add_callback(ok)
        fut.add_errback(fail)
        return done

    async def reachable(self, within: float = 2.0) -> bool:
        """Whether the broker answers this producer's metadata request within ``within`` s.

        The API's readiness: it asks over the producer's own connections (and so with its
        settings), as ``partitions_for`` does inside kafka-python, which has no public call
        that forces a round trip. Concurrent calls share one request.
        """
        loop = asyncio.get_running_loop()
        answered: asyncio.Future[bool] = loop.create_future()
        update = self._producer._metadata.request_update()
        update.add_callback(lambda _: loop.call_soon_threadsafe(_settle, answered, True, None))
        update.add_errback(lambda _: loop.call_soon_threadsafe(_settle, answered, False, None))
        self._producer._sender.wakeup()
        try:
            async with asyncio.timeout(within):
                return await answered
        except TimeoutError:
            return False

    def close(self, timeout: float = 10.0) -> None:
        self._producer.flush(timeout=timeout)
        self._producer.close(timeout=timeout)


def _settle(fut: asyncio.Future[Any], value: Any, exc: BaseException | None) -> None:
    if fut.done():
        return
    if exc is not None:
        fut.set_exception(exc)
    else:
        fut.set_result(value)

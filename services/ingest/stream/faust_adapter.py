"""Everything ontrack asks of Faust, in one module: the app, batches acknowledged only once
stored, the partitions' offsets, and running a worker.

Faust offers no public way to do three things the stream needs, so this module touches
its private API — and only this module (tests/unit/ingest/stream/test_faust_surface.py
fails loudly when any of it changes; ``faust-streaming`` is pinned in pyproject.toml to
the version those tests ran against):

- ``faust.App._new_transport`` and ``Consumer._new_consumer_thread`` (overridden), and
  ``AIOKafkaConsumerThread._create_worker_consumer`` (overridden) to set the aiokafka
  consumer's ``_fetch_max_wait_ms``, read by ``AIOKafkaConsumer.start()``: Faust builds its
  consumer with ``fetch_max_wait_ms=1500`` and no setting for it, and a broker that holds a
  waiting fetch for the whole wait (the embedded stack's) would delay every message that
  long (``Settings.consumer_fetch_max_wait_seconds``).
- ``Stream._enable_passive(channel iterator)`` and ``Stream._processors``: consume a stream
  through a processor without iterating it, and remove that processor at the end, so that
  a batch is acknowledged only when the caller comes back for the next one (Faust's own
  ``Stream.take`` acknowledges a batch in a ``finally`` block, so a batch whose handling
  raised would still have its offsets committed).
- ``Consumer._committed_offset``: per partition, the offset Faust last committed, for the
  consumer-lag metrics (read with a default: an absent attribute reads as "nothing yet").
- ``Producer._ensure_producer()`` and the aiokafka client behind it: the worker's
  readiness asks the broker for metadata over the worker's own connection (Faust offers no
  call that goes to the broker).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping
from typing import Any

import faust
from faust.exceptions import ConsumerNotStarted
from faust.transport.drivers import aiokafka as driver
from faust.types import TransportT

__all__ = ["App", "assigned_offsets", "broker_answers", "committed_batches", "run_worker"]


class _ConsumerThread(driver.AIOKafkaConsumerThread):
    def _create_worker_consumer(self, transport: Any) -> Any:
        consumer = super()._create_worker_consumer(transport)
        wait = getattr(self.app, "fetch_max_wait_ms", None)
        if wait is not None:
            consumer._fetch_max_wait_ms = wait  # read by AIOKafkaConsumer.start()
        return consumer


class _Consumer(driver.Consumer):
    def _new_consumer_thread(self) -> driver.AIOKafkaConsumerThread:
        return _ConsumerThread(self, loop=self.loop, beacon=self.beacon)


class _Transport(driver.Transport):
    Consumer = _Consumer


class App(faust.App):
    """``faust.App`` whose Kafka consumer waits at most ``fetch_max_wait_ms`` per fetch."""

    fetch_max_wait_ms: int | None = None

    def _new_transport(self) -> TransportT:
        return _Transport(self.conf.broker_consumer, self, loop=self.loop)


async def committed_batches(stream: Any, max_: int, within: float) -> AsyncIterator[list[Any]]:
    """Yield lists of up to ``max_`` events: what arrived while the caller stored the last
    batch, at once; after a quiet spell, what arrives within ``within`` seconds. A batch's
    events are acknowledged when the caller asks for the next batch, i.e. after the database
    transaction that stored it has committed. A failed batch stays unacknowledged and is
    delivered again after a restart or rebalance.

    Under load the events of the next batch are already waiting when the caller comes back;
    waiting ``within`` for more then added that much to every reading's delay, and let
    nothing through meanwhile.
    """
    buffer: list[Any] = []
    full = asyncio.Event()
    drained = asyncio.Event()

    async def collect(value: Any) -> Any:
        buffer.append(stream.current_event)
        if len(buffer) >= max_:
            full.set()
            drained.clear()
            await stream.wait(drained)  # back-pressure: never hold more than one batch ahead
        return value

    stream.enable_acks = False
    stream.add_processor(collect)
    stream._enable_passive(stream.channel.__aiter__())
    try:
        while not stream.should_stop:
            if not buffer:
                await stream.wait_for_stopped(full, timeout=within)
                if not buffer:
                    continue
            batch = buffer[:max_]
            del buffer[:max_]
            if len(buffer) < max_:
                full.clear()
            yield batch
            # Reached only when the caller comes back for more: the batch is stored.
            for event in batch:
                await stream.ack(event)
            drained.set()
    finally:
        stream._processors.remove(collect)


def assigned_offsets(app: faust.App, topic: str) -> list[tuple[int, int, int | None]]:
    """(partition, log end offset, committed offset or None) of the partitions of ``topic``
    assigned to this worker; none before the consumer has started."""
    consumer = app.consumer
    try:
        assigned = consumer.assignment()
    except ConsumerNotStarted:
        return []
    committed: Mapping[Any, int | None] = getattr(consumer, "_committed_offset", {})
    out = []
    for tp in assigned:
        if tp.topic != topic:
            continue  # Faust's own topics (the assignor's leader topic)
        try:
            end = consumer.highwater(tp)
        except AssertionError:  # aiokafka: the partition was revoked since assignment()
            continue
        out.append((tp.partition, end, committed.get(tp)))
    return out


async def broker_answers(app: faust.App, within: float = 2.0) -> bool:
    """Whether the broker answers a metadata request over the app's producer connection."""
    try:
        producer: Any = app.producer
        client = producer._ensure_producer().client  # NotReady before it started
        async with asyncio.timeout(within):
            await client.fetch_all_metadata()
    except Exception:  # noqa: BLE001 - not started, unreachable, timed out: not ready
        return False
    return True


def run_worker(app: faust.App) -> None:
    """Run ``app`` as a Faust worker in the foreground, until a signal stops it."""
    faust.Worker(app, loglevel="info").execute_from_commandline()

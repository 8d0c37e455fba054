"""The ``aggregates`` topic, read as the names of the indicators whose data just changed.

The stream publishes one message per indicator after each stored batch
(``{"v": 1, "indicator": ..., "at": ..., "series": [...]}``); the engine only needs the
name. Offsets are committed on demand, once the evaluation covering them is stored.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

import orjson
from aiokafka import AIOKafkaConsumer
from aiokafka.errors import KafkaError

from services.alerts.runtime.metrics import EngineMetrics
from services.kafka_security import aiokafka_options
from services.settings import Settings

__all__ = ["AggregateEvents", "indicator_of"]

log = logging.getLogger(__name__)


class AggregateEvents:
    """The ``aggregates`` topic as a stream of indicator names, committed on demand.

    The consumer connects and joins its group in the background (retrying while the broker
    cannot be reached); until then polling just waits, so evaluations on the clock start at
    once and go on meanwhile.
    """

    def __init__(
        self, settings: Settings, metrics: EngineMetrics, *, retry_seconds: float = 5.0
    ) -> None:
        self.settings = settings
        self.metrics = metrics
        self.retry_seconds = retry_seconds
        self._consumer: Any = None
        self._connecting: asyncio.Task[None] | None = None
        self._uncommitted = False

    @property
    def connected(self) -> bool:
        return self._consumer is not None

    def _new_consumer(self) -> Any:
        s = self.settings
        return AIOKafkaConsumer(
            s.topic_aggregates,
            bootstrap_servers=s.kafka_bootstrap,
            group_id=s.alerts_consumer_group,
            client_id="ontrack-alerts",
            enable_auto_commit=False,
            auto_offset_reset="latest",
            session_timeout_ms=int(s.consumer_session_timeout * 1000),
            fetch_max_wait_ms=int(s.consumer_fetch_max_wait_seconds * 1000),
            heartbeat_interval_ms=1000,
            rebalance_timeout_ms=3000,
            **aiokafka_options(s),
        )

    async def _connect(self) -> None:
        while self._consumer is None:
            consumer = self._new_consumer()
            try:
                await consumer.start()
            except (KafkaError, OSError) as exc:
                log.warning(
                    "cannot consume %s yet (%s); evaluating on the clock meanwhile",
                    self.settings.topic_aggregates,
                    exc,
                )
                await consumer.stop()
                await asyncio.sleep(self.retry_seconds)
                continue
            except asyncio.CancelledError:
                await consumer.stop()
                raise
            self._consumer = consumer

    async def poll(self, within: float) -> set[str]:
        """Indicators named by the events arriving within ``within`` seconds."""
        if self._connecting is None:
            self._connecting = asyncio.create_task(self._connect())
        if self._consumer is None:
            await asyncio.sleep(within)
            return set()
        batches = await self._consumer.getmany(timeout_ms=int(within * 1000), max_records=5000)
        names: set[str] = set()
        for messages in batches.values():
            for message in messages:
                self._uncommitted = True
                name = indicator_of(message.value)
                self.metrics.events.labels("used" if name else "unreadable").inc()
                if name:
                    names.add(name)
        return names

    async def commit(self) -> None:
        """Commit what was polled: call only once the evaluation covering it is stored."""
        if self._consumer is None or not self._uncommitted:
            return
        try:
            await self._consumer.commit()
            self._uncommitted = False
        except KafkaError as exc:  # a rebalance: the events come again, evaluation is idempotent
            log.warning("committing aggregates offsets failed: %s", exc)

    async def close(self) -> None:
        """Leave the group (a stop while still connecting abandons the connection)."""
        if self._connecting is not None and not self._connecting.done():
            self._connecting.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._connecting
        if self._consumer is not None:
            await self._consumer.stop()
            self._consumer = None


def indicator_of(payload: bytes | None) -> str | None:
    """The indicator an ``aggregates`` message names; None for anything unreadable."""
    try:
        doc = orjson.loads(payload or b"")
    except orjson.JSONDecodeError:
        return None
    name = doc.get("indicator") if isinstance(doc, dict) else None
    return name if isinstance(name, str) and name else None

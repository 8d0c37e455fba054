"""The alert engine as the bench runs it: the real loop, with the time of every decision.

``EngineRunner`` runs ``services.alerts.runtime.loop.run_loop`` in this process on the
phase's settings. Its events source is the engine's own ``AggregateEvents`` whose
consumer also keeps the payloads it hands over; when the loop commits (only after the
evaluation covering them is stored), those payloads are decided at that moment.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Any

from prometheus_client import CollectorRegistry

from services.alerts.runtime import AggregateEvents, AlertEngine, EngineMetrics, run_loop
from services.alerts.snapshot import load_universe
from services.bench.watch import Stored, parse_event
from services.settings import Settings
from services.storage import open_pool

__all__ = ["EngineRunner"]


class _Recording:
    """An aiokafka consumer that keeps the values of the messages ``getmany`` returns."""

    def __init__(self, inner: Any, seen: list[bytes]) -> None:
        self._inner = inner
        self._seen = seen

    async def getmany(self, *args: Any, **kwargs: Any) -> Any:
        batches = await self._inner.getmany(*args, **kwargs)
        for messages in batches.values():
            self._seen.extend(m.value for m in messages)
        return batches

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


class _TimedEvents(AggregateEvents):
    def __init__(self, settings: Settings, metrics: EngineMetrics) -> None:
        super().__init__(settings, metrics)
        self.polled: list[bytes] = []
        self.decisions: list[tuple[float, list[Stored]]] = []

    def _new_consumer(self) -> Any:
        return _Recording(super()._new_consumer(), self.polled)

    async def commit(self) -> None:
        at = time.time()
        for payload in self.polled:
            self.decisions.append((at, parse_event(payload)))
        self.polled.clear()
        await super().commit()


class EngineRunner:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._pool: Any = None
        self._events: _TimedEvents | None = None

    @property
    def decisions(self) -> list[tuple[float, list[Stored]]]:
        return self._events.decisions if self._events else []

    @property
    def decided_payloads(self) -> int:
        return len(self.decisions)

    async def start(self) -> None:
        s = self.settings
        universe = load_universe(s.plans_dir, s.rules_dir, s.catalogue_path)
        metrics = EngineMetrics.create(CollectorRegistry())
        self._pool = await open_pool(s.dsn, max_size=2, name="ontrack-bench-alerts")
        engine = AlertEngine(universe, self._pool, metrics)
        self._events = _TimedEvents(s, metrics)
        self._task = asyncio.create_task(
            run_loop(engine, self._events, s.eval_interval, self._stop)
        )

    async def stop(self) -> None:
        self._stop.set()
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.wait_for(self._task, 30)
        if self._events is not None:
            await self._events.close()
        if self._pool is not None:
            await self._pool.close()

"""One ``ontrack alerts`` replica: stand by until it takes the leader lock, lead until it loses it.

While leading, the replica runs the engine loop (clock ticks and ``aggregates`` events);
every ``retry`` seconds it checks that its session still holds the lock, and ends its
term at once when it does not. A follower does not join the ``aggregates`` consumer group
(its share of the partitions would go unevaluated): the leader of each term starts a
consumer and closes it when the term ends.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from prometheus_client import CollectorRegistry

from services.alerts.runtime.events import AggregateEvents
from services.alerts.runtime.leader import LEADER_KEY, Leadership
from services.alerts.runtime.loop import AlertEngine, InTransaction, run_loop, sleep_or_stop, utcnow
from services.alerts.runtime.metrics import EngineMetrics
from services.alerts.runtime.web import start_web
from services.alerts.snapshot import Shard, Universe, check_rules
from services.settings import Settings
from services.storage import database_answers, open_pool

__all__ = ["Replica", "healthy", "run_engine"]

log = logging.getLogger(__name__)


def healthy(
    leading: bool,
    since_evaluation: float | None,
    since_leading: float | None,
    since_contact: float | None,
    interval: float,
    retry: float,
) -> bool:
    """A leader is healthy while it evaluates (or has just taken over); a follower while the
    database answers its lock attempts, so that it can take over. Ages in seconds."""
    if leading:
        ages = [a for a in (since_evaluation, since_leading) if a is not None]
        return bool(ages) and min(ages) < 3 * interval + 30
    return since_contact is not None and since_contact < 3 * retry + 30


@dataclass
class _Term:
    events: AggregateEvents | None = None
    since: float | None = None  # monotonic time the current term began


class Replica:
    """An engine that evaluates only while ``leadership`` says it leads."""

    def __init__(
        self,
        engine: AlertEngine,
        leadership: Leadership,
        new_events: Callable[[], AggregateEvents],
        *,
        interval: float,
        retry: float,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.engine = engine
        self.leadership = leadership
        self.new_events = new_events
        self.interval = interval
        self.retry = retry
        self._monotonic = monotonic
        self._term = _Term()
        engine.guard = leadership.fence

    @property
    def kafka_connected(self) -> bool:
        return self._term.events is not None and self._term.events.connected

    def since_leading(self) -> float | None:
        since = self._term.since
        return None if since is None else self._monotonic() - since

    def since_contact(self) -> float | None:
        last = self.leadership.last_contact
        return None if last is None else self._monotonic() - last

    async def run(self, stop: asyncio.Event) -> None:
        """Until ``stop``: stand by, lead, stand by again... Gives the lock up at the end."""
        gauge = self.engine.metrics.leader
        try:
            while not stop.is_set():
                if not await self.leadership.step():
                    gauge.set(0)
                    await sleep_or_stop(stop, self.retry)
                    continue
                gauge.set(1)
                log.info("leading the alert engines as %s", self.leadership.name)
                await self._lead(stop)
                gauge.set(0)
                if not stop.is_set():
                    log.warning("no longer leading: standing by")
        finally:
            gauge.set(0)
            await self.leadership.close()

    async def _lead(self, stop: asyncio.Event) -> None:
        term_over = asyncio.Event()
        self._term = _Term(self.new_events(), self._monotonic())
        watch = asyncio.create_task(self._watch(stop, term_over))
        try:
            assert self._term.events is not None
            await run_loop(self.engine, self._term.events, self.interval, term_over)
        finally:
            term_over.set()
            watch.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watch
            events, self._term = self._term.events, _Term()
            if events is not None:
                await events.close()

    async def _watch(self, stop: asyncio.Event, term_over: asyncio.Event) -> None:
        """End the term on ``stop`` or when a check finds the lock gone."""
        while not term_over.is_set():
            await sleep_or_stop(stop, self.retry)
            if stop.is_set() or not await self.leadership.step():
                term_over.set()


async def run_engine(
    settings: Settings,
    universe: Universe,
    *,
    registry: CollectorRegistry | None = None,
    clock: Callable[[], datetime] = utcnow,
    stop: asyncio.Event | None = None,
    in_transaction: InTransaction | None = None,
) -> None:
    """Run until SIGTERM or SIGINT (or ``stop``): leader election, engine, events, web port."""
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    shard = Shard.parse(settings.alerts_shard)
    check_rules(universe.rules, shard)
    if not shard.whole:
        group = shard.group(settings.alerts_consumer_group)
        settings = settings.model_copy(update={"alerts_consumer_group": group})
    metrics = EngineMetrics.create(registry or CollectorRegistry(), shard=str(shard))
    pool = await open_pool(settings.dsn, max_size=2, name="ontrack-alerts")
    engine = AlertEngine(
        universe, pool, metrics, clock=clock, in_transaction=in_transaction, shard=shard
    )
    interval, retry = settings.eval_interval, settings.alerts_leader_retry_seconds
    replica = Replica(
        engine,
        Leadership(settings.dsn, key=shard.key(LEADER_KEY)),
        lambda: AggregateEvents(settings, metrics),
        interval=interval,
        retry=retry,
    )

    def health() -> tuple[bool, dict[str, Any]]:
        last = engine.last_success
        leading = replica.leadership.leading
        since = None if last is None else (clock() - last).total_seconds()
        ok = healthy(
            leading, since, replica.since_leading(), replica.since_contact(), interval, retry
        )
        return ok, {
            "role": "leader" if leading else "follower",
            "leader": replica.leadership.leader,
            "last_evaluation": last.isoformat() if last else None,
            "kafka": replica.kafka_connected,
            "shard": str(shard),
            "targets": len(engine.universe.targets),
            "rules": len(universe.rules),
        }

    async def ready() -> dict[str, bool]:
        return {"database": await database_answers(pool)}

    runner = await start_web(
        settings.alerts_web_host, settings.alerts_web_port, metrics.registry, health, ready
    )
    log.info(
        "alert engine %s, shard %s: %d targets, %d rules, every %gs and on %s while leading; "
        "/metrics on %s:%d",
        replica.leadership.name,
        shard,
        len(engine.universe.targets),
        len(universe.rules),
        interval,
        settings.topic_aggregates,
        settings.alerts_web_host,
        settings.alerts_web_port,
    )
    # What is loaded by now (modules, the universe, the catalogue) lives as long as the
    # process: out of the collector's generations while the first snapshot is read; each
    # judgement then freezes everything for its own length (out_of_collections).
    gc.freeze()
    try:
        await replica.run(stop)
    finally:
        await runner.cleanup()
        await pool.close()
        log.info("alert engine stopped")

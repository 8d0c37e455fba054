"""The running alert engine: evaluate on ``aggregates`` events and on a clock.

Every ``eval_interval`` seconds everything is evaluated (deadlines pass and feeds fall
silent even when no data arrives); between ticks, the targets and series of the
indicators named in ``aggregates`` events (and of the indicators derived from them) are
evaluated as soon as the events arrive. Kafka offsets are committed only after the
evaluation covering them is committed to the database, so an event is never lost; a
repeated one only re-evaluates (idempotent).

One evaluation: read the data (services.alerts.snapshot.load) and which rule and subject each
stored alert is about, judge it (pure, in a thread; only the checks that breach or have an alert are
kept), then in one transaction: take the engine lock, check this engine still leads, load
the prior alert states, step them, store statuses, states and transitions
(services.alerts.snapshot.alert_state).

Replicas: every ``ontrack alerts`` process competes for the leader lock
(services.alerts.runtime.leader). Only the leader evaluates and consumes ``aggregates``; the
others stand by, try the lock every ``alerts_leader_retry_seconds`` and take over when
the leader stops or dies. With several shards (services.alerts.snapshot.shards), each shard's
replicas do the same among themselves, for the targets and series of their shard.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Container, Iterable, Sequence
from datetime import UTC, datetime
from typing import Any, LiteralString

import psycopg
from psycopg import AsyncConnection
from psycopg_pool import AsyncConnectionPool

from services.alerts.engine import Judgement, Outcome, Snapshot, advance, judge
from services.alerts.rules import Rule
from services.alerts.runtime.events import AggregateEvents
from services.alerts.runtime.gc_freeze import out_of_collections
from services.alerts.runtime.leader import LeadershipLost
from services.alerts.runtime.metrics import EngineMetrics
from services.alerts.snapshot import WHOLE, Shard, Universe, load_snapshot
from services.alerts.snapshot.alert_state import (
    count_alerts,
    load_alerts,
    lock,
    save,
    stored_subjects,
)
from services.indicators.assess import DEFAULT_THRESHOLDS, Thresholds

__all__ = ["AlertEngine", "Guard", "InTransaction", "run_loop", "sleep_or_stop", "utcnow"]

log = logging.getLogger(__name__)

_ALERT_COUNTS: LiteralString = """
SELECT state, severity, count(*)::int FROM alerts
WHERE (%(shard_count)s = 1 OR alert_shard(subject, %(shard_count)s) = %(shard_index)s)
GROUP BY state, severity
"""


InTransaction = Callable[[AsyncConnection[tuple[Any, ...]], Outcome], Awaitable[None]]
"""Work committed together with an evaluation (e.g. enqueueing its notifications)."""

Guard = Callable[[AsyncConnection[tuple[Any, ...]]], Awaitable[None]]
"""A check at the start of each evaluation's transaction; raising rolls the evaluation back."""


def utcnow() -> datetime:
    return datetime.now(UTC)


class AlertEngine:
    """Evaluates a universe of targets and rules against the database at ``clock()``.

    ``in_transaction`` runs inside the transaction that stores each evaluation, after
    the statuses, states and transitions: what it writes commits with them or not at all.
    ``guard`` runs first in that transaction, once the engine lock is taken (the leader
    check of a replica: :meth:`Leadership.fence`).
    """

    def __init__(
        self,
        universe: Universe,
        pool: AsyncConnectionPool,
        metrics: EngineMetrics,
        *,
        clock: Callable[[], datetime] = utcnow,
        thresholds: Thresholds = DEFAULT_THRESHOLDS,
        in_transaction: InTransaction | None = None,
        guard: Guard | None = None,
        shard: Shard = WHOLE,
    ) -> None:
        self.universe = shard.universe(universe)
        self.shard = shard
        self.pool = pool
        self.metrics = metrics
        self.clock = clock
        self.thresholds = thresholds
        self.in_transaction = in_transaction
        self.guard = guard
        self.last_success: datetime | None = None

    async def evaluate(
        self, indicators: Iterable[str] | None = None, *, now: datetime | None = None
    ) -> Outcome:
        """Evaluate everything (``indicators=None``) or what depends on ``indicators``."""
        now = now or self.clock()
        trigger = "tick" if indicators is None else "event"
        start = time.perf_counter()
        u = self.universe
        async with self.pool.connection() as conn:
            known = await stored_subjects(conn, self.shard)
            snapshot = await load_snapshot(conn, u, now, indicators, shard=self.shard)
            await conn.commit()
            judgement = await asyncio.to_thread(_judge, snapshot, u.rules, self.thresholds, known)
            async with conn.transaction():
                await lock(conn, self.shard)
                if self.guard is not None:
                    await self.guard(conn)
                if await count_alerts(conn, self.shard) != len(known):
                    # an alert was stored since `known` was read (a leader on its way out):
                    # judge again keeping every check, so that none of it is missed
                    judgement = await asyncio.to_thread(
                        _judge, snapshot, u.rules, self.thresholds, None
                    )
                priors = await load_alerts(
                    conn, judgement.fingerprints, open_too=judgement.complete, shard=self.shard
                )
                outcome = advance(judgement, priors)
                await save(conn, outcome)
                if self.in_transaction is not None:
                    await self.in_transaction(conn, outcome)
                cur = await conn.execute(_ALERT_COUNTS, self.shard.params())
                counts = [(str(s), str(v), int(n)) for s, v, n in await cur.fetchall()]
        self.metrics.evaluated(trigger, snapshot, outcome, time.perf_counter() - start, time.time())
        self.metrics.alert_counts(counts)
        self.last_success = now
        for t in outcome.transitions:
            log.info(
                "alert %s: %s → %s at %s (%s)",
                t.fingerprint,
                t.from_state,
                t.to_state,
                t.at.isoformat(),
                t.reason,
            )
        return outcome


def _judge(
    snapshot: Snapshot,
    rules: Sequence[Rule],
    thresholds: Thresholds,
    known: Container[tuple[str, str]] | None,
) -> Judgement:
    with out_of_collections():
        return judge(snapshot, rules, thresholds, known=known)


async def run_loop(
    engine: AlertEngine,
    events: AggregateEvents,
    interval: float,
    stop: asyncio.Event,
    *,
    retry: float = 5.0,
) -> None:
    """Tick every ``interval`` seconds; evaluate what events name in between.

    A failed evaluation (database unavailable) is retried after ``retry`` seconds with
    the same events, whose offsets stay uncommitted until it succeeds. The loop ends when
    the engine's guard says it no longer leads (:class:`LeadershipLost`).
    """
    loop = asyncio.get_running_loop()
    next_tick = loop.time()
    named: set[str] = set()
    while not stop.is_set():
        wait = min(max(0.0, next_tick - loop.time()), 1.0)
        named |= await events.poll(wait)
        if stop.is_set():
            break
        tick = loop.time() >= next_tick
        if not tick and not named:
            continue
        try:
            await engine.evaluate(None if tick else named)
        except LeadershipLost as exc:
            log.warning("%s", exc)
            return
        except (psycopg.Error, OSError) as exc:
            engine.metrics.failures.labels("tick" if tick else "event").inc()
            if isinstance(exc, psycopg.errors.UndefinedTable | psycopg.errors.UndefinedColumn):
                log.error("the database schema is behind (%s): run `ontrack db migrate`", exc)
            else:
                log.warning("evaluation failed, retrying: %s", exc)
            await sleep_or_stop(stop, min(interval, retry))
            continue
        named = set()
        if tick:
            next_tick = loop.time() + interval
        await events.commit()


async def sleep_or_stop(stop: asyncio.Event, seconds: float) -> None:
    try:
        await asyncio.wait_for(stop.wait(), seconds)
    except TimeoutError:
        pass

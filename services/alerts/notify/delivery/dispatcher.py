"""The delivery loop: take due notifications from the outbox and hand them to receivers.

One pass (:meth:`Dispatcher.tick`):

1. every ``repeat_every``, enqueue repeats for alerts still firing (``alerts`` table);
2. lease the due rows, and the failed rows of their groups (``FOR UPDATE SKIP LOCKED``,
   so several dispatchers share the work; a crashed one's lease runs out);
3. mark rows muted by a silence active now as ``silenced``;
4. batch the rest per (receiver, group) and share each receiver's rate-limit tokens
   among its batches: send, merge into a digest, or hold until the next token;
5. deliver (receivers in parallel, one receiver's batches in turn; after a receiver
   fails once, its other batches of this pass wait for their retry);
6. mark rows delivered, or schedule their retry with backoff.

Delivery is at least once: a dispatcher that dies after a receiver took a message but
before recording it sends the message again, with the same dedup keys and message id.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import random
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import psycopg
from psycopg_pool import AsyncConnectionPool, PoolTimeout

from services.alerts.notify.delivery import outbox_db as store
from services.alerts.notify.delivery.outbox import (
    Backoff,
    Batch,
    Pending,
    batches,
    next_attempt,
)
from services.alerts.notify.delivery.ratelimit import Bucket, admit
from services.alerts.notify.delivery.repeats import enqueue_repeats
from services.alerts.notify.errors import DeliveryError
from services.alerts.notify.message import Message
from services.alerts.notify.metrics import NotifyMetrics
from services.alerts.notify.receivers import Sender
from services.alerts.notify.routing import RateLimit, RouteConfig, Silence, muting

__all__ = ["DispatchSettings", "Dispatcher", "TickReport"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DispatchSettings:
    lease: timedelta = timedelta(minutes=2)
    claim_limit: int = 500
    backoff: Backoff = field(default_factory=Backoff)
    repeat_every: timedelta = timedelta(seconds=15)
    poll: timedelta = timedelta(seconds=1)


@dataclass
class TickReport:
    """What one pass did, counted in notifications."""

    claimed: int = 0
    delivered: int = 0
    failed: int = 0
    silenced: int = 0
    held: int = 0
    digested: int = 0
    repeats: int = 0
    messages: int = 0


@dataclass
class _Outcome:
    batch: Batch
    error: DeliveryError | None = None


class Dispatcher:
    def __init__(
        self,
        pool: AsyncConnectionPool,
        routes: RouteConfig,
        senders: Mapping[str, Sender],
        metrics: NotifyMetrics,
        *,
        clock: Callable[[], datetime],
        rand: Callable[[], float] = random.random,
        settings: DispatchSettings | None = None,
    ) -> None:
        self._pool = pool
        self._routes = routes
        self._senders = dict(senders)
        self._metrics = metrics
        self._clock = clock
        self._rand = rand
        self._settings = settings or DispatchSettings()
        self._buckets: dict[str, Bucket] = {}
        self._next_repeats: datetime | None = None
        self.last_pass: datetime | None = None  # end of the last pass that reached the outbox

    async def run(self, stop: asyncio.Event) -> None:
        """Pass after pass until ``stop`` is set; a database outage is waited out."""
        poll = self._settings.poll.total_seconds()
        while not stop.is_set():
            busy = False
            try:
                report = await self.tick()
                busy = report.claimed >= self._settings.claim_limit
                self.last_pass = self._clock()
            except (psycopg.OperationalError, PoolTimeout) as exc:
                log.warning("outbox unreachable, trying again in %.0f s: %s", poll, exc)
            if not busy:
                try:
                    await asyncio.wait_for(stop.wait(), poll)
                except TimeoutError:
                    pass

    async def tick(self) -> TickReport:
        """One pass over the outbox (see the module doc)."""
        report = TickReport()
        now = self._clock()
        if self._next_repeats is None or now >= self._next_repeats:
            report.repeats = await self.enqueue_repeats(now)
            self._next_repeats = now + self._settings.repeat_every
        lease = now + self._settings.lease
        async with self._pool.connection() as conn:
            claimed = await store.claim_due(conn, now, lease, self._settings.claim_limit)
        report.claimed = sum(len(p.notifications) for p in claimed)
        if claimed:
            async with self._pool.connection() as conn:
                sendable = await self._plan(conn, claimed, now, lease, report)
            outcomes = await self._deliver_all(sendable)
            async with self._pool.connection() as conn:
                await self._record(conn, outcomes, report)
        async with self._pool.connection() as conn:
            self._metrics.outbox_depth.set(await store.outbox_depth(conn))
        return report

    async def enqueue_repeats(self, now: datetime) -> int:
        """Enqueue the repeats due now (see :mod:`services.alerts.notify.delivery.repeats`)."""
        async with self._pool.connection() as conn:
            return await enqueue_repeats(conn, self._routes, now, self._metrics)

    # --- planning ----------------------------------------------------------------------

    async def _plan(
        self,
        conn: store.Conn,
        claimed: Sequence[Pending],
        now: datetime,
        lease: datetime,
        report: TickReport,
    ) -> list[Batch]:
        live = await self._unmuted(conn, claimed, now, report)
        sendable: list[Batch] = []
        by_receiver: dict[str, list[Batch]] = {}
        for batch in batches(live):
            by_receiver.setdefault(batch.receiver, []).append(batch)
        for receiver, found in by_receiver.items():
            found.sort(key=lambda b: b.loudness)
            limit = self._limit(receiver)
            bucket = self._buckets.get(receiver) or Bucket.full(limit, now)
            admission = admit(bucket, limit, found, now)
            self._buckets[receiver] = admission.bucket
            sendable += admission.send
            if admission.held and admission.retry_at is not None:
                rows = [row.id for b in admission.held for row in b.rows]
                await store.hold(conn, rows, admission.retry_at)
                held = sum(len(b.notifications) for b in admission.held)
                report.held += held
                self._metrics.count(receiver, "held", held)
            if admission.digest:
                members = [row for b in admission.digest for row in b.rows]
                digest = await store.digest(
                    conn, receiver, _digest_key(receiver, members), members, now, lease
                )
                merged = sum(len(r.notifications) for r in members)
                report.digested += merged
                self._metrics.count(receiver, "digested", merged)
                sendable.append(Batch(receiver, digest.group_key, (digest,)))
        return sendable

    async def _unmuted(
        self,
        conn: store.Conn,
        claimed: Sequence[Pending],
        now: datetime,
        report: TickReport,
    ) -> list[Pending]:
        silences: list[Silence] = await store.active_silences(conn, now)
        live: list[Pending] = []
        for row in claimed:
            silence = None
            if len(row.notifications) == 1 and silences:
                silence = muting(silences, row.notifications[0].routing_labels, now)
            if silence is None or silence.id is None:
                live.append(row)
                continue
            await store.mark_silenced(conn, [row.id], silence.id)
            report.silenced += 1
            self._metrics.count(row.receiver, "silenced")
        return live

    def _limit(self, receiver: str) -> RateLimit:
        found = self._routes.receivers.get(receiver)
        return found.rate_limit if found is not None else RateLimit()

    # --- delivery ----------------------------------------------------------------------

    async def _deliver_all(self, sendable: Sequence[Batch]) -> list[_Outcome]:
        by_receiver: dict[str, list[Batch]] = {}
        for batch in sendable:
            by_receiver.setdefault(batch.receiver, []).append(batch)
        results = await asyncio.gather(*(self._deliver(r, b) for r, b in by_receiver.items()))
        return [outcome for outcomes in results for outcome in outcomes]

    async def _deliver(self, receiver: str, found: Sequence[Batch]) -> list[_Outcome]:
        sender = self._senders.get(receiver)
        if sender is None:
            error = DeliveryError(
                f"receiver {receiver!r} is not in the routes any more: declare it again "
                "(its notifications wait in the outbox)",
                retriable=False,
            )
            return [_Outcome(b, error) for b in found]
        outcomes: list[_Outcome] = []
        failed: DeliveryError | None = None
        for batch in found:
            if failed is not None:
                outcomes.append(_Outcome(batch, _not_tried(receiver, failed)))
                continue
            message = Message.of(
                receiver, batch.group_key, batch.notifications, digest=batch.digest
            )
            started = time.perf_counter()
            try:
                await sender.send(message, self._clock())
                outcomes.append(_Outcome(batch))
            except DeliveryError as exc:
                log.warning("delivery to %s failed: %s", receiver, exc)
                failed = exc
                outcomes.append(_Outcome(batch, exc))
            except Exception as exc:  # noqa: BLE001 - one receiver's bug must not stop the others; logged and kept on the rows
                log.exception("receiver %s failed unexpectedly", receiver)
                failed = DeliveryError(f"{type(exc).__name__}: {exc}", retriable=False)
                outcomes.append(_Outcome(batch, failed))
            finally:
                self._metrics.delivery_seconds.labels(receiver).observe(
                    time.perf_counter() - started
                )
        return outcomes

    async def _record(
        self, conn: store.Conn, outcomes: Sequence[_Outcome], report: TickReport
    ) -> None:
        now = self._clock()
        delivered: list[int] = []
        for outcome in outcomes:
            batch, error = outcome.batch, outcome.error
            count = len(batch.notifications)
            if error is None:
                delivered += [row.id for row in batch.rows]
                report.delivered += count
                report.messages += 1
                self._metrics.count(batch.receiver, "delivered", count)
                continue
            retry = {
                row.id: next_attempt(
                    row.attempts + 1,
                    now,
                    self._settings.backoff,
                    self._rand(),
                    retriable=error.retriable,
                )
                for row in batch.rows
            }
            await store.mark_failed(conn, retry, str(error))
            report.failed += count
            self._metrics.count(batch.receiver, "failed", count)
        if delivered:
            await store.mark_delivered(conn, delivered, now)


def _not_tried(receiver: str, failed: DeliveryError) -> DeliveryError:
    return DeliveryError(
        f"not tried: receiver {receiver!r} failed earlier in this pass ({failed})",
        retriable=failed.retriable,
    )


def _digest_key(receiver: str, members: Sequence[Pending]) -> str:
    keys = sorted(n.dedup_key for row in members for n in row.notifications)
    return hashlib.sha256(json.dumps([receiver, "digest", keys]).encode()).hexdigest()

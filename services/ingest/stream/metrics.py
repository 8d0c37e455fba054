"""Prometheus metrics of the stream worker, built on a registry the caller owns.

Besides counters and histograms updated by the ``store`` agent, two values are read at
scrape time: the consumer lag of every assigned partition (log end offset minus the
committed offset, from a callable the app supplies) and the rollup lag (seconds since
this worker last refreshed rollups).
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Final, NamedTuple, TypeVar

import psycopg
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from services.storage import StorageError, StorageUnavailable

__all__ = [
    "DB_OPS",
    "DEAD_LETTER_REASONS",
    "ConsumerLagCollector",
    "PartitionOffsets",
    "StreamMetrics",
    "dead_letter_reason",
]

T = TypeVar("T")

DB_OPS: Final = ("observations", "air_quality")
DEAD_LETTER_REASONS: Final = (
    "not_json",
    "not_a_batch",
    "unauthenticated_batch",
    "invalid_record",
    "refused_by_database",
)


def dead_letter_reason(message: str) -> str:
    """The metric label of a dead-letter message (its text says more, in readings.dlq)."""
    if message.startswith("not JSON"):
        return "not_json"
    if message.startswith("header "):
        return "not_a_batch"
    if message.startswith("batch "):  # services.ingest.signing.verify_batch
        return "unauthenticated_batch"
    if message.startswith("refused by the database"):
        return "refused_by_database"
    return "invalid_record"


class PartitionOffsets(NamedTuple):
    """Where one assigned partition stands: next offset to be written and next to commit."""

    topic: str
    partition: int
    highwater: int | None
    committed: int | None


class ConsumerLagCollector(Collector):
    """``ontrack_stream_consumer_lag{topic,partition}``: messages not yet stored and committed."""

    def __init__(self, offsets: Callable[[], Iterable[PartitionOffsets]]) -> None:
        self._offsets = offsets

    def collect(self) -> Iterator[Metric]:
        lag = GaugeMetricFamily(
            "ontrack_stream_consumer_lag",
            "Messages in an assigned partition after the last committed offset",
            labels=["topic", "partition"],
        )
        for p in sorted(self._offsets()):
            if p.highwater is None:
                continue  # nothing fetched from this partition yet: its end is not known
            behind = p.highwater - (p.committed or 0)
            lag.add_metric([p.topic, str(p.partition)], float(max(0, behind)))
        yield lag

    def describe(self) -> Iterator[Metric]:
        return iter(())


@dataclass
class _LastRefresh:
    at: float


@dataclass(frozen=True)
class StreamMetrics:
    registry: CollectorRegistry
    batch_size: Histogram
    batch_seconds: Histogram
    stored: Counter
    dead_lettered: Counter
    db_write_seconds: Histogram
    db_write_errors: Counter
    delay_seconds: Histogram
    rollups_updated: Gauge
    clock: Callable[[], float] = time.time
    _last_refresh: _LastRefresh = field(default_factory=lambda: _LastRefresh(time.time()))

    @classmethod
    def create(
        cls, registry: CollectorRegistry, clock: Callable[[], float] = time.time
    ) -> StreamMetrics:
        m = cls(
            registry=registry,
            batch_size=Histogram(
                "ontrack_stream_batch_size",
                "Kafka messages per handled batch",
                buckets=(1, 5, 10, 50, 100, 500, 1000, 2000, 5000),
                registry=registry,
            ),
            batch_seconds=Histogram(
                "ontrack_stream_batch_seconds",
                "Time to decode and store one batch (DB commit)",
                registry=registry,
            ),
            stored=Counter(
                "ontrack_stream_rows_changed_total",
                "Observation rows inserted or revised, by indicator",
                ["indicator"],
                registry=registry,
            ),
            dead_lettered=Counter(
                "ontrack_stream_dead_lettered_total",
                "Records sent to readings.dlq, by reason",
                ["reason"],
                registry=registry,
            ),
            db_write_seconds=Histogram(
                "ontrack_db_write_seconds",
                "Duration of successful database writes (one transaction each)",
                ["op"],
                buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
                registry=registry,
            ),
            db_write_errors=Counter(
                "ontrack_db_write_errors_total",
                "Database writes that failed, by operation and error (unavailable or refused)",
                ["op", "error"],
                registry=registry,
            ),
            delay_seconds=Histogram(
                "ontrack_stream_delay_seconds",
                "From a message's append to Kafka to its readings and rollups committed",
                buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600),
                registry=registry,
            ),
            rollups_updated=Gauge(
                "ontrack_rollups_updated_timestamp_seconds",
                "Unix time this worker last committed a rollup refresh (0: not yet)",
                registry=registry,
            ),
            clock=clock,
            _last_refresh=_LastRefresh(clock()),
        )
        Gauge(
            "ontrack_rollup_lag_seconds",
            "Seconds since this worker last refreshed rollups (since its start if not yet)",
            registry=registry,
        ).set_function(lambda: max(0.0, clock() - m._last_refresh.at))
        for op in DB_OPS:
            m.db_write_seconds.labels(op)
            for error in ("unavailable", "refused"):
                m.db_write_errors.labels(op, error)
        for reason in DEAD_LETTER_REASONS:
            m.dead_lettered.labels(reason)
        return m

    def watch_consumer(self, offsets: Callable[[], Iterable[PartitionOffsets]]) -> None:
        """Report the consumer lag of the partitions ``offsets`` lists, at every scrape."""
        self.registry.register(ConsumerLagCollector(offsets))

    async def timed_write(self, op: str, step: Callable[[], Awaitable[T]]) -> T:
        """Run one database write, recording its duration, or its failure by kind."""
        start = time.perf_counter()
        try:
            result = await step()
        except (StorageUnavailable, psycopg.OperationalError):
            self.db_write_errors.labels(op, "unavailable").inc()
            raise
        except (StorageError, psycopg.Error):
            self.db_write_errors.labels(op, "refused").inc()
            raise
        self.db_write_seconds.labels(op).observe(time.perf_counter() - start)
        return result

    def rollups_refreshed(self) -> None:
        """Rollups were refreshed and committed just now."""
        self._last_refresh.at = now = self.clock()
        self.rollups_updated.set(now)

    def batch_stored(
        self, rows_by_indicator: Iterable[tuple[str, int]], appended_at: Sequence[float]
    ) -> None:
        """Count a stored batch: rows per indicator, delay since each message reached Kafka."""
        now = self.clock()
        for indicator, rows in rows_by_indicator:
            self.stored.labels(indicator).inc(rows)
        for t in appended_at:
            self.delay_seconds.observe(max(0.0, now - t))

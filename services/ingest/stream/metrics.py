"""Prometheus metrics of the stream worker."""

from __future__ import annotations

from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Counter, Histogram

__all__ = ["StreamMetrics"]


@dataclass(frozen=True)
class StreamMetrics:
    registry: CollectorRegistry
    batch_size: Histogram
    batch_seconds: Histogram
    stored: Counter
    dead_lettered: Counter

    @classmethod
    def create(cls, registry: CollectorRegistry) -> StreamMetrics:
        return cls(
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
                "Observation rows inserted or revised",
                registry=registry,
            ),
            dead_lettered=Counter(
                "ontrack_stream_dead_lettered_total",
                "Records sent to readings.dlq",
                registry=registry,
            ),
        )

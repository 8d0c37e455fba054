"""Prometheus metrics of the ingest API, built on a registry the caller owns."""

from __future__ import annotations

from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Counter, Histogram

__all__ = ["IngestMetrics"]


@dataclass(frozen=True)
class IngestMetrics:
    registry: CollectorRegistry
    accepted: Counter
    rejected: Counter
    request_seconds: Histogram
    produce_errors: Counter
    auth_failures: Counter

    @classmethod
    def create(cls, registry: CollectorRegistry) -> IngestMetrics:
        return cls(
            registry=registry,
            accepted=Counter(
                "ontrack_readings_accepted_total",
                "Readings accepted and durably in Kafka",
                ["provider", "indicator"],
                registry=registry,
            ),
            rejected=Counter(
                "ontrack_readings_rejected_total",
                "Readings refused, by provider and reason (error code, scope, rate_limited)",
                ["provider", "reason"],
                registry=registry,
            ),
            request_seconds=Histogram(
                "ontrack_http_request_duration_seconds",
                "HTTP request latency",
                ["route", "method", "status"],
                registry=registry,
                buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
            ),
            produce_errors=Counter(
                "ontrack_kafka_produce_errors_total",
                "Batches the broker did not acknowledge",
                registry=registry,
            ),
            auth_failures=Counter(
                "ontrack_http_auth_failures_total",
                "Requests refused for their API key (missing, malformed, invalid, revoked, role)",
                ["reason"],
                registry=registry,
            ),
        )

"""The Kafka topics ontrack uses, created on demand with kafka-python's admin client."""

from __future__ import annotations

from kafka import KafkaAdminClient
from kafka.admin import NewTopic
from kafka.errors import TopicAlreadyExistsError

from services.settings import Settings

__all__ = ["describe_cluster", "ensure_topics"]


def _admin(bootstrap: str) -> KafkaAdminClient:
    return KafkaAdminClient(
        bootstrap_servers=bootstrap.split(","),
        client_id="ontrack-admin",
        request_timeout_ms=5000,
    )


def describe_cluster(bootstrap: str) -> str:
    admin = _admin(bootstrap)
    try:
        topics = admin.list_topics()
    finally:
        admin.close()
    ours = sorted(t for t in topics if not t.startswith("_"))
    return f"{len(ours)} topics: {', '.join(ours) or 'none yet'}"


def ensure_topics(settings: Settings) -> None:
    """Create ``readings``, ``readings.dlq`` and ``aggregates`` if they are missing."""
    wanted = {
        settings.topic_readings: settings.topic_partitions,
        settings.topic_dlq: 1,
        settings.topic_aggregates: settings.topic_partitions,
    }
    admin = _admin(settings.kafka_bootstrap)
    try:
        existing = set(admin.list_topics())
        new = [
            NewTopic(name, num_partitions=n, replication_factor=1)
            for name, n in wanted.items()
            if name not in existing
        ]
        if new:
            try:
                admin.create_topics(new)
            except TopicAlreadyExistsError:
                pass
    finally:
        admin.close()

"""The Kafka topics ontrack uses, created on demand with kafka-python's admin client."""

from __future__ import annotations

import socket
from collections.abc import Mapping
from typing import Any

from kafka import KafkaAdminClient
from kafka.admin import NewTopic
from kafka.errors import (
    ClusterAuthorizationFailedError,
    TopicAlreadyExistsError,
    TopicAuthorizationFailedError,
)

from services.errors import OntrackError, Unreachable
from services.kafka_security import kafka_python_options
from services.settings import Settings

__all__ = [
    "TopicsError",
    "check_reachable",
    "delete_topics",
    "describe_cluster",
    "ensure_topics",
    "topic_names",
]


class TopicsError(OntrackError):
    """ontrack's topics are missing and this principal may not create them."""


def check_reachable(bootstrap: str, within: float = 2.0) -> None:
    """Return once a bootstrap server accepts a TCP connection; Unreachable at once when none
    does (the admin client would try for 30 s before saying "Unable to bootstrap")."""
    why = "no bootstrap server given"
    for server in filter(None, (s.strip() for s in bootstrap.split(","))):
        host, _, port = server.rpartition(":")
        try:
            with socket.create_connection((host.strip("[]") or "127.0.0.1", int(port)), within):
                return
        except ValueError:
            why = f"{server!r} is not host:port"
        except OSError as exc:
            why = exc.strerror or type(exc).__name__
    raise Unreachable(
        "Kafka",
        bootstrap,
        why,
        "start the embedded stack with `ontrack stack up`, or point ONTRACK_KAFKA_BOOTSTRAP "
        "(--kafka) at your brokers",
    )


def _admin(bootstrap: str, security: Mapping[str, Any] | None = None) -> KafkaAdminClient:
    check_reachable(bootstrap)
    return KafkaAdminClient(
        bootstrap_servers=bootstrap.split(","),
        client_id="ontrack-admin",
        request_timeout_ms=5000,
        **(security or {}),
    )


def describe_cluster(bootstrap: str, wanted: tuple[str, ...]) -> str:
    """A metadata round trip: which of ontrack's topics exist, and how many others."""
    admin = _admin(bootstrap)
    try:
        topics = set(admin.list_topics())
    finally:
        admin.close()
    missing = [t for t in wanted if t not in topics]
    others = len(topics - set(wanted))
    have = "missing topics " + ", ".join(missing) if missing else "topics " + ", ".join(wanted)
    return f"{have} (+{others} other)" if others else have


def delete_topics(bootstrap: str, names: list[str]) -> None:
    """Delete those of ``names`` that exist."""
    admin = _admin(bootstrap)
    try:
        present = set(admin.list_topics())
        doomed = [n for n in names if n in present]
        if doomed:
            admin.delete_topics(doomed)
    finally:
        admin.close()


def topic_names(settings: Settings) -> tuple[str, ...]:
    return (settings.topic_readings, settings.topic_dlq, settings.topic_aggregates)


def ensure_topics(settings: Settings) -> None:
    """Create ``readings``, ``readings.dlq`` and ``aggregates`` if they are missing.

    On a real cluster create them beforehand (deploy/compose's kafka-init, Strimzi's
    KafkaTopic in deploy/k8s); ``topic_replication_factor`` covers the case they were not.
    There a service's principal sees the topics it has Describe on (its ACLs grant that on
    all three) and may create none: a topic it cannot see is a TopicsError naming it.
    """
    wanted = {
        settings.topic_readings: settings.topic_partitions,
        settings.topic_dlq: 1,
        settings.topic_aggregates: settings.topic_partitions,
    }
    admin = _admin(settings.kafka_bootstrap, kafka_python_options(settings))
    try:
        existing = set(admin.list_topics())
        new = [
            NewTopic(name, num_partitions=n, replication_factor=settings.topic_replication_factor)
            for name, n in wanted.items()
            if name not in existing
        ]
        if new:
            try:
                admin.create_topics(new)
            except TopicAlreadyExistsError:
                pass
            except (TopicAuthorizationFailedError, ClusterAuthorizationFailedError) as exc:
                names = ", ".join(t.name for t in new)
                raise TopicsError(
                    f"Kafka topic(s) {names} cannot be seen by principal "
                    f"{settings.kafka_sasl_username or '(anonymous)'}, which may not create "
                    f"them ({type(exc).__name__}): create them with the deployment (kafka-init, "
                    "KafkaTopic) and grant the principal Describe on them"
                ) from None
    finally:
        admin.close()

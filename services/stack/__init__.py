"""The embedded stack: a Kafka-protocol broker, TimescaleDB, Prometheus, Alertmanager and an MQTT
broker on loopback."""

from __future__ import annotations

import os

from services.ingest.keyring import make_stack_key, stack_key_path
from services.ingest.topics import ensure_topics, topic_names
from services.settings import Settings
from services.stack.base import Component, Report, Status
from services.stack.broker import Broker
from services.stack.errors import StackError
from services.stack.monitoring import Alertmanager, Prometheus
from services.stack.mosquitto import Mosquitto
from services.stack.timescaledb import TimescaleDB

__all__ = ["StackError", "Status", "components", "down", "status", "up"]


def components(settings: Settings) -> list[Component]:
    mirror = os.environ.get("ONTRACK_DEBIAN_MIRROR", "http://deb.debian.org/debian")
    return [
        Broker(settings.stack_dir, settings.kafka_bootstrap, topic_names(settings)),
        TimescaleDB(settings.stack_dir, settings.dsn, mirror),
        Prometheus(settings.stack_dir, settings.prometheus_url),
        Alertmanager(settings.stack_dir, settings.alertmanager_url),
        Mosquitto(settings.stack_dir, settings.mqtt_host, settings.mqtt_port),
    ]


def up(settings: Settings, report: Report) -> list[Status]:
    """Install what is missing and start every component the stack manages; reuse running ones."""
    for comp in components(settings):
        if not comp.managed:
            report(f"{comp.name}: {comp.address} is not local; using it as it is")
            continue
        comp.install(report)
        comp.start(report)
    ensure_topics(settings)
    if make_stack_key(settings.stack_dir):
        report(f"batch key: made {stack_key_path(settings.stack_dir)} (docs/operations.md)")
    return status(settings)


def status(settings: Settings) -> list[Status]:
    return [comp.status() for comp in components(settings)]


def down(settings: Settings, report: Report) -> None:
    for comp in reversed(components(settings)):
        if comp.managed and comp.stop(report):
            report(f"stopped {comp.name}")

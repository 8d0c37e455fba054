"""Prometheus metrics of the MQTT bridge, built on a registry the caller owns."""

from __future__ import annotations

from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Counter, Gauge

__all__ = ["MqttMetrics"]


@dataclass(frozen=True)
class MqttMetrics:
    registry: CollectorRegistry
    messages: Counter
    readings: Counter
    rejected: Counter
    retries: Counter
    pending: Gauge
    connected: Gauge

    @classmethod
    def create(cls, registry: CollectorRegistry) -> MqttMetrics:
        return cls(
            registry=registry,
            messages=Counter(
                "ontrack_mqtt_messages_total",
                "MQTT messages handled, by outcome (forwarded, partial, rejected, ignored)",
                ["outcome"],
                registry=registry,
            ),
            readings=Counter(
                "ontrack_mqtt_readings_total",
                "Readings of MQTT messages, by outcome (accepted, rejected)",
                ["provider", "outcome"],
                registry=registry,
            ),
            rejected=Counter(
                "ontrack_mqtt_rejected_total",
                "Problems found in MQTT messages, by error code",
                ["provider", "reason"],
                registry=registry,
            ),
            retries=Counter(
                "ontrack_mqtt_forward_retries_total",
                "Batches sent again to the API (429, 503, connection errors)",
                registry=registry,
            ),
            pending=Gauge(
                "ontrack_mqtt_pending_messages",
                "Messages received and not yet acknowledged",
                registry=registry,
            ),
            connected=Gauge(
                "ontrack_mqtt_connected",
                "1 while the bridge is connected to the MQTT broker",
                registry=registry,
            ),
        )

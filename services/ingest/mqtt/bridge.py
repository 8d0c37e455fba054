"""The MQTT bridge: subscribe to a topic tree, forward readings to the HTTP API, report errors.

Delivery is at least once, within these limits:

- The bridge connects with a persistent session (MQTT 5, ``clean_start`` off, a session
  expiry) and QoS 1, and acknowledges a message only after the API has answered for it:
  accepted readings are then durably in Kafka, refused ones have been reported. A message
  the bridge holds when it stops or crashes is sent again by the broker when it
  reconnects with the same client id; the API's idempotence on (series, ts) makes that
  harmless.
- While the API (or Kafka behind it) does not answer, nothing is acknowledged: the broker
  stops sending after ``receive_maximum`` unacknowledged messages and queues the rest for
  the session, up to its own limits (Mosquitto's ``max_queued_messages``, 1000 by
  default, then it drops QoS 1 messages: raise it for long outages). QoS 0 messages are
  never redelivered.
- A message that cannot be used is acknowledged (sending it again would not help) and
  reported three ways: published to ``<errors prefix>/<its topic>`` with the reasons,
  counted in ``ontrack_mqtt_messages_total{outcome="rejected"}``, and logged.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion, MQTTProtocolVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.subscribeoptions import SubscribeOptions

from services.ingest.mqtt.forward import Forwarder, Outcome
from services.ingest.mqtt.metrics import MqttMetrics
from services.ingest.mqtt.payload import Incoming, error_report, errors_topic

__all__ = ["Bridge", "BridgeConfig"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class BridgeConfig:
    host: str = "127.0.0.1"
    port: int = 1883
    topics: tuple[str, ...] = ("ontrack/readings/#",)
    errors_prefix: str = "ontrack/errors"
    client_id: str = "ontrack-bridge"
    username: str | None = None
    password: str | None = None
    window: float = 0.2  # seconds to gather messages into one request
    max_messages: int = 500  # per request
    session_expiry: int = 7 * 86400  # seconds the broker keeps the session while we are away
    receive_maximum: int = 1000  # unacknowledged messages the broker may send us
    keepalive: int = 30


def _utcnow() -> datetime:
    return datetime.now(UTC)


class Bridge:
    def __init__(
        self,
        config: BridgeConfig,
        forwarder: Forwarder,
        metrics: MqttMetrics,
        provider: str,
        *,
        now: Callable[[], datetime] = _utcnow,
    ) -> None:
        self.config = config
        self.forwarder = forwarder
        self.metrics = metrics
        self.provider = provider
        self.now = now
        self._inbox: queue.Queue[Incoming] = queue.Queue()
        self._client = self._make_client()

    def _make_client(self) -> mqtt.Client:
        client = mqtt.Client(
            CallbackAPIVersion.VERSION2,
            client_id=self.config.client_id,
            protocol=MQTTProtocolVersion.MQTTv5,
            manual_ack=True,
        )
        if self.config.username:
            client.username_pw_set(self.config.username, self.config.password)
        client.on_connect = self._on_connect
        client.on_disconnect = self._on_disconnect
        client.on_message = self._on_message
        client.reconnect_delay_set(1, 30)
        return client

    def run(self, stop: threading.Event) -> None:
        """Forward until ``stop`` is set; unacknowledged messages stay with the broker."""
        props = Properties(PacketTypes.CONNECT)  # type: ignore[no-untyped-call]
        props.SessionExpiryInterval = self.config.session_expiry
        props.ReceiveMaximum = self.config.receive_maximum
        self._client.connect_async(
            self.config.host,
            self.config.port,
            self.config.keepalive,
            clean_start=False,
            properties=props,
        )
        self._client.loop_start()
        try:
            while not stop.is_set():
                batch = self._collect(stop)
                if batch:
                    self._process(batch)
        finally:
            self._client.disconnect()
            self._client.loop_stop()
            self.metrics.connected.set(0)

    def _on_connect(
        self, client: mqtt.Client, userdata: Any, flags: Any, reason: Any, props: Any
    ) -> None:
        if reason.is_failure:
            log.error("the MQTT broker refused the connection: %s", reason)
            return
        self.metrics.connected.set(1)
        options = SubscribeOptions(qos=1, retainHandling=SubscribeOptions.RETAIN_SEND_IF_NEW_SUB)
        client.subscribe([(topic, options) for topic in self.config.topics])
        log.info(
            "connected to mqtt://%s:%d as %s (session present: %s); subscribed to %s",
            self.config.host,
            self.config.port,
            self.config.client_id,
            getattr(flags, "session_present", "?"),
            ", ".join(self.config.topics),
        )

    def _on_disconnect(
        self, client: mqtt.Client, userdata: Any, flags: Any, reason: Any, props: Any
    ) -> None:
        self.metrics.connected.set(0)
        log.warning("disconnected from the MQTT broker (%s); reconnecting", reason)

    def _on_message(self, client: mqtt.Client, userdata: Any, msg: mqtt.MQTTMessage) -> None:
        self.metrics.pending.inc()
        self._inbox.put(Incoming(msg.topic, bytes(msg.payload), msg.mid, msg.qos))

    def _collect(self, stop: threading.Event) -> list[Incoming]:
        try:
            batch = [self._inbox.get(timeout=0.5)]
        except queue.Empty:
            return []
        deadline = time.monotonic() + self.config.window
        while len(batch) < self.config.max_messages and not stop.is_set():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            try:
                batch.append(self._inbox.get(timeout=remaining))
            except queue.Empty:
                break
        return batch

    def _process(self, batch: Sequence[Incoming]) -> None:
        prefix = self.config.errors_prefix.rstrip("/") + "/"
        ours = [m for m in batch if m.topic.startswith(prefix)]
        if ours:
            self.metrics.messages.labels("ignored").inc(len(ours))
        outcomes = self.forwarder.handle([m for m in batch if not m.topic.startswith(prefix)])
        for outcome in outcomes:
            self._report(outcome)
        for message in batch:  # in the order received, as MQTT wants
            self._client.ack(message.mid, message.qos)
            self.metrics.pending.dec()

    def _report(self, outcome: Outcome) -> None:
        m = outcome.message
        self.metrics.readings.labels(self.provider, "accepted").inc(outcome.accepted)
        if not outcome.errors:
            self.metrics.messages.labels("forwarded").inc()
            return
        self.metrics.messages.labels("partial" if outcome.accepted else "rejected").inc()
        self.metrics.readings.labels(self.provider, "rejected").inc(outcome.rejected)
        for e in outcome.errors:
            self.metrics.rejected.labels(self.provider, str(e.get("code"))).inc()
        topic = errors_topic(self.config.errors_prefix, m.topic)
        self._client.publish(
            topic, error_report(m.topic, outcome.accepted, outcome.errors, self.now()), qos=1
        )
        first = outcome.errors[0]
        log.warning(
            "message on %s: %d reading(s) accepted, %d rejected (errors on %s); first: %s",
            m.topic,
            outcome.accepted,
            outcome.rejected,
            topic,
            first.get("message"),
        )

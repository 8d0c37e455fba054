"""The embedded stack's Mosquitto: started on a port of its own with its own config, it accepts
MQTT, keeps persistence under the stack directory, refuses a port it does not own, and stops."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from services.settings import Settings
from services.stack import status
from services.stack.errors import StackError
from services.stack.mosquitto import Mosquitto, mqtt_handshake
from tests.fixtures.services import free_port

pytestmark = pytest.mark.integration


def test_the_stack_runs_a_broker_of_its_own(embedded_stack: Settings) -> None:
    mqtt = next(s for s in status(embedded_stack) if s.name == "mqtt")
    assert (mqtt.managed, mqtt.running, mqtt.answers) == (True, True, True)
    assert mqtt.address == f"127.0.0.1:{embedded_stack.mqtt_port}" != "127.0.0.1:1883"
    assert "CONNACK: accepted" in mqtt.detail


def test_a_second_broker_starts_answers_and_stops(embedded_stack: Settings, tmp_path: Path) -> None:
    port = free_port()
    broker = Mosquitto(tmp_path, "127.0.0.1", port)
    broker.install(print)
    broker.start(print)
    try:
        assert broker.running() and broker.answers()[0]
        config = broker.config.read_text()
        assert f"listener {port} 127.0.0.1" in config
        assert f"persistence_location {tmp_path / 'mosquitto'}/" in config
        broker.start(print)  # already running: reused, not started twice
    finally:
        assert broker.stop(print)
    assert not broker.running()
    assert mqtt_handshake("127.0.0.1", port)[0] is False


def test_a_port_taken_by_another_process_is_refused(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        broker = Mosquitto(tmp_path, "127.0.0.1", port)
        with pytest.raises(StackError, match=f"port 127.0.0.1:{port} is taken.*ONTRACK_MQTT_PORT"):
            broker.start(print)
        ok, detail = mqtt_handshake("127.0.0.1", port, timeout=0.5)
    assert not ok and detail  # a listener that is not MQTT does not pass for a broker

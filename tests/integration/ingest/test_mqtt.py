"""``ontrack ingest mqtt`` against Mosquitto: every payload shape goes through; bad messages are
reported on the errors topic, counted and logged; nothing is lost while the API is down."""

from __future__ import annotations

import re
import signal
import subprocess
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import orjson
import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from services.settings import Settings
from tests.fixtures.keys import MakeKey
from tests.fixtures.services import Proc, Running, free_port, service_env, start_api, wait_for
from tests.integration.ingest.helpers import count_rows, day, hours, log_of, reading, rows

pytestmark = [pytest.mark.integration, pytest.mark.slow]


@dataclass
class Tree:
    root: str

    @property
    def readings(self) -> str:
        return f"{self.root}/readings"

    @property
    def errors(self) -> str:
        return f"{self.root}/errors"


@pytest.fixture
def tree() -> Tree:
    return Tree(f"ontrack-test/{uuid.uuid4().hex[:8]}")


@pytest.fixture(scope="module")
def pub(embedded_stack: Settings) -> Iterator[mqtt.Client]:
    """A provider's MQTT client, on the embedded stack's Mosquitto."""
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"pub-{uuid.uuid4().hex[:6]}")
    client.connect(embedded_stack.mqtt_host, embedded_stack.mqtt_port)
    client.loop_start()
    yield client
    client.disconnect()
    client.loop_stop()


def _send(client: mqtt.Client, topic: str, payload: bytes | str) -> None:
    client.publish(topic, payload, qos=1).wait_for_publish(10)


def _metric(port: int, name: str) -> float:
    text = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=2).text
    found = re.search(rf"^{re.escape(name)} ([0-9.e+]+)$", text, re.M)
    return float(found[1]) if found else 0.0


def _start_bridge(
    spawn: Callable[..., Proc],
    settings: Settings,
    tree: Tree,
    api_url: str,
    key: str,
    client_id: str,
    name: str,
) -> tuple[Proc, int]:
    port = free_port()
    args = [
        "ingest", "mqtt", "--topic", f"{tree.readings}/#", "--errors-prefix", tree.errors,
        "--client-id", client_id, "--api", api_url, "--key", key,
        "--metrics-port", str(port), "--batch-ms", "100",
    ]  # fmt: skip
    proc = spawn(name, args, service_env(settings))

    def connected() -> bool:
        assert proc.popen.poll() is None, f"{name} exited:\n{proc.tail()}"
        try:
            return _metric(port, "ontrack_mqtt_connected") == 1.0
        except httpx.HTTPError:
            return False

    wait_for(connected, 30, f"{name} to connect to Mosquitto")
    return proc, port


@pytest.fixture
def error_reports(
    tree: Tree, embedded_stack: Settings
) -> Iterator[list[tuple[str, dict[str, Any]]]]:
    """Every report published under the tree's errors prefix, as (topic, report)."""
    got: list[tuple[str, dict[str, Any]]] = []
    subscribed = threading.Event()
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"errs-{uuid.uuid4().hex[:6]}")
    client.on_connect = lambda c, u, f, r, p: c.subscribe(f"{tree.errors}/#", qos=1)
    client.on_subscribe = lambda c, u, m, r, p: subscribed.set()
    client.on_message = lambda c, u, msg: got.append((msg.topic, orjson.loads(msg.payload)))
    client.connect(embedded_stack.mqtt_host, embedded_stack.mqtt_port)
    client.loop_start()
    assert subscribed.wait(10)
    yield got
    client.disconnect()
    client.loop_stop()


def test_every_payload_shape_is_forwarded_and_bad_messages_are_reported(
    pipeline: Running,
    settings: Settings,
    make_key: MakeKey,
    spawn: Callable[..., Proc],
    tree: Tree,
    pub: mqtt.Client,
    error_reports: list[tuple[str, dict[str, Any]]],
) -> None:
    key = make_key("qd-emc", indicators=["air.*"], sources=["mq-*"])
    bridge, port = _start_bridge(spawn, settings, tree, pipeline.api_url, key, "t-shapes", "bridge")
    station = f"{tree.readings}/qd-emc/mq-st1"
    ts = hours(day(18), 6)
    _send(pub, station, orjson.dumps(reading("mq-st1", ts[0], 31)))
    _send(pub, station, orjson.dumps({"readings": [reading("mq-st1", ts[1], 32)]}))
    _send(pub, station, orjson.dumps([reading("mq-st1", ts[2], 0.033, unit="mg/m³")]))
    ndjson = b"\n".join(orjson.dumps(reading("mq-st1", t, 34 + i)) for i, t in enumerate(ts[3:5]))
    _send(pub, station, ndjson)
    # the documented mosquitto_pub line works as it is
    subprocess.run(
        ["mosquitto_pub", "-h", settings.mqtt_host, "-p", str(settings.mqtt_port), "-q", "1", "-t", station,
         "-m", orjson.dumps(reading("mq-st1", ts[5], 36)).decode()],
        check=True, timeout=10,
    )  # fmt: skip
    wait_for(lambda: count_rows(settings.dsn, "mq-st1") == 6, 60, "6 rows from MQTT")
    assert [r[2] for r in rows(settings.dsn, "mq-st1")] == pytest.approx([31, 32, 33, 34, 35, 36])

    bad = f"{tree.readings}/qd-emc/mq-bad"
    _send(pub, bad, b"pm25=31")
    mixed = [
        reading("mq-bad", ts[0], 10),
        reading("mq-bad", ts[1], 10, unit="kg"),
        reading("other-station", ts[2], 10),
    ]
    _send(pub, bad, orjson.dumps(mixed))
    _send(pub, bad, b'{"indicator": "air.pm25"}\n{oops}\n')
    wait_for(lambda: len(error_reports) == 3, 30, "3 error reports")

    reports = [r for topic, r in error_reports]
    assert {topic for topic, _ in error_reports} == {f"{tree.errors}/{bad}"}
    not_json, partial, lines = reports
    assert (
        not_json["rejected"] == 1 and "the message is not JSON" in not_json["errors"][0]["message"]
    )
    assert (partial["accepted"], partial["rejected"]) == (1, 2)
    by_index = {e["index"]: e for e in partial["errors"]}
    assert by_index[1]["field"] == "unit" and 'unit "kg" is not accepted' in by_index[1]["message"]
    assert by_index[2]["code"] == "scope" and "may not write source" in by_index[2]["message"]
    assert [(e["line"], e["field"]) for e in lines["errors"]][-1] == (2, None)
    assert any(e["field"] == "ts" and e["line"] == 1 for e in lines["errors"])
    wait_for(lambda: count_rows(settings.dsn, "mq-bad") == 1, 60, "the good reading of the mix")
    assert count_rows(settings.dsn, "other-station") == 0

    assert _metric(port, 'ontrack_mqtt_messages_total{outcome="rejected"}') == 2.0
    assert _metric(port, 'ontrack_mqtt_messages_total{outcome="partial"}') == 1.0
    assert _metric(port, 'ontrack_mqtt_messages_total{outcome="forwarded"}') == 5.0
    accepted = 'ontrack_mqtt_readings_total{outcome="accepted",provider="qd-emc"}'
    assert _metric(port, accepted) == 7.0
    assert _metric(port, "ontrack_mqtt_pending_messages") == 0.0
    log = log_of(bridge)
    assert f"message on {bad}: 0 reading(s) accepted, 1 rejected" in log
    assert f"message on {bad}: 1 reading(s) accepted, 2 rejected" in log


def test_nothing_is_lost_while_the_api_is_down_or_the_bridge_crashes(
    pipeline: Running,
    settings: Settings,
    make_key: MakeKey,
    spawn: Callable[..., Proc],
    tree: Tree,
    pub: mqtt.Client,
) -> None:
    key = make_key("qd-emc", indicators=["air.*"], sources=["mq-*"])
    api_port = free_port()
    env = service_env(settings)
    api_url, api = start_api(spawn, env, name="api-mqtt", port=api_port)
    client_id = f"t-lost-{uuid.uuid4().hex[:6]}"
    bridge, port = _start_bridge(spawn, settings, tree, api_url, key, client_id, "bridge-1")
    topic = f"{tree.readings}/qd-emc/mq-lost"
    ts = hours(day(19), 8)
    _send(pub, topic, orjson.dumps(reading("mq-lost", ts[0], 1)))
    wait_for(lambda: count_rows(settings.dsn, "mq-lost") == 1, 60, "the first reading")

    api.stop()  # the API (as if Kafka behind it) is gone: the bridge must hold on
    _send(pub, topic, orjson.dumps([reading("mq-lost", ts[1], 2), reading("mq-lost", ts[2], 3)]))
    _send(pub, topic, orjson.dumps(reading("mq-lost", ts[3], 4)))
    wait_for(lambda: _metric(port, "ontrack_mqtt_forward_retries_total") >= 1, 30, "a retry")
    assert _metric(port, "ontrack_mqtt_pending_messages") == 2.0
    bridge.stop(signal.SIGKILL)  # and the bridge crashes holding two unacknowledged messages
    _send(pub, topic, orjson.dumps(reading("mq-lost", ts[4], 5)))  # queued by Mosquitto meanwhile
    assert count_rows(settings.dsn, "mq-lost") == 1

    start_api(spawn, env, name="api-mqtt-2", port=api_port)
    _start_bridge(spawn, settings, tree, api_url, key, client_id, "bridge-2")
    wait_for(lambda: count_rows(settings.dsn, "mq-lost") == 5, 60, "all 5 readings")
    assert [r[2] for r in rows(settings.dsn, "mq-lost")] == [1.0, 2.0, 3.0, 4.0, 5.0]

"""The examples of docs/providers.md, run as a provider would run them, against the real pipeline
(docs/providers.zh-CN.md holds the same blocks: tests/unit/test_provider_docs_parity.py).

A fenced block whose info string holds ``example=NAME`` is run (``sh`` with bash, ``python``
with this venv's interpreter; a ``json`` example is a Kafka record to produce); the block
``output=NAME`` is what the doc says it prints, and the test holds the run to it; ``file=NAME``
is a file an example reads. The examples take the API's address, the key and the brokers from
``ONTRACK_*`` variables, as the doc tells providers to set them; the topic names and the MQTT
topic tree (shared machines, private topics) are substituted.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC
from pathlib import Path
from typing import Any

import httpx
import pytest
from kafka import KafkaConsumer, KafkaProducer, TopicPartition

from services.settings import Settings
from services.stack.apt import ensure_commands
from tests.fixtures.keys import MakeKey
from tests.fixtures.paths import ROOT
from tests.fixtures.services import Proc, Running, service_env, wait_for
from tests.integration.ingest.helpers import count_rows, rows
from tests.integration.ingest.test_mqtt import Tree, _start_bridge

pytestmark = [pytest.mark.integration]

DOC = ROOT / "docs" / "providers.md"
DOC_KEY_ID = "3f9a1c0e5b7d2468"  # the key id the doc's outputs show
VARYING = frozenset({"created_at", "received_at", "stored_at", "at"})  # times of the run
_FENCE = re.compile(r"^```(?P<lang>[\w-]*)(?P<attrs>[^\n]*)\n(?P<body>.*?)^```[ \t]*$", re.M | re.S)
_ISO_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:[+-]\d\d:\d\d|Z)")


@dataclass(frozen=True)
class Doc:
    examples: dict[str, tuple[str, str]]  # name → (language, code)
    outputs: dict[str, str]
    files: dict[str, str]

    def code(self, name: str, lang: str) -> str:
        found_lang, code = self.examples[name]
        assert found_lang == lang, f"example {name} is {found_lang}, not {lang}"
        return code


def _read_doc() -> Doc:
    doc = Doc({}, {}, {})
    for m in _FENCE.finditer(DOC.read_text(encoding="utf-8")):
        attrs = dict(a.split("=", 1) for a in m["attrs"].split() if "=" in a)
        for kind, into in (("output", doc.outputs), ("file", doc.files)):
            if kind in attrs:
                into[attrs[kind]] = m["body"]
        if "example" in attrs:
            assert attrs["example"] not in doc.examples, f"example {attrs['example']} twice"
            doc.examples[attrs["example"]] = (m["lang"], m["body"])
    return doc


@pytest.fixture(scope="module")
def doc() -> Doc:
    return _read_doc()


# ── running examples ──────────────────────────────────────────────────────────────────────


@dataclass
class Env:
    """What an example finds in its environment (a provider's shell), and the substitutions."""

    settings: Settings
    api_url: str
    key: str
    cwd: Path
    mqtt_root: str = "ontrack"

    def vars(self) -> dict[str, str]:
        env = service_env(self.settings)  # the database URL is for the operator's commands
        env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
        env.update(
            ONTRACK_API_URL=self.api_url,
            ONTRACK_API_KEY=self.key,
            ONTRACK_KAFKA_BOOTSTRAP=self.settings.kafka_bootstrap,
            ONTRACK_MQTT_HOST=self.settings.mqtt_host,
            ONTRACK_MQTT_PORT=str(self.settings.mqtt_port),
            ONTRACK_LANG="en",  # the outputs shown are the English ones, whatever the locale
        )
        return env

    def adapt(self, code: str) -> str:
        """The doc's topic names → this session's private ones."""
        named = 0
        for name, doc_topic, topic in (
            ("TOPIC", "readings", self.settings.topic_readings),
            ("DLQ", "readings.dlq", self.settings.topic_dlq),
        ):
            line = f'{name} = "{doc_topic}"'
            named += line in code
            code = code.replace(line, f'{name} = "{topic}"')
        # never let an example write to the shared machine's own topics
        assert named or "from kafka" not in code, "a Kafka example must name its topic TOPIC/DLQ"
        for branch in ("readings", "errors"):
            code = code.replace(f"ontrack/{branch}/", f"{self.mqtt_root}/{branch}/")
        return code

    def back(self, text: str) -> str:
        """This session's names in what an example printed → the doc's."""
        for branch in ("readings", "errors"):
            text = text.replace(f"{self.mqtt_root}/{branch}/", f"ontrack/{branch}/")
        return text.replace(self.settings.topic_readings, "readings")

    def command(self, lang: str, code: str) -> list[str]:
        if lang == "sh":
            return ["bash", "-eo", "pipefail", "-c", self.adapt(code)]
        assert lang == "python", lang
        return [sys.executable, "-c", self.adapt(code)]

    def run(
        self, doc: Doc, name: str, replace: tuple[str, str] = ("", "")
    ) -> subprocess.CompletedProcess[str]:
        lang, code = doc.examples[name]
        if replace[0]:
            code = code.replace(*replace)
        done = subprocess.run(
            self.command(lang, code),
            env=self.vars(),
            cwd=self.cwd,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert done.returncode == 0, f"example {name} failed:\n{done.stdout}\n{done.stderr}"
        return done


def _without(value: Any, keys: frozenset[str]) -> Any:
    if isinstance(value, dict):
        return {k: _without(v, keys) for k, v in value.items() if k not in keys}
    if isinstance(value, list):
        return [_without(v, keys) for v in value]
    return value


def same_json(actual: str, shown: str, what: str) -> None:
    """Equal as JSON, but for the times of the run (which must be there)."""
    got, expected = json.loads(actual), json.loads(shown)
    assert _without(got, VARYING) == _without(expected, VARYING), (
        f"{what}: the doc shows\n{shown}\nthe run printed\n{actual}"
    )
    if isinstance(expected, dict):
        assert set(expected) == set(got), what


def same_answer(printed: str, shown: str, what: str, key_id: str | None = None) -> None:
    """The body and status code that ``curl -w '\\n%{http_code}\\n'`` printed, as the doc shows."""
    if key_id is not None:
        printed = printed.replace(key_id, DOC_KEY_ID)
    *body, status = printed.strip().splitlines()
    *shown_body, shown_status = shown.strip().splitlines()
    assert status == shown_status, (
        f"{what}: HTTP {status}, the doc shows {shown_status}:\n{printed}"
    )
    same_json("\n".join(body), "\n".join(shown_body), what)


# ── the checks ────────────────────────────────────────────────────────────────────────────

EXAMPLES = {
    "key-create", "key-self", "keys-list", "key-revoke", "curl-scope",
    "curl-json", "curl-ndjson", "curl-csv", "curl-ytd", "python-httpx", "curl-rejected",
    "curl-none-accepted", "curl-revise", "series-get", "ontrack-series",
    "replay", "kafka-produce", "kafka-bad", "kafka-dlq", "mqtt-pub", "mqtt-sub", "mqtt-bad",
    "healthz",
}  # fmt: skip


def test_every_example_of_the_doc_is_run_here(doc: Doc) -> None:
    assert set(doc.examples) == EXAMPLES, "an example without a test, or a test without one"
    assert set(doc.outputs) <= set(doc.examples)
    assert set(doc.files) == {"history.csv"}


def test_a_key_is_made_checked_scoped_and_revoked(
    doc: Doc, pipeline: Running, settings: Settings, tmp_path: Path
) -> None:
    operator = Env(settings, pipeline.api_url, "", tmp_path)
    made = operator.run(doc, "key-create")
    token = made.stdout.strip()
    key_id = token.split("_")[1]
    *shown_lines, shown_token = doc.outputs["key-create"].strip().splitlines()
    assert made.stderr.replace(key_id, DOC_KEY_ID).strip().splitlines() == shown_lines
    assert re.fullmatch(r"otk_[0-9a-f]{16}_[A-Za-z0-9_-]{43}", token)
    assert re.fullmatch(r"otk_[0-9a-f]{16}_[A-Za-z0-9_-]{43}", shown_token)

    provider = Env(settings, pipeline.api_url, token, tmp_path)
    me = provider.run(doc, "key-self").stdout
    same_json(me.replace(key_id, DOC_KEY_ID), doc.outputs["key-self"], "key-self")
    scope = provider.run(doc, "curl-scope").stdout
    same_answer(scope, doc.outputs["curl-scope"], "curl-scope", key_id)
    assert count_rows(settings.dsn, "laoshan-1") == 0

    listed = operator.run(doc, "keys-list").stdout
    assert key_id in listed and "qd-emc" in listed and "qd-station-*" in listed
    revoked = operator.run(doc, "key-revoke", replace=(DOC_KEY_ID, key_id))
    shown = _ISO_TIME.sub("<time>", doc.outputs["key-revoke"].strip())
    assert _ISO_TIME.sub("<time>", revoked.stderr.strip().replace(key_id, DOC_KEY_ID)) == shown


def _stored(dsn: str, source: str) -> dict[tuple[str, str], tuple[Any, ...]]:
    """(indicator, ts in UTC) → (value, raw_value, raw_unit, region, labels, id)."""
    return {(r[0], r[1].astimezone(UTC).isoformat()): r[2:] for r in rows(dsn, source)}


def test_the_http_examples_answer_as_shown_and_store_what_they_say(
    doc: Doc, pipeline: Running, settings: Settings, api_key: str, tmp_path: Path
) -> None:
    env = Env(settings, pipeline.api_url, api_key, tmp_path)
    for name in ("curl-json", "curl-ndjson", "curl-csv", "curl-rejected", "curl-none-accepted"):
        same_answer(env.run(doc, name).stdout, doc.outputs[name], name)
    assert env.run(doc, "python-httpx").stdout == doc.outputs["python-httpx"]
    same_json(env.run(doc, "healthz").stdout, doc.outputs["healthz"], "healthz")

    dsn = settings.dsn
    wait_for(lambda: count_rows(dsn, "qd-station-12") == 6, 30, "station 12's six readings")
    station = _stored(dsn, "qd-station-12")
    assert station[("air.pm25", "2026-11-22T00:00:00+00:00")][:3] == (31.0, 31.0, "µg/m³")
    assert station[("air.pm25", "2026-11-22T01:00:00+00:00")][:3] == (35.0, 0.035, "mg/m³")
    assert station[("air.pm25", "2026-11-22T03:00:00+00:00")][0] == 33.0
    assert station[("air.no2", "2026-11-22T02:00:00+00:00")][:3] == (41.0, 41.0, "ug/m3")
    assert ("air.no2", "2026-11-22T03:00:00+00:00") not in station  # the one in ppb
    assert ("air.pm25", "2026-11-22T04:00:00+00:00") not in station  # the one without offset
    wait_for(lambda: count_rows(dsn, "telecom-qingdao") == 1, 30, "the operators' readings")
    month_end = "2026-11-30T15:59:59+00:00"
    wind = _stored(dsn, "grid-huangdao-wind")[("power.generation", month_end)]
    assert wind[:3] == (18_500_000.0, 1_850.0, "万千瓦时") and wind[4] == {"source": "wind"}
    assert _stored(dsn, "grid-huangdao-solar")[("power.generation", month_end)][0] == 9_600_000.0
    capacity = _stored(dsn, "grid-huangdao")[("power.renewable_capacity", month_end)]
    assert capacity[:3] == (3_125_000.0, 312.5, "万千瓦")
    unicom = _stored(dsn, "unicom-qingdao")[("telecom.5g_base_stations", month_end)]
    assert unicom[0] == 12_480.0 and unicom[4] == {"arrives_as": "total"}
    added = _stored(dsn, "telecom-qingdao")[("telecom.5g_base_stations", month_end)]
    assert added[:3] == (35.0, 35.0, "个") and added[4] == {"arrives_as": "increment"}

    same_answer(env.run(doc, "curl-revise").stdout, doc.outputs["curl-revise"], "curl-revise")
    nine = ("air.pm25", "2026-11-22T01:00:00+00:00")
    wait_for(lambda: _stored(dsn, "qd-station-12")[nine][0] == 36.0, 30, "the revised value")
    assert count_rows(dsn, "qd-station-12") == 6
    same_json(env.run(doc, "series-get").stdout, doc.outputs["series-get"], "series-get")
    assert env.run(doc, "ontrack-series").stdout == doc.outputs["ontrack-series"]


def test_the_year_to_date_example_stores_the_months_flows(
    doc: Doc, pipeline: Running, settings: Settings, api_key: str, tmp_path: Path
) -> None:
    env = Env(settings, pipeline.api_url, api_key, tmp_path)
    same_answer(env.run(doc, "curl-ytd").stdout, doc.outputs["curl-ytd"], "curl-ytd")

    def months() -> list[tuple[str, float, float]]:
        found = _stored(settings.dsn, "qdport-rail")
        return [(ts[:7], v[0], v[1]) for (_, ts), v in sorted(found.items())]

    # as the doc says: January 200,000 TEU, February 220,000, April 460,000 (March missing);
    # the totals sent are kept as raw values (万标准箱)
    want = [
        ("2026-01", 200_000.0, 20.0),
        ("2026-02", 220_000.0, 42.0),
        ("2026-04", 460_000.0, 88.0),
    ]
    wait_for(lambda: months() == want, 30, f"the flows {want}")
    march = [{"indicator": "port.sea_rail_teu", "ts": "2026-03-31T23:59:59+08:00", "value": 65,
              "unit": "万标准箱", "source": "qdport-rail", "labels": {"arrives_as": "ytd"}}]  # fmt: skip
    answer = httpx.post(
        pipeline.api_url + "/v1/readings",
        json=march,
        headers={"Authorization": f"Bearer {api_key}"},
        timeout=30,
    )
    assert answer.status_code == 202, answer.text
    want[2:2] = [("2026-03", 230_000.0, 65.0)]
    want[3] = ("2026-04", 230_000.0, 88.0)
    wait_for(lambda: months() == want, 30, f"the flows {want}")


def test_the_replay_example_back_fills_the_file(
    doc: Doc, pipeline: Running, settings: Settings, api_key: str, tmp_path: Path
) -> None:
    (tmp_path / "history.csv").write_text(doc.files["history.csv"], encoding="utf-8")
    env = Env(settings, pipeline.api_url, api_key, tmp_path)
    summary = re.compile(r"in \d+\.\d s")
    printed = summary.sub("in <t> s", env.run(doc, "replay").stderr)
    assert summary.sub("in <t> s", doc.outputs["replay"].strip()) in printed
    wait_for(lambda: count_rows(settings.dsn, "qd-station-14") == 4, 30, "the 4 history rows")
    assert [r[2] for r in rows(settings.dsn, "qd-station-14")] == [44.0, 41.0, 39.0, 37.0]


def _dead_letters(settings: Settings, until: Callable[[list[dict[str, Any]]], bool]) -> None:
    consumer = KafkaConsumer(
        bootstrap_servers=settings.kafka_bootstrap,
        enable_auto_commit=False,
        consumer_timeout_ms=500,
    )
    try:
        part = TopicPartition(settings.topic_dlq, 0)
        consumer.assign([part])
        consumer.seek_to_beginning(part)
        found: list[dict[str, Any]] = []
        deadline = time.monotonic() + 30
        while not until(found):
            assert time.monotonic() < deadline, f"no such dead letter in {found}"
            for batch in consumer.poll(timeout_ms=500).values():
                found.extend(json.loads(m.value) for m in batch)
    finally:
        consumer.close()


def test_the_kafka_examples_store_and_dead_letter_as_shown(
    doc: Doc, pipeline: Running, settings: Settings, tmp_path: Path
) -> None:
    env = Env(settings, pipeline.api_url, "", tmp_path)
    assert env.back(env.run(doc, "kafka-produce").stdout) == doc.outputs["kafka-produce"]
    wait_for(lambda: count_rows(settings.dsn, "qdport-qqct") == 2, 30, "the port's two readings")
    port = _stored(settings.dsn, "qdport-qqct")
    day = "2026-11-30T15:59:59+00:00"
    assert port[("port.container_teu", day)][:3] == (31_000.0, 31_000.0, "TEU")
    assert port[("port.cargo_tonnes", day)][:3] == (1_800_000.0, 1_800_000.0, "吨")

    bad = doc.code("kafka-bad", "json").encode()
    producer = KafkaProducer(
        bootstrap_servers=settings.kafka_bootstrap, acks="all", enable_idempotence=True
    )
    try:
        producer.send(settings.topic_readings, bad).get(timeout=10)
    finally:
        producer.close()
    shown = doc.outputs["kafka-dlq"].strip()
    reason = shown.split(": ", 1)[1]
    _dead_letters(settings, lambda found: any(d["reason"] == reason for d in found))
    offset = re.compile(r"^readings@\d+: ", re.M)
    printed = offset.sub("readings@N: ", env.back(env.run(doc, "kafka-dlq").stdout))
    assert offset.sub("readings@N: ", shown) in printed.splitlines()
    assert count_rows(settings.dsn, "qdport-qqct") == 2


@pytest.fixture(scope="module")
def mosquitto_clients() -> None:
    ensure_commands(
        {"mosquitto_pub": "mosquitto-clients", "mosquitto_sub": "mosquitto-clients"},
        lambda message: print(f"[apt] {message}"),
    )


@pytest.fixture
def watcher() -> Iterator[Callable[[Env, str], list[str]]]:
    """Start a long-running example (mosquitto_sub) in the background; the lines it prints."""
    started: list[subprocess.Popen[str]] = []

    def start(env: Env, code: str) -> list[str]:
        proc = subprocess.Popen(
            env.command("sh", code),
            env=env.vars(),
            stdout=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        started.append(proc)
        lines: list[str] = []
        assert proc.stdout is not None
        out = proc.stdout
        threading.Thread(target=lambda: lines.extend(out), daemon=True).start()
        return lines

    yield start
    for proc in started:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(10)


def test_the_mqtt_examples_are_forwarded_and_rejections_reported(
    doc: Doc,
    pipeline: Running,
    settings: Settings,
    make_key: MakeKey,
    spawn: Callable[..., Proc],
    watcher: Callable[[Env, str], list[str]],
    mosquitto_clients: None,
    tmp_path: Path,
) -> None:
    tree = Tree(f"ontrack-test/{uuid.uuid4().hex[:8]}")
    env = Env(settings, pipeline.api_url, "", tmp_path, mqtt_root=tree.root)
    reports = watcher(env, doc.code("mqtt-sub", "sh"))
    key = make_key("mqtt-bridge", indicators=["air.*"], sources=["qd-station-*"])
    client_id = f"docs-{uuid.uuid4().hex[:6]}"
    _start_bridge(spawn, settings, tree, pipeline.api_url, key, client_id, "bridge")

    env.run(doc, "mqtt-pub")
    wait_for(lambda: count_rows(settings.dsn, "qd-station-15") == 1, 30, "the MQTT reading")
    assert rows(settings.dsn, "qd-station-15")[0][2] == 27.0
    env.run(doc, "mqtt-bad")
    wait_for(lambda: len(reports) >= 1, 30, "the error report on the watcher")
    topic, report = env.back(reports[0]).rstrip("\n").split(" ", 1)
    shown_topic, shown_report = doc.outputs["mqtt-sub"].strip().split(" ", 1)
    assert topic == shown_topic
    same_json(report, shown_report, "mqtt-sub")
    assert count_rows(settings.dsn, "qd-station-15") == 1

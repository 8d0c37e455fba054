"""The Kafka example of docs/providers.md (section 9) logs in when given credentials.

tests/integration/ingest/test_provider_docs.py runs the example against the embedded
broker, which cannot do SASL, so without credentials. Here it runs with them, against
kafka-python's producer recorded instead of connected: the options it passes must be the
SASL/SCRAM login the section describes, and options kafka-python takes."""

from __future__ import annotations

import re
import sys
import types
from typing import Any

import pytest
from kafka import KafkaProducer

from tests.fixtures.paths import ROOT

DOC = ROOT / "docs" / "providers.md"


def example(name: str) -> str:
    text = DOC.read_text(encoding="utf-8")
    match = re.search(rf"^```python example={name}\n(.*?)^```", text, re.M | re.S)
    assert match, f"no python example {name} in {DOC}"
    return match[1]


class Recorded:
    """kafka-python's KafkaProducer, recording its options and what is sent."""

    options: dict[str, Any] = {}
    sent: list[tuple[str, Any]] = []

    def __init__(self, **options: Any) -> None:
        Recorded.options = options
        Recorded.sent = []

    def send(self, topic: str, key: Any = None, value: Any = None) -> Any:
        Recorded.sent.append((topic, key))
        return types.SimpleNamespace(get=lambda timeout: None)

    def close(self) -> None:
        pass


def run_example(monkeypatch: pytest.MonkeyPatch, env: dict[str, str]) -> dict[str, Any]:
    for var in (
        "ONTRACK_KAFKA_SECURITY_PROTOCOL",
        "ONTRACK_KAFKA_SASL_USERNAME",
        "ONTRACK_KAFKA_SASL_PASSWORD",
        "ONTRACK_KAFKA_SSL_CAFILE",
    ):
        monkeypatch.delenv(var, raising=False)
    for var, value in {"ONTRACK_KAFKA_BOOTSTRAP": "broker-1:9094,broker-2:9094", **env}.items():
        monkeypatch.setenv(var, value)
    monkeypatch.setitem(sys.modules, "kafka", types.SimpleNamespace(KafkaProducer=Recorded))
    exec(compile(example("kafka-produce"), str(DOC), "exec"), {"print": lambda *a: None})
    assert [t for t, _ in Recorded.sent] == ["readings", "readings"]
    return Recorded.options


def test_with_credentials_it_logs_in_with_scram_over_tls(monkeypatch: pytest.MonkeyPatch) -> None:
    options = run_example(
        monkeypatch,
        {
            "ONTRACK_KAFKA_SASL_USERNAME": "port-terminal",
            "ONTRACK_KAFKA_SASL_PASSWORD": "s3cret",
            "ONTRACK_KAFKA_SSL_CAFILE": "/etc/port/kafka-ca.crt",
        },
    )
    assert options["bootstrap_servers"] == ["broker-1:9094", "broker-2:9094"]
    assert {k: options[k] for k in options if k.startswith(("security", "sasl", "ssl"))} == {
        "security_protocol": "SASL_SSL",
        "sasl_mechanism": "SCRAM-SHA-512",
        "sasl_plain_username": "port-terminal",
        "sasl_plain_password": "s3cret",
        "ssl_cafile": "/etc/port/kafka-ca.crt",
    }
    assert options["acks"] == "all" and options["enable_idempotence"] is True
    assert set(options) <= set(KafkaProducer.DEFAULT_CONFIG), "options kafka-python takes"


def test_on_a_compose_deployment_it_logs_in_without_tls(monkeypatch: pytest.MonkeyPatch) -> None:
    options = run_example(
        monkeypatch,
        {
            "ONTRACK_KAFKA_SECURITY_PROTOCOL": "SASL_PLAINTEXT",
            "ONTRACK_KAFKA_SASL_USERNAME": "port-terminal",
            "ONTRACK_KAFKA_SASL_PASSWORD": "s3cret",
        },
    )
    assert options["security_protocol"] == "SASL_PLAINTEXT"
    assert options["ssl_cafile"] is None


def test_without_credentials_it_connects_as_before(monkeypatch: pytest.MonkeyPatch) -> None:
    options = run_example(monkeypatch, {})
    assert not [k for k in options if k.startswith(("security", "sasl", "ssl"))]

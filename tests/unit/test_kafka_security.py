"""services.kafka_security: the security settings as kafka-python, aiokafka and Faust options,
one row per protocol, and a clear error for every setting that cannot work.

The embedded stack's broker cannot do SASL, so these options are checked here against the
libraries' own parameter lists and Faust's own translation, not against a SASL broker."""

from __future__ import annotations

import inspect
import ssl
from pathlib import Path
from typing import Any

import certifi
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from faust.auth import SASLCredentials, SSLCredentials
from faust.transport.drivers.aiokafka import credentials_to_aiokafka_auth
from kafka import KafkaAdminClient, KafkaProducer
from pydantic import SecretStr

from services.alerts.runtime.events import AggregateEvents
from services.alerts.runtime.metrics import EngineMetrics
from services.ingest.stream.app import _faust_app
from services.kafka_security import (
    KafkaSecurityError,
    aiokafka_options,
    faust_credentials,
    kafka_python_options,
    kafka_security,
)
from services.settings import Settings

CA = Path(certifi.where())  # a real PEM bundle of CA certificates


def settings(**kw: Any) -> Settings:
    if "kafka_sasl_password" in kw:
        kw["kafka_sasl_password"] = SecretStr(kw["kafka_sasl_password"])
    return Settings(**kw)


LOGIN = {"kafka_sasl_username": "ontrack-api", "kafka_sasl_password": "s3cret"}
SCRAM = {
    "sasl_mechanism": "SCRAM-SHA-512",
    "sasl_plain_username": "ontrack-api",
    "sasl_plain_password": "s3cret",
}

# settings → kafka-python options without the SSL context, and whether one is there
OPTIONS = [
    ({}, {"security_protocol": "PLAINTEXT"}, False),
    (
        {"kafka_security_protocol": "SASL_PLAINTEXT", **LOGIN},
        {"security_protocol": "SASL_PLAINTEXT", **SCRAM},
        False,
    ),
    (
        {"kafka_security_protocol": "SASL_SSL", "kafka_ssl_cafile": CA, **LOGIN},
        {"security_protocol": "SASL_SSL", **SCRAM},
        True,
    ),
    (
        {"kafka_security_protocol": "SASL_SSL", **LOGIN},  # the system's CAs
        {"security_protocol": "SASL_SSL", **SCRAM},
        True,
    ),
    (
        {"kafka_security_protocol": "SSL", "kafka_ssl_cafile": CA},
        {"security_protocol": "SSL"},
        True,
    ),
    (
        {
            "kafka_security_protocol": " sasl_plaintext ",
            "kafka_sasl_mechanism": "scram-sha-256",
            **LOGIN,
        },
        {"security_protocol": "SASL_PLAINTEXT", **SCRAM, "sasl_mechanism": "SCRAM-SHA-256"},
        False,
    ),
    (
        {"kafka_security_protocol": "SASL_PLAINTEXT", "kafka_sasl_mechanism": "PLAIN", **LOGIN},
        {"security_protocol": "SASL_PLAINTEXT", **SCRAM, "sasl_mechanism": "PLAIN"},
        False,
    ),
]


def without_context(options: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in options.items() if k != "ssl_context"}


@pytest.mark.parametrize(("given", "expected", "tls"), OPTIONS)
def test_kafka_python_and_aiokafka_options(
    given: dict[str, Any], expected: dict[str, Any], tls: bool
) -> None:
    for options in (kafka_python_options(settings(**given)), aiokafka_options(settings(**given))):
        assert without_context(options) == expected
        assert ("ssl_context" in options) == tls
        if tls:
            context = options["ssl_context"]
            assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname


@pytest.mark.parametrize(("given", "expected", "tls"), OPTIONS)
def test_the_options_are_parameters_of_every_client(
    given: dict[str, Any], expected: dict[str, Any], tls: bool
) -> None:
    options = set(kafka_python_options(settings(**given)))
    assert options <= set(KafkaProducer.DEFAULT_CONFIG)
    assert options <= set(KafkaAdminClient.DEFAULT_CONFIG)
    for client in (AIOKafkaConsumer, AIOKafkaProducer):
        assert options <= set(inspect.signature(client.__init__).parameters), client


@pytest.mark.parametrize(("given", "expected", "tls"), OPTIONS)
def test_faust_credentials_come_out_as_the_same_aiokafka_options(
    given: dict[str, Any], expected: dict[str, Any], tls: bool
) -> None:
    s = settings(**given)
    credentials = faust_credentials(s)
    if expected["security_protocol"] == "PLAINTEXT":
        assert credentials is None
    elif "sasl_mechanism" in expected:
        assert isinstance(credentials, SASLCredentials)
    else:
        assert isinstance(credentials, SSLCredentials)
    # what Faust's aiokafka transport passes to its consumer and producer
    translated = dict(credentials_to_aiokafka_auth(credentials))
    assert without_context(translated) == expected
    assert (translated.get("ssl_context") is not None) == tls
    # and the stream worker's app is given them
    configured = _faust_app(s, 6066).conf.broker_credentials
    assert without_context(dict(credentials_to_aiokafka_auth(configured))) == expected


def test_the_ca_file_is_the_only_trust_when_given() -> None:
    context = kafka_python_options(settings(kafka_security_protocol="SSL", kafka_ssl_cafile=CA))[
        "ssl_context"
    ]
    in_file = CA.read_text(encoding="ascii").count("BEGIN CERTIFICATE")
    assert len(context.get_ca_certs()) == in_file


async def test_the_alert_engines_consumer_is_built_with_them() -> None:
    from prometheus_client import CollectorRegistry

    s = settings(kafka_security_protocol="SASL_SSL", kafka_ssl_cafile=CA, **LOGIN)
    consumer = AggregateEvents(s, EngineMetrics.create(CollectorRegistry()))._new_consumer()
    client = consumer._client
    assert client._security_protocol == "SASL_SSL"
    assert client._sasl_mechanism == "SCRAM-SHA-512"
    assert (client._sasl_plain_username, client._sasl_plain_password) == ("ontrack-api", "s3cret")
    assert client._ssl_context.verify_mode == ssl.CERT_REQUIRED


def test_the_password_is_not_in_the_repr() -> None:
    sec = kafka_security(settings(kafka_security_protocol="SASL_PLAINTEXT", **LOGIN))
    assert "s3cret" not in repr(sec)
    assert sec.sasl is not None and sec.sasl.password == "s3cret"


@pytest.mark.parametrize(
    ("given", "message"),
    [
        (
            {"kafka_security_protocol": "TLS"},
            r"ONTRACK_KAFKA_SECURITY_PROTOCOL='TLS' is not a Kafka security protocol: use one "
            r"of PLAINTEXT, SASL_PLAINTEXT, SASL_SSL, SSL",
        ),
        (
            {"kafka_security_protocol": "SASL_SSL"},
            r"SASL_SSL needs ONTRACK_KAFKA_SASL_USERNAME and ONTRACK_KAFKA_SASL_PASSWORD: the "
            r"Kafka principal this service runs as",
        ),
        (
            {"kafka_security_protocol": "SASL_PLAINTEXT", "kafka_sasl_username": "ontrack-api"},
            r"SASL_PLAINTEXT needs ONTRACK_KAFKA_SASL_PASSWORD:",
        ),
        (
            {"kafka_security_protocol": "SASL_PLAINTEXT", "kafka_sasl_password": "x"},
            r"SASL_PLAINTEXT needs ONTRACK_KAFKA_SASL_USERNAME:",
        ),
        (
            {
                "kafka_security_protocol": "SASL_PLAINTEXT",
                "kafka_sasl_mechanism": "GSSAPI",
                **LOGIN,
            },
            r"ONTRACK_KAFKA_SASL_MECHANISM='GSSAPI' is not supported: use one of SCRAM-SHA-512, "
            r"SCRAM-SHA-256, PLAIN",
        ),
        (
            LOGIN,
            r"are set, but ONTRACK_KAFKA_SECURITY_PROTOCOL=PLAINTEXT does not use them: set it "
            r"to SASL_PLAINTEXT or SASL_SSL, or unset the credentials",
        ),
        (
            {"kafka_security_protocol": "SASL_PLAINTEXT", "kafka_ssl_cafile": CA, **LOGIN},
            r"ONTRACK_KAFKA_SSL_CAFILE is set, but ONTRACK_KAFKA_SECURITY_PROTOCOL=SASL_PLAINTEXT "
            r"does not use TLS",
        ),
    ],
)
def test_settings_that_cannot_work_say_what_to_set(given: dict[str, Any], message: str) -> None:
    for build in (kafka_python_options, aiokafka_options, faust_credentials):
        with pytest.raises(KafkaSecurityError, match=message):
            build(settings(**given))


@pytest.mark.parametrize("content", [None, "not a certificate\n"])
def test_an_unreadable_ca_file_is_named(tmp_path: Path, content: str | None) -> None:
    cafile = tmp_path / "ca.crt"
    if content is not None:
        cafile.write_text(content, encoding="ascii")
    s = settings(kafka_security_protocol="SASL_SSL", kafka_ssl_cafile=cafile, **LOGIN)
    for build in (kafka_python_options, faust_credentials):
        with pytest.raises(
            KafkaSecurityError,
            match=rf"ONTRACK_KAFKA_SSL_CAFILE={cafile}: cannot load the brokers' CA certificate",
        ):
            build(s)


def test_the_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for var, value in {
        "ONTRACK_KAFKA_SECURITY_PROTOCOL": "SASL_SSL",
        "ONTRACK_KAFKA_SASL_USERNAME": "ontrack-worker",
        "ONTRACK_KAFKA_SASL_PASSWORD": "pw",
        "ONTRACK_KAFKA_SSL_CAFILE": str(CA),
    }.items():
        monkeypatch.setenv(var, value)
    s = Settings()
    assert "pw" not in repr(s)
    options = kafka_python_options(s)
    assert without_context(options) == {
        "security_protocol": "SASL_SSL",
        "sasl_mechanism": "SCRAM-SHA-512",
        "sasl_plain_username": "ontrack-worker",
        "sasl_plain_password": "pw",
    }

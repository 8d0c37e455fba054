"""How ontrack's Kafka clients connect: the ``kafka_*`` security settings, checked, as the
options of kafka-python (the API's producer, the admin client), aiokafka (the alert
engine's consumer) and Faust (the stream worker).

    PLAINTEXT       no authentication, no encryption (the embedded stack)
    SASL_PLAINTEXT  the service's own principal, SCRAM-SHA-512 by default (deploy/compose)
    SASL_SSL        the same over TLS, trusting the CA of ``kafka_ssl_cafile`` (deploy/k8s)
    SSL             TLS only

One module, so that the producer, the admin client, the engine's consumer and the stream
worker cannot disagree on how to reach the same cluster. Which topics and groups each
principal may use is the brokers' ACLs (docs/operations.md, "Kafka principals and ACLs").
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from services.errors import OntrackError
from services.settings import Settings

__all__ = [
    "MECHANISMS",
    "PROTOCOLS",
    "KafkaSecurity",
    "KafkaSecurityError",
    "SaslLogin",
    "aiokafka_options",
    "faust_credentials",
    "kafka_python_options",
    "kafka_security",
]

PROTOCOLS = ("PLAINTEXT", "SASL_PLAINTEXT", "SASL_SSL", "SSL")
MECHANISMS = ("SCRAM-SHA-512", "SCRAM-SHA-256", "PLAIN")
_TLS = ("SSL", "SASL_SSL")
_DOC = 'docs/operations.md, "Kafka principals and ACLs"'


class KafkaSecurityError(OntrackError):
    """Kafka security settings that cannot work; the message names the variables to set."""


@dataclass(frozen=True, slots=True)
class SaslLogin:
    """The principal a service authenticates as."""

    mechanism: str
    username: str
    password: str = field(repr=False)


@dataclass(frozen=True, slots=True)
class KafkaSecurity:
    """The checked settings: the protocol, the SASL login if any, the CA file of TLS if any."""

    protocol: str = "PLAINTEXT"
    sasl: SaslLogin | None = None
    cafile: Path | None = None

    @property
    def tls(self) -> bool:
        return self.protocol in _TLS


def kafka_security(s: Settings) -> KafkaSecurity:
    """The security settings of ``s``, or a KafkaSecurityError saying what to change."""
    protocol = s.kafka_security_protocol.strip().upper()
    if protocol not in PROTOCOLS:
        raise KafkaSecurityError(
            f"ONTRACK_KAFKA_SECURITY_PROTOCOL={s.kafka_security_protocol!r} is not a Kafka "
            f"security protocol: use one of {', '.join(PROTOCOLS)}"
        )
    username = (s.kafka_sasl_username or "").strip()
    password = s.kafka_sasl_password.get_secret_value() if s.kafka_sasl_password else ""
    sasl = None
    if protocol.startswith("SASL_"):
        sasl = _login(s.kafka_sasl_mechanism, username, password, protocol)
    elif username or password:
        raise KafkaSecurityError(
            f"ONTRACK_KAFKA_SASL_USERNAME/ONTRACK_KAFKA_SASL_PASSWORD are set, but "
            f"ONTRACK_KAFKA_SECURITY_PROTOCOL={protocol} does not use them: set it to "
            "SASL_PLAINTEXT or SASL_SSL, or unset the credentials"
        )
    if s.kafka_ssl_cafile is not None and protocol not in _TLS:
        raise KafkaSecurityError(
            f"ONTRACK_KAFKA_SSL_CAFILE is set, but ONTRACK_KAFKA_SECURITY_PROTOCOL={protocol} "
            "does not use TLS: set it to SASL_SSL or SSL, or unset the CA file"
        )
    return KafkaSecurity(protocol, sasl, s.kafka_ssl_cafile)


def _login(mechanism: str, username: str, password: str, protocol: str) -> SaslLogin:
    mechanism = mechanism.strip().upper()
    if mechanism not in MECHANISMS:
        raise KafkaSecurityError(
            f"ONTRACK_KAFKA_SASL_MECHANISM={mechanism!r} is not supported: use one of "
            f"{', '.join(MECHANISMS)}"
        )
    missing = [
        var
        for var, value in (
            ("ONTRACK_KAFKA_SASL_USERNAME", username),
            ("ONTRACK_KAFKA_SASL_PASSWORD", password),
        )
        if not value
    ]
    if missing:
        raise KafkaSecurityError(
            f"ONTRACK_KAFKA_SECURITY_PROTOCOL={protocol} needs {' and '.join(missing)}: the "
            f"Kafka principal this service runs as and its password ({_DOC})"
        )
    return SaslLogin(mechanism, username, password)


def _ssl_context(sec: KafkaSecurity) -> ssl.SSLContext:
    """Verifies the brokers' certificates and names: against the CA file, or the system's CAs."""
    cafile = sec.cafile
    try:
        return ssl.create_default_context(cafile=str(cafile) if cafile else None)
    except (OSError, ssl.SSLError) as exc:
        raise KafkaSecurityError(
            f"ONTRACK_KAFKA_SSL_CAFILE={cafile}: cannot load the brokers' CA certificate "
            f"({exc}); point it at the PEM file of the CA that signed the brokers' certificates"
        ) from None


def kafka_python_options(s: Settings) -> dict[str, Any]:
    """Keyword arguments of kafka-python's KafkaProducer and KafkaAdminClient."""
    sec = kafka_security(s)
    options: dict[str, Any] = {"security_protocol": sec.protocol}
    if sec.sasl is not None:
        options |= {
            "sasl_mechanism": sec.sasl.mechanism,
            "sasl_plain_username": sec.sasl.username,
            "sasl_plain_password": sec.sasl.password,
        }
    if sec.tls:
        options["ssl_context"] = _ssl_context(sec)
    return options


def aiokafka_options(s: Settings) -> dict[str, Any]:
    """Keyword arguments of aiokafka's consumers and producers (the same names, but aiokafka
    takes TLS only as an ``ssl_context``)."""
    return kafka_python_options(s)


def faust_credentials(s: Settings) -> Any:
    """Faust's ``broker_credentials``: None for PLAINTEXT, else SASL or SSL credentials that its
    aiokafka transport turns into the same options as ``aiokafka_options``."""
    sec = kafka_security(s)
    if sec.protocol == "PLAINTEXT":
        return None
    from faust.auth import SASLCredentials, SSLCredentials  # faust is the worker's alone

    context = _ssl_context(sec) if sec.tls else None
    if sec.sasl is None:
        return SSLCredentials(context)
    return SASLCredentials(
        username=sec.sasl.username,
        password=sec.sasl.password,
        mechanism=sec.sasl.mechanism,
        ssl_context=context,
    )

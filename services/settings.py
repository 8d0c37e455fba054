"""Process settings: built once in ``main()`` from flags and ``ONTRACK_*`` env vars, then passed down."""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from services.data import packaged
from services.language import Language, from_locale, parse_language

__all__ = ["Settings", "process_env"]


class Settings(BaseSettings):
    """Every address is a setting, so the same code runs on the embedded stack or a real cluster."""

    model_config = SettingsConfigDict(env_prefix="ONTRACK_", frozen=True, extra="ignore")

    kafka_bootstrap: str = "127.0.0.1:9092"
    # How the Kafka clients authenticate (services.kafka_security): PLAINTEXT on the embedded
    # stack; SASL_PLAINTEXT or SASL_SSL with the service's own SCRAM principal in deploy/
    # (docs/operations.md, "Kafka principals and ACLs"); SSL; the CA file for the TLS ones.
    kafka_security_protocol: str = "PLAINTEXT"
    kafka_sasl_mechanism: str = "SCRAM-SHA-512"
    kafka_sasl_username: str | None = None
    kafka_sasl_password: SecretStr | None = None
    kafka_ssl_cafile: Path | None = None
    database_url: SecretStr = SecretStr("postgresql://ontrack:ontrack@127.0.0.1:5433/ontrack")
    prometheus_url: str = "http://127.0.0.1:9090"
    alertmanager_url: str = "http://127.0.0.1:9093"
    # The MQTT broker the bridge subscribes to; the embedded stack runs its own on this
    # loopback port (not 1883, where a broker the machine runs may already listen).
    mqtt_host: str = "127.0.0.1"
    mqtt_port: int = 1884

    # Keys that sign and verify the API's batches on the readings topic, "id:base64,id:base64"
    # (the first signs, all verify; docs/operations.md). Unset: the embedded stack's own key
    # file, written by `ontrack stack up`; without either, the API and workers do not start.
    batch_keys: SecretStr | None = None

    topic_readings: str = "readings"
    topic_dlq: str = "readings.dlq"
    topic_aggregates: str = "aggregates"
    topic_partitions: int = 4
    topic_replication_factor: int = 1  # of the topics ontrack creates itself (3 on a real cluster)

    api_host: str = "127.0.0.1"
    api_port: int = 8080
    max_body_bytes: int = 16 << 20
    max_batch: int = 10_000
    rate_per_key: float = 2000.0  # readings per second per API key (per API process)
    rate_burst: int = 20_000  # readings a key may send at once before the rate applies
    # GET series, targets and alerts without a key (the links in notifications open them);
    # false: they need a valid key of any role
    public_reads: bool = True
    key_cache_seconds: float = 5.0  # a revoked key stops working within this time
    worker_web_port: int = 6066
    worker_web_host: str = "127.0.0.1"  # 0.0.0.0 in a container, for probes and scrapes
    consumer_group: str = "ontrack-stream"
    consumer_session_timeout: float = 10.0
    # Longest a consumer's fetch waits at the broker for data. Kafka answers a waiting fetch
    # as soon as data arrives; brokers that do not (the embedded stack's) hold it this long,
    # so it bounds the delay of every hop: readings → worker, aggregates → alert engine.
    consumer_fetch_max_wait_seconds: float = 0.1
    batch_max: int = 2000
    # Longest the worker waits to fill a batch: under load a batch is whatever arrived while
    # the previous one was stored, so a short wait costs no throughput (docs/performance.md).
    batch_within_seconds: float = 0.1

    # The language people read (reports, messages, tables): zh-CN or en; ONTRACK_LANG, else
    # the locale (LC_ALL, LC_MESSAGES, LANG starting with zh: Chinese), else English.
    # A routes file may choose another per receiver.
    lang: Language = Field(default_factory=lambda: from_locale(os.environ))
    raw_retention_days: int = 1100
    retention_check_seconds: float = 3600.0

    stack_dir: Path = Path.home() / ".cache" / "ontrack"
    # The packaged catalogue, plans, rules and routes (services/data) unless set: mount your
    # own and point ONTRACK_CATALOGUE_PATH, _PLANS_DIR, _RULES_DIR, _ROUTES_DIR at them.
    catalogue_path: Path = Field(default_factory=lambda: packaged("catalogue", "indicators.yaml"))
    plans_dir: Path = Field(default_factory=lambda: packaged("plans"))
    rules_dir: Path = Field(default_factory=lambda: packaged("rules"))
    eval_interval: float = 60.0  # seconds between two evaluations of every target and rule
    alerts_consumer_group: str = "ontrack-alerts"
    alerts_web_host: str = "127.0.0.1"
    alerts_web_port: int = 6068  # /metrics and /healthz of `ontrack alerts`
    alerts_leader_retry_seconds: float = 5.0  # standby engines try the leader lock this often
    # Which share of the targets and series this engine judges: index/count, the index from 0
    # (services.alerts.snapshot.shards); every shard's replicas elect their own leader.
    alerts_shard: str = "0/1"

    # on-call delivery (`ontrack notify`)
    routes_dir: Path = Field(default_factory=lambda: packaged("routes"))
    notify_web_host: str = "127.0.0.1"
    notify_web_port: int = 6069  # /metrics and /healthz of `ontrack notify`
    notify_poll_seconds: float = 1.0  # outbox poll when idle
    notify_lease_seconds: float = 120.0  # a dead dispatcher's claimed rows return after this
    notify_retry_base_seconds: float = 5.0  # first retry after this, doubling up to the cap
    notify_retry_cap_seconds: float = 1800.0
    # Receivers whose secret variables are not set: refuse to start (the default), or hold
    # their notifications in the outbox until the secret is set and the notifier restarted.
    notify_hold_unconfigured: bool = False
    public_url: str = "http://127.0.0.1:8080"  # links in notifications (the API's address)
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 25
    smtp_from: str = "ontrack@localhost"
    smtp_timeout_seconds: float = 10.0

    @field_validator("lang", mode="before")
    @classmethod
    def _language(cls, value: object) -> Language:
        return value if isinstance(value, Language) else parse_language(str(value))

    @property
    def dsn(self) -> str:
        return self.database_url.get_secret_value()


def process_env(s: Settings, **extra: str) -> dict[str, str]:
    """The environment of an ontrack process started beside this one on the same stack:
    this environment without its ``ONTRACK_*`` variables, then the addresses, topics,
    consumer groups, stack directory and batch keys of ``s``, then ``extra`` (``ONTRACK_...``
    names to values)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ONTRACK_")}
    env.update(
        {
            "ONTRACK_KAFKA_BOOTSTRAP": s.kafka_bootstrap,
            "ONTRACK_DATABASE_URL": s.dsn,
            "ONTRACK_MQTT_HOST": s.mqtt_host,
            "ONTRACK_MQTT_PORT": str(s.mqtt_port),
            "ONTRACK_TOPIC_READINGS": s.topic_readings,
            "ONTRACK_TOPIC_DLQ": s.topic_dlq,
            "ONTRACK_TOPIC_AGGREGATES": s.topic_aggregates,
            "ONTRACK_TOPIC_PARTITIONS": str(s.topic_partitions),
            "ONTRACK_CONSUMER_GROUP": s.consumer_group,
            "ONTRACK_ALERTS_CONSUMER_GROUP": s.alerts_consumer_group,
            "ONTRACK_STACK_DIR": str(s.stack_dir),
            "ONTRACK_LANG": s.lang.value,
        }
    )
    if s.batch_keys is not None:
        env["ONTRACK_BATCH_KEYS"] = s.batch_keys.get_secret_value()
    env.update(extra)
    return env

"""Process settings: built once in ``main()`` from flags and ``ONTRACK_*`` env vars, then passed down."""

from __future__ import annotations

from pathlib import Path

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["REPO_ROOT", "Settings"]

REPO_ROOT = Path(__file__).resolve().parents[1]


class Settings(BaseSettings):
    """Every address is a setting, so the same code runs on the embedded stack or a real cluster."""

    model_config = SettingsConfigDict(env_prefix="ONTRACK_", frozen=True, extra="ignore")

    kafka_bootstrap: str = "127.0.0.1:9092"
    database_url: SecretStr = SecretStr("postgresql://ontrack:ontrack@127.0.0.1:5433/ontrack")
    prometheus_url: str = "http://127.0.0.1:9090"
    alertmanager_url: str = "http://127.0.0.1:9093"

    topic_readings: str = "readings"
    topic_dlq: str = "readings.dlq"
    topic_aggregates: str = "aggregates"
    topic_partitions: int = 4

    api_host: str = "127.0.0.1"
    api_port: int = 8080
    max_body_bytes: int = 16 << 20
    max_batch: int = 10_000
    worker_web_port: int = 6066
    consumer_group: str = "ontrack-stream"
    consumer_session_timeout: float = 10.0
    batch_max: int = 2000
    batch_within_seconds: float = 0.5

    calendar_tz: str = "Asia/Shanghai"
    raw_retention_days: int = 1100
    retention_check_seconds: float = 3600.0

    stack_dir: Path = Path.home() / ".cache" / "ontrack"
    catalogue_path: Path = REPO_ROOT / "catalogue" / "indicators.yaml"
    plans_dir: Path = REPO_ROOT / "plans"
    rules_dir: Path = REPO_ROOT / "rules"

    @property
    def dsn(self) -> str:
        return self.database_url.get_secret_value()

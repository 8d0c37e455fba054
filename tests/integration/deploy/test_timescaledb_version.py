"""The deployments' TimescaleDB image is the TimescaleDB and PostgreSQL the tests run on: the
embedded stack's server (Debian's postgresql-17-timescaledb)."""

from __future__ import annotations

import re

import psycopg
import pytest
import yaml

from services.settings import Settings
from tests.unit.deploy.project import COMPOSE_DIR, K8S_DIR

pytestmark = pytest.mark.integration


def images() -> set[str]:
    compose = yaml.safe_load((COMPOSE_DIR / "docker-compose.yml").read_text(encoding="utf-8"))
    k8s = (K8S_DIR / "timescaledb/timescaledb.yaml").read_text(encoding="utf-8")
    (statefulset,) = [d for d in yaml.safe_load_all(k8s) if d and d["kind"] == "StatefulSet"]
    (container,) = statefulset["spec"]["template"]["spec"]["containers"]
    return {compose["services"]["timescaledb"]["image"], container["image"]}


def test_the_pinned_image_is_the_embedded_stacks_timescaledb(embedded_stack: Settings) -> None:
    with psycopg.connect(embedded_stack.dsn, connect_timeout=5) as conn:
        row = conn.execute(
            "SELECT default_version, current_setting('server_version_num')::int / 10000 "
            "FROM pg_available_extensions WHERE name = 'timescaledb'"
        ).fetchone()
    assert row is not None, "the embedded stack offers no timescaledb"
    timescaledb, postgres = row
    (image,) = images()
    match = re.fullmatch(r"timescale/timescaledb:(\d+\.\d+)\.\d+-pg(\d+)", image)
    assert match, image
    assert match[1] == ".".join(timescaledb.split(".")[:2]), f"{image} vs TimescaleDB {timescaledb}"
    assert int(match[2]) == postgres, f"{image} vs PostgreSQL {postgres}"

"""Migrations apply once, in order, and refuse a server without TimescaleDB with a useful message."""

from __future__ import annotations

import psycopg
import pytest

from services.storage.errors import MigrationError
from services.storage.migrate import all_migrations, migrate

pytestmark = pytest.mark.integration


def test_migrate_is_idempotent_and_creates_a_hypertable(test_dsn: str) -> None:
    assert migrate(test_dsn, lambda m: None) == []  # already applied by the fixture
    with psycopg.connect(test_dsn) as conn:
        versions = [r[0] for r in conn.execute("SELECT version FROM schema_migrations ORDER BY 1")]
        hyper = conn.execute(
            "SELECT count(*) FROM timescaledb_information.hypertables "
            "WHERE hypertable_name = 'observations'"
        ).fetchone()
    assert versions == [m.version for m in all_migrations()]
    assert hyper == (1,)


def test_server_without_timescaledb_is_refused_with_what_to_do() -> None:
    # The machine's own PostgreSQL (no timescaledb package) stands in for a plain managed server.
    dsn = "postgresql://postgres@127.0.0.1:5432/postgres"
    try:
        psycopg.connect(dsn, connect_timeout=3).close()
    except psycopg.OperationalError:
        pytest.fail("this test needs a plain PostgreSQL on 127.0.0.1:5432 (the machine's)")
    with pytest.raises(MigrationError, match="no timescaledb extension.*ontrack stack up"):
        migrate(dsn, lambda m: None)

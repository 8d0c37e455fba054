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


def test_server_without_timescaledb_is_refused_with_what_to_do(plain_postgres_dsn: str) -> None:
    with psycopg.connect(plain_postgres_dsn, connect_timeout=3) as conn:
        offered = conn.execute(
            "SELECT count(*) FROM pg_available_extensions WHERE name = 'timescaledb'"
        ).fetchone()
    assert offered == (0,)  # really a server without the extension
    with pytest.raises(MigrationError, match="no timescaledb extension.*ontrack stack up"):
        migrate(plain_postgres_dsn, lambda m: None)
    with psycopg.connect(plain_postgres_dsn) as conn:  # and nothing was created on it
        assert conn.execute("SELECT to_regclass('schema_migrations')").fetchone() == (None,)

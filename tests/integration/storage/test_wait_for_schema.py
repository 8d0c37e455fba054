"""``ontrack db status --wait``: what a pod's init container runs while the migration Job works
(deploy/k8s): it returns once the schema is current, and fails saying what is pending."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator

import psycopg
import pytest
from click.testing import CliRunner
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from services.cli import main
from services.settings import Settings
from services.storage.migrate import all_migrations, migrate
from tests.fixtures.services import free_port

pytestmark = pytest.mark.integration


@pytest.fixture
def empty_dsn(embedded_stack: Settings) -> Iterator[str]:
    """A database with nothing in it yet."""
    params = conninfo_to_dict(embedded_stack.dsn)
    admin = make_conninfo(**{**params, "dbname": "postgres"})
    name = f"ontrack_wait_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield make_conninfo(**{**params, "dbname": name})
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


def wait(dsn: str, seconds: float) -> tuple[int, str, float]:
    started = time.monotonic()
    result = CliRunner().invoke(
        main, ["--database-url", dsn, "db", "status", "--wait", str(seconds)]
    )
    return result.exit_code, result.output, time.monotonic() - started


def test_it_fails_naming_what_is_pending(empty_dsn: str) -> None:
    code, output, _ = wait(empty_dsn, 1)
    first = all_migrations()[0]
    assert code == 1
    assert f"{len(all_migrations())} migration(s) pending, from {first.version:04d}_" in output
    assert "run `ontrack db migrate`" in output and "Traceback" not in output


def test_it_returns_once_the_migrations_are_applied(empty_dsn: str) -> None:
    migrating = threading.Timer(2.0, migrate, args=(empty_dsn, lambda m: None))
    migrating.start()
    try:
        code, output, took = wait(empty_dsn, 60)
    finally:
        migrating.join()
    assert code == 0, output
    assert "waiting for the schema" in output and "schema up to date" in output
    assert 2.0 <= took < 30
    assert wait(empty_dsn, 0)[0] == 0  # current: at once


def test_an_unreachable_database_is_waited_for_then_named(embedded_stack: Settings) -> None:
    params = conninfo_to_dict(embedded_stack.dsn)
    nowhere = make_conninfo(**{**params, "port": str(free_port())})
    code, output, took = wait(nowhere, 3)
    assert code == 1
    assert "the database does not answer" in output and "Traceback" not in output
    assert 3 <= took < 15

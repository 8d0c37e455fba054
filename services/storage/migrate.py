"""Versioned SQL migrations: ``migrations/NNNN_name.sql``, each applied once, in order, in a transaction."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from importlib.resources import files

import psycopg
from psycopg.conninfo import conninfo_to_dict

from services.storage.errors import MigrationError

__all__ = ["Migration", "applied_versions", "migrate", "pending_migrations"]

_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")
_LOCK_KEY = 0x6F6E747261636B  # "ontrack"

_BOOKKEEPING = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    version    integer     PRIMARY KEY,
    name       text        NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
)
"""


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    sql: str


def all_migrations() -> list[Migration]:
    found = []
    for entry in files("services.storage").joinpath("migrations").iterdir():
        match = _NAME.match(entry.name)
        if match:
            found.append(Migration(int(match[1]), match[2], entry.read_text(encoding="utf-8")))
    return sorted(found, key=lambda m: m.version)


def applied_versions(conn: psycopg.Connection[tuple[object, ...]]) -> set[int]:
    exists = conn.execute("SELECT to_regclass('schema_migrations') IS NOT NULL").fetchone()
    if not exists or not exists[0]:
        return set()
    return {int(str(r[0])) for r in conn.execute("SELECT version FROM schema_migrations")}


def pending_migrations(conn: psycopg.Connection[tuple[object, ...]]) -> list[Migration]:
    done = applied_versions(conn)
    return [m for m in all_migrations() if m.version not in done]


def _where(dsn: str) -> str:
    params = conninfo_to_dict(dsn)
    return (
        f"{params.get('host', 'localhost')}:{params.get('port', 5432)}/{params.get('dbname', '')}"
    )


def _check_timescaledb(conn: psycopg.Connection[tuple[object, ...]], dsn: str) -> None:
    row = conn.execute(
        "SELECT default_version FROM pg_available_extensions WHERE name = 'timescaledb'"
    ).fetchone()
    if row is None:
        raise MigrationError(
            f"the PostgreSQL server at {_where(dsn)} has no timescaledb extension. ontrack stores "
            "its series in TimescaleDB hypertables: install TimescaleDB on that server (package "
            "postgresql-<version>-timescaledb, then shared_preload_libraries = 'timescaledb'), "
            "or unset ONTRACK_DATABASE_URL and run `ontrack stack up` to use the embedded one"
        )
    preload = conn.execute("SHOW shared_preload_libraries").fetchone()
    if preload is None or "timescaledb" not in str(preload[0]):
        raise MigrationError(
            f"the server at {_where(dsn)} has TimescaleDB {row[0]} installed but not loaded: add "
            "'timescaledb' to shared_preload_libraries in postgresql.conf and restart it"
        )


def migrate(dsn: str, report: Callable[[str], None]) -> list[Migration]:
    """Apply every pending migration; return those applied. Safe to run from several processes."""
    # a server that cannot be reached is psycopg's OperationalError, for the caller to say
    conn = psycopg.connect(dsn, autocommit=True, connect_timeout=10)
    with conn:
        _check_timescaledb(conn, dsn)
        conn.execute(_BOOKKEEPING)
        applied: list[Migration] = []
        for mig in all_migrations():
            with conn.transaction():
                conn.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])
                if mig.version in applied_versions(conn):
                    continue
                report(f"applying migration {mig.version:04d} {mig.name}")
                try:
                    conn.execute(mig.sql.encode())
                except psycopg.Error as exc:
                    raise MigrationError(
                        f"migration {mig.version:04d}_{mig.name}.sql failed: {str(exc).strip()}"
                    ) from exc
                conn.execute(
                    "INSERT INTO schema_migrations (version, name) VALUES (%s, %s)",
                    [mig.version, mig.name],
                )
                applied.append(mig)
    return applied

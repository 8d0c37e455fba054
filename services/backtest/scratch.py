"""A scratch database of the backtest's own on the stack's server: created, migrated, reset
between runs that share it, dropped at the end. Never the production data."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from typing import LiteralString

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from services.storage import migrate

__all__ = ["reset", "scratch_database"]

# Everything a run writes; the schema, catalogue and keys stay. TRUNCATE of a hypertable
# drops its chunks.
_RESET: LiteralString = """
TRUNCATE observations, rollups, air_quality_days, target_status, alerts, alert_events,
         notifications, plan_targets, target_trajectory CASCADE
"""


@contextmanager
def scratch_database(server_dsn: str) -> Iterator[str]:
    """The DSN of a new, migrated database beside the one ``server_dsn`` names; dropped
    when the block ends, whatever happens in it."""
    params = conninfo_to_dict(server_dsn)
    name = f"ontrack_backtest_{os.getpid()}_{secrets.token_hex(3)}"
    admin = make_conninfo("", **{**params, "dbname": "postgres"})
    with psycopg.connect(admin, autocommit=True, connect_timeout=5) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    dsn = make_conninfo("", **{**params, "dbname": name})
    try:
        migrate(dsn, lambda _: None)
        yield dsn
    finally:
        with psycopg.connect(admin, autocommit=True, connect_timeout=5) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


def reset(dsn: str) -> None:
    """Empty what a run wrote, so the next run on the same database starts from nothing."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(_RESET)

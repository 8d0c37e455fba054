"""``ontrack db migrate | status``."""

from __future__ import annotations

import click
import psycopg

from services.settings import Settings
from services.storage import MigrationError, all_migrations, applied_versions, migrate

__all__ = ["COMMANDS"]


@click.group("db")
def db_group() -> None:
    """The TimescaleDB schema."""


@db_group.command("migrate")
@click.pass_obj
def migrate_cmd(settings: Settings) -> None:
    """Apply the pending schema migrations (safe to run concurrently and repeatedly)."""
    try:
        done = migrate(settings.dsn, lambda m: click.echo(f"  {m}", err=True))
    except MigrationError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"schema up to date ({len(done)} migration(s) applied now)", err=True)


@db_group.command("status")
@click.pass_obj
def status_cmd(settings: Settings) -> None:
    """List migrations and whether each is applied."""
    with psycopg.connect(settings.dsn, connect_timeout=5) as conn:
        done = applied_versions(conn)
    for m in all_migrations():
        click.echo(f"{m.version:04d} {m.name:<40} {'applied' if m.version in done else 'PENDING'}")


COMMANDS = [db_group]

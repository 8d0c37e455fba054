"""``ontrack stack up | status | down``."""

from __future__ import annotations

import click

from services import stack as embedded
from services.settings import Settings

__all__ = ["COMMANDS"]


def _say(msg: str) -> None:
    click.echo(f"  {msg}", err=True)


def _table(settings: Settings) -> bool:
    rows = embedded.status(settings)
    click.echo(f"{'component':<13} {'address':<24} {'process':<10} {'answers':<8} detail")
    for st in rows:
        process = ("running" if st.running else "stopped") if st.managed else "external"
        click.echo(
            f"{st.name:<13} {st.address:<24} {process:<10} "
            f"{'yes' if st.answers else 'NO':<8} {st.detail}"
        )
    return all(st.answers for st in rows)


@click.group("stack")
def stack_group() -> None:
    """Manage the embedded stack (Kafka broker, TimescaleDB, Prometheus, Alertmanager, MQTT)."""


@stack_group.command("up")
@click.pass_obj
def up(settings: Settings) -> None:
    """Install what is missing and start every component; reuse those already running."""
    click.echo("starting the embedded stack", err=True)
    embedded.up(settings, _say)
    if not _table(settings):
        raise click.ClickException("some components do not answer; see the table above")


@stack_group.command("status")
@click.pass_obj
def status(settings: Settings) -> None:
    """Show each component, its address and whether it answers (exit 1 if one does not)."""
    if not _table(settings):
        raise SystemExit(1)


@stack_group.command("down")
@click.pass_obj
def down(settings: Settings) -> None:
    """Stop the components the stack started (data is kept, except the in-memory broker's)."""
    embedded.down(settings, _say)


COMMANDS = [stack_group]

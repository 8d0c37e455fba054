"""The ``ontrack`` command: the group, its global options, the sub-commands it gathers, and
the one place their errors become a message and an exit code (services.commands.errors)."""

from __future__ import annotations

import logging
from typing import Any

import click
import pydantic

from services.commands import (
    alerts,
    backtest,
    db,
    demo,
    ingest,
    keys,
    oncall,
    scenarios,
    serve,
    stack,
)
from services.commands.errors import EXIT_CODES, explain
from services.commands.tooling import bench, dashboards, deploy
from services.settings import Settings

__all__ = ["OntrackGroup", "main"]

_EPILOG = "\b\nExit codes:\n" + "\n".join(f"  {code}  {what}" for code, what in EXIT_CODES)


class OntrackGroup(click.Group):
    """The ``ontrack`` group: an error a user can cause, in any command, ends it with one
    message (no traceback) and the exit code of its kind; anything else is a bug and keeps
    its traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except Exception as exc:
            failure = explain(exc, ctx.find_object(Settings))
            if failure is None:
                raise
            raise failure from None


@click.group(
    cls=OntrackGroup,
    epilog=_EPILOG,
    context_settings={"help_option_names": ["-h", "--help"], "show_default": True},
)
@click.version_option(package_name="ontrack", prog_name="ontrack", message="%(prog)s %(version)s")
@click.option(
    "--kafka",
    "kafka_bootstrap",
    envvar="ONTRACK_KAFKA_BOOTSTRAP",
    show_envvar=True,
    help="Kafka bootstrap servers, host:port[,host:port]  [default: 127.0.0.1:9092]",
)
@click.option(
    "--database-url",
    envvar="ONTRACK_DATABASE_URL",
    show_envvar=True,
    help="TimescaleDB DSN  [default: the embedded stack's, on 127.0.0.1:5433]",
)
@click.option(
    "--lang",
    envvar="ONTRACK_LANG",
    show_envvar=True,
    help="Language of reports, tables and messages: zh-CN or en  [default: from the locale "
    "(LC_ALL, LC_MESSAGES, LANG starting with zh: zh-CN), else en]",
)
@click.option("-v", "--verbose", is_flag=True, help="Log debug messages.")
@click.pass_context
def main(
    ctx: click.Context,
    kafka_bootstrap: str | None,
    database_url: str | None,
    lang: str | None,
    verbose: bool,
) -> None:
    """ontrack: is every indicator on track toward its plan target?"""
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    for noisy in ("kafka", "httpx", "aiokafka"):
        logging.getLogger(noisy).setLevel(logging.DEBUG if verbose else logging.WARNING)
    overrides: dict[str, Any] = {}
    if kafka_bootstrap:
        overrides["kafka_bootstrap"] = kafka_bootstrap
    if database_url:
        overrides["database_url"] = database_url
    if lang:
        overrides["lang"] = lang
    ctx.obj = settings_from(overrides)


def settings_from(overrides: dict[str, Any]) -> Settings:
    """The settings, or a usage error naming each setting that is wrong and why."""
    try:
        return Settings(**overrides)
    except pydantic.ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'settings'}: {e['msg'].removeprefix('Value error, ')}"
            for e in exc.errors()
        )
        raise click.UsageError(f"{problems} (set by a flag or an ONTRACK_* variable)") from None


for module in (
    stack, db, serve, keys, ingest, alerts, dashboards, oncall, demo, backtest, scenarios,
    bench, deploy,
):  # fmt: skip
    for command in module.COMMANDS:
        main.add_command(command)

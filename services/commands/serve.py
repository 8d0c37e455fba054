"""``ontrack api | worker | run`` and ``ontrack series``: the long-running services, and reading back."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import click

from services.commands.options import lang_option
from services.commands.servers import needs
from services.settings import Settings

if TYPE_CHECKING:
    from services.ingest.signing import BatchKeys

__all__ = ["COMMANDS", "batch_keys_or_exit"]


@click.group("api", invoke_without_command=True)
@click.option("--host", envvar="ONTRACK_API_HOST", show_envvar=True, default="127.0.0.1")
@click.option("--port", envvar="ONTRACK_API_PORT", show_envvar=True, default=8080, type=int)
@click.pass_context
def api(ctx: click.Context, host: str, port: int) -> None:
    """Serve the HTTP API (readings in, series and targets out; OpenAPI at /docs).

    Its batches to Kafka are signed with the first key of ONTRACK_BATCH_KEYS (without it, the
    embedded stack's key; docs/operations.md). `ontrack api openapi` prints the OpenAPI
    document instead (services/data/schemas/openapi.json).
    """
    if ctx.invoked_subcommand is not None:
        return
    from services.ingest.topics import ensure_topics

    settings: Settings = ctx.obj
    keys = batch_keys_or_exit(settings)
    ensure_topics(settings)  # also checks the Kafka security settings

    import uvicorn  # the app's imports take a while: after what can refuse to start

    from services.api import create_app

    uvicorn.run(
        create_app(settings, batch_keys=keys),
        host=host,
        port=port,
        log_level="info",
        access_log=False,
        timeout_graceful_shutdown=10,
    )


@api.command("openapi")
@click.pass_obj
def openapi(settings: Settings) -> None:
    """Print the API's OpenAPI document, as committed in services/data/schemas/openapi.json (make openapi)."""
    from services.api import create_app
    from services.api.contract.openapi import render

    click.echo(render(create_app(settings)), nl=False)


@click.command("worker")
@click.option(
    "--web-port",
    envvar="ONTRACK_WORKER_WEB_PORT",
    show_envvar=True,
    default=6066,
    type=int,
    help="Port of the worker's /metrics and /healthz (one per worker per host)",
)
@click.pass_obj
@needs("kafka", "database")  # once running, it waits out an outage; it does not start in one
def worker(settings: Settings, web_port: int) -> None:
    """Run a stream worker: consume ``readings``, store them in TimescaleDB (scale by running more).

    It stores the API's batches only when they are signed with a key of ONTRACK_BATCH_KEYS
    (without it, the embedded stack's key; docs/operations.md).
    """
    from services.ingest.topics import ensure_topics

    keys = batch_keys_or_exit(settings)
    ensure_topics(settings)  # also checks the Kafka security settings
    from services.ingest.stream import create_stream_app, run_worker  # Faust: after the checks

    run_worker(create_stream_app(settings, web_port=web_port, batch_keys=keys))


def batch_keys_or_exit(settings: Settings) -> BatchKeys:
    """The keys that sign and verify batches; a one-line error when there are none."""
    from services.ingest.errors import BatchKeyError
    from services.ingest.keyring import load_batch_keys

    try:
        return load_batch_keys(settings)
    except BatchKeyError as exc:
        raise click.ClickException(str(exc)) from None


@click.command("run")
@click.pass_context
@needs("kafka", "database")  # before starting anything
def run(ctx: click.Context) -> None:
    """Run the API, a stream worker, the alert engine and the notifier in the foreground; Ctrl-C stops them."""
    batch_keys_or_exit(ctx.obj)  # refuse before starting anything
    base = [sys.executable, "-m", "services"]
    if ctx.parent is not None:
        for name, flag in (("kafka_bootstrap", "--kafka"), ("database_url", "--database-url")):
            value = ctx.parent.params.get(name)
            if value:
                base += [flag, value]
    # All in one on a workstation: a receiver whose secret is not set yet holds its
    # notifications in the outbox instead of stopping the notifier (and so everything).
    env = {**os.environ}
    env.setdefault("ONTRACK_NOTIFY_HOLD_UNCONFIGURED", "true")
    children = {
        name: subprocess.Popen([*base, name], env=env)  # noqa: S603 - our own command line
        for name in ("api", "worker", "alerts", "notify")
    }
    stopping = False

    def stop_all(signum: int, frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop_all)
    signal.signal(signal.SIGTERM, stop_all)
    code = 0
    while not stopping:
        for name, proc in children.items():
            if proc.poll() is not None:
                click.echo(f"{name} exited with {proc.returncode}; stopping the others", err=True)
                code = proc.returncode or 1
                stopping = True
        time.sleep(0.3)
    for proc in children.values():
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
    for proc in children.values():
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
    raise SystemExit(code)


@click.command("series")
@click.argument("indicator")
@click.argument("source")
@click.option("--limit", default=20, type=int, help="Newest N observations")
@lang_option
@click.pass_obj
def series(settings: Settings, indicator: str, source: str, limit: int) -> None:
    """Print the newest observations of one series (INDICATOR SOURCE), oldest first: the
    time, the stored value (exact, in the indicator's unit) and the value as it was sent."""
    from services.language import plain, tr
    from services.storage import connect_pool, read_series

    async def fetch() -> None:
        pool = await connect_pool(settings.dsn, name="ontrack-cli")
        try:
            rows = await read_series(
                pool,
                indicator,
                source,
                datetime(1970, 1, 1, tzinfo=UTC),
                datetime(9999, 1, 1, tzinfo=UTC),
                limit,
            )
        finally:
            await pool.close()
        if not rows:
            click.echo(tr(lang, "cli.no_observations", series=f"{indicator}/{source}"), err=True)
        for o in rows:
            raw = ""
            if o.raw_unit and o.raw_value is not None:
                sent = tr(lang, "cli.sent_as", value=plain(o.raw_value), unit=o.raw_unit)
                raw = f"  {sent}"
            click.echo(f"{o.ts.isoformat()}  {plain(o.value)}{raw}")

    lang = settings.lang

    asyncio.run(fetch())


COMMANDS = [api, worker, run, series]

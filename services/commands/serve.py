"""``ontrack api | worker | run`` and ``ontrack series``: the long-running services, and reading back."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime

import click

from services.commands.options import lang_option
from services.settings import Settings

__all__ = ["COMMANDS"]


@click.command("api")
@click.option("--host", envvar="ONTRACK_API_HOST", show_envvar=True, default="127.0.0.1")
@click.option("--port", envvar="ONTRACK_API_PORT", show_envvar=True, default=8080, type=int)
@click.pass_obj
def api(settings: Settings, host: str, port: int) -> None:
    """Serve the HTTP API (readings in, series and targets out; OpenAPI at /docs)."""
    import uvicorn

    from services.api import create_app
    from services.ingest.topics import ensure_topics

    ensure_topics(settings)
    uvicorn.run(
        create_app(settings),
        host=host,
        port=port,
        log_level="info",
        access_log=False,
        timeout_graceful_shutdown=10,
    )


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
def worker(settings: Settings, web_port: int) -> None:
    """Run a stream worker: consume ``readings``, store them in TimescaleDB (scale by running more)."""
    import faust

    from services.ingest.stream import create_stream_app
    from services.ingest.topics import ensure_topics

    ensure_topics(settings)
    app = create_stream_app(settings, web_port=web_port)
    faust.Worker(app, loglevel="info").execute_from_commandline()


@click.command("run")
@click.pass_context
def run(ctx: click.Context) -> None:
    """Run the API, a stream worker, the alert engine and the notifier in the foreground; Ctrl-C stops them."""
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
    from services.storage import open_pool, read_series

    async def fetch() -> None:
        pool = await open_pool(settings.dsn)
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

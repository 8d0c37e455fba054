"""``ontrack notify``, ``ontrack alert list|ack|resolve``, ``ontrack silence add|list|expire``,
``ontrack routes check``: on-call delivery and what people do to alerts.

The actions work on the database directly (no API key): whoever can reach it may act,
and ``--actor`` (default: the OS user) is written in the alert's history.
"""

from __future__ import annotations

import asyncio
import getpass
import signal
from collections.abc import Awaitable, Callable, Coroutine
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click
import psycopg

from services.commands.options import lang_option
from services.commands.servers import needs
from services.indicators.city import CITY_TZ_NAME
from services.language import tr
from services.settings import Settings

if TYPE_CHECKING:  # the rooms are imported by the commands that use them: a fast start
    from services.alerts.notify import RouteConfig

__all__ = ["COMMANDS"]

T = TypeVar("T")


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _routes(settings: Settings, path: Path | None = None) -> RouteConfig:
    from services.alerts.notify import load_routes

    return load_routes(path or settings.routes_dir)  # RouteFileError: exit 4, every problem


def _run(settings: Settings, work: Callable[[psycopg.AsyncConnection[Any]], Awaitable[T]]) -> T:
    async def main() -> T:
        async with await psycopg.AsyncConnection.connect(settings.dsn, connect_timeout=10) as conn:
            return await work(conn)

    return _guarded(main)


def _guarded(main: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run ``main``; no such alert or silence, or an action that cannot be done, is a clear
    error (an unreachable database is one too: the ``ontrack`` group says so)."""
    from services.alerts.engine import ActionError
    from services.alerts.notify import NotifyError

    try:
        return asyncio.run(main())
    except (NotifyError, ActionError) as exc:
        raise click.ClickException(str(exc)) from None


_ACTOR = click.option(
    "--actor",
    default=_os_user,
    show_default="the OS user",
    help="Who acts (written in the alert's history)",
)

# --- notify ----------------------------------------------------------------------------


@click.command("notify")
@click.option(
    "--web-port",
    envvar="ONTRACK_NOTIFY_WEB_PORT",
    show_envvar=True,
    type=int,
    help="Port of the dispatcher's /metrics and /healthz  [default: 6069]",
)
@click.option(
    "--routes",
    "routes_dir",
    envvar="ONTRACK_ROUTES_DIR",
    show_envvar=True,
    type=click.Path(path_type=Path),
    help="Routes file, or directory of them  [default: the routes ontrack ships, services/data/routes]",
)
@click.pass_obj
@needs("database")
def notify(settings: Settings, web_port: int | None, routes_dir: Path | None) -> None:
    """Deliver the notifications outbox: e-mail, signed webhooks, Alertmanager (SIGTERM stops)."""
    update = {"notify_web_port": web_port, "routes_dir": routes_dir}
    settings = settings.model_copy(update={k: v for k, v in update.items() if v is not None})
    routes = _routes(settings)
    asyncio.run(_serve(settings, routes))  # a NotifyError (a receiver without its secret): exit 1


async def _serve(settings: Settings, routes: RouteConfig) -> None:
    import httpx
    from prometheus_client import CollectorRegistry

    from services.alerts.notify import NotifyMetrics, dispatcher_for
    from services.alerts.runtime import start_web
    from services.storage import connect_pool, database_answers

    registry = CollectorRegistry()
    metrics = NotifyMetrics.create(registry)
    pool = await connect_pool(settings.dsn, name="ontrack-notify", max_size=4)
    try:
        await _check_schema(pool)

        async def ready() -> dict[str, bool]:  # it delivers while the outbox can be read
            return {"database": await database_answers(pool)}

        started = _utcnow()
        async with httpx.AsyncClient() as client:
            dispatcher = dispatcher_for(settings, routes, pool, client, metrics)
            runner = await start_web(
                settings.notify_web_host,
                settings.notify_web_port,
                registry,
                lambda: _health(dispatcher.last_pass, started, settings.notify_poll_seconds),
                ready,
            )
            stop = asyncio.Event()
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGTERM, signal.SIGINT):
                loop.add_signal_handler(sig, stop.set)
            click.echo(
                f"delivering to {', '.join(routes.receivers)}; /metrics, /livez, /readyz, /healthz on "
                f"{settings.notify_web_host}:{settings.notify_web_port}",
                err=True,
            )
            try:
                await dispatcher.run(stop)
            finally:
                await runner.cleanup()
    finally:
        await pool.close()


def _health(
    last_pass: datetime | None, started: datetime, poll: float, now: datetime | None = None
) -> tuple[bool, dict[str, Any]]:
    """Healthy while passes over the outbox succeed (a database outage makes it degraded).

    A dispatcher that has just started is healthy for the same grace before its first pass
    ends: that pass may be delivering a backlog."""
    age = ((now or _utcnow()) - (last_pass or started)).total_seconds()
    details = {"last_pass": last_pass.isoformat() if last_pass else None}
    if last_pass is None:
        details["started"] = started.isoformat()
    return age < 3 * poll + 30, details


async def _check_schema(pool: Any) -> None:
    from services.alerts.notify import NotifyError

    async with pool.connection() as conn:
        try:
            await conn.execute("SELECT 1 FROM notifications, alerts LIMIT 0")
        except psycopg.errors.UndefinedTable as exc:
            raise NotifyError(
                f"{str(exc).strip()}: the schema is behind, run `ontrack db migrate`"
            ) from None


# --- alert ack / resolve ---------------------------------------------------------------


@click.group("alert")
def alert_group() -> None:
    """List alerts; acknowledge or resolve one (by its fingerprint)."""


@alert_group.command("list")
@click.option(
    "--state",
    "state",
    type=click.Choice(["open", "firing", "pending", "resolved", "all"]),
    default="open",
    help="Which alerts: open (pending and firing), one state, or all",
)
@click.option("--severity", type=click.Choice(["page", "ticket", "info"]), help="Only this one")
@click.option("--limit", default=100, type=click.IntRange(min=1), help="At most this many")
@lang_option
@click.pass_obj
@needs("database")
def alert_list(settings: Settings, state: str, severity: str | None, limit: int) -> None:
    """Alerts, firing first and pages before tickets: fingerprint, state, since, what."""
    from services.storage import list_alerts

    states = {"open": ("pending", "firing"), "all": ("pending", "firing", "resolved", "inactive")}
    chosen = states.get(state, (state,))
    rows = _run_pool(
        settings, lambda pool: list_alerts(pool, states=chosen, severity=severity, limit=limit)
    )
    if not rows:
        click.echo(tr(settings.lang, "cli.no_alerts"), err=True)
        return
    for line in alert_table(rows, settings, _utcnow()):
        click.echo(line)


def alert_table(rows: list[dict[str, Any]], settings: Settings, now: datetime) -> list[str]:
    """The lines of the alerts table, in the settings' language and time zone."""
    from zoneinfo import ZoneInfo

    from services.alerts.notify import Voice, headline_of
    from services.commands.alerts import glossary
    from services.language import moment, table

    lang, tz = settings.lang, ZoneInfo(CITY_TZ_NAME)
    voice = Voice(lang, glossary(settings), tz)
    header = ("fingerprint", "state", "severity", "since", "why")
    cells = [tuple(tr(lang, f"col.{c}") for c in header)]
    for r in rows:
        since = r.get("fired_at") or r.get("since")
        cells.append(
            (
                str(r["fingerprint"]),
                tr(lang, f"state.{r['state']}"),
                tr(lang, f"severity.{r['severity']}"),
                moment(since, lang, tz) if since else "-",
                headline_of(r, voice, now),
            )
        )
    return table(cells)


def _run_pool(settings: Settings, work: Callable[[Any], Awaitable[T]]) -> T:
    async def main() -> T:
        from services.storage import connect_pool

        pool = await connect_pool(settings.dsn, name="ontrack-cli")
        try:
            return await work(pool)
        finally:
            await pool.close()

    return _guarded(main)


@alert_group.command("ack")
@click.argument("fingerprint")
@click.option("--note", required=True, help="Why: what you found, what you are doing")
@_ACTOR
@lang_option
@click.pass_obj
@needs("database")
def ack(settings: Settings, fingerprint: str, note: str, actor: str) -> None:
    """Acknowledge a pending or firing alert: you are on it (repeats stop)."""
    from services.alerts.notify import ack as do_ack

    state = _run(settings, lambda conn: do_ack(conn, fingerprint, actor, note, _utcnow()))
    lang = settings.lang
    click.echo(
        tr(
            lang,
            "cli.acked",
            fingerprint=state.fingerprint,
            state=tr(lang, f"state.{state.state.value}"),
            actor=state.acked_by,
        )  # fmt: skip
    )


@alert_group.command("resolve")
@click.argument("fingerprint")
@click.option("--note", required=True, help="Why: the fix, or why it no longer matters")
@_ACTOR
@click.option(
    "--routes",
    "routes_dir",
    envvar="ONTRACK_ROUTES_DIR",
    type=click.Path(path_type=Path),
    help="Routes for the resolved notifications  [default: the routes ontrack ships]",
)
@lang_option
@click.pass_obj
@needs("database")
def resolve(
    settings: Settings, fingerprint: str, note: str, actor: str, routes_dir: Path | None
) -> None:
    """Resolve a firing alert by hand; those told it fired are told it is resolved."""
    from services.alerts.notify import resolve as do_resolve

    routes = _routes(settings, routes_dir)
    state, sent = _run(
        settings, lambda conn: do_resolve(conn, fingerprint, actor, note, _utcnow(), routes)
    )
    told = sorted({e.receiver for e in sent if e.id is not None and e.silenced_by is None})
    lang = settings.lang
    click.echo(
        tr(
            lang,
            "cli.resolved",
            fingerprint=state.fingerprint,
            state=tr(lang, f"state.{state.state.value}"),
            actor=state.resolved_by or actor,
        )  # fmt: skip
    )
    receivers = tr(lang, "list.sep").join(told) or tr(lang, "cli.nobody")
    click.echo(tr(lang, "cli.resolved_told", receivers=receivers))


# --- silences --------------------------------------------------------------------------


@click.group("silence")
def silence_group() -> None:
    """Mute notifications of alerts matching labels, for a while (or a maintenance window)."""


def _moment(text: str | None, now: datetime, flag: str) -> datetime:
    if text is None:
        return now
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise click.BadParameter(
            f"{text!r} is not a date-time: write e.g. 2026-11-22T22:00+08:00", param_hint=flag
        ) from None
    if moment.utcoffset() is None:
        raise click.BadParameter(
            f"{text!r} has no time zone: add one, e.g. +08:00", param_hint=flag
        )
    return moment


@silence_group.command("add")
@click.option(
    "--match",
    "matches",
    multiple=True,
    required=True,
    help='Matcher, repeatable: severity=page, region!=laoshan, family=~"air|water"',
)
@click.option("--for", "length", help="How long, e.g. 2h, 30m, 1d (or give --until)")
@click.option("--until", help="End, ISO date-time with zone")
@click.option("--start", help="Start, ISO date-time with zone (later: a maintenance window)")
@click.option("--comment", required=True, help="Why (shown in the alert's history)")
@_ACTOR
@click.pass_obj
def silence_add(
    settings: Settings,
    matches: tuple[str, ...],
    length: str | None,
    until: str | None,
    start: str | None,
    comment: str,
    actor: str,
) -> None:
    """Silence alerts whose labels match every --match."""
    from services.alerts.notify import NotifyError, add_silence, parse_matcher
    from services.alerts.rules import DurationError, parse_duration

    now = _utcnow()
    try:
        matchers = [parse_matcher(m) for m in matches]
    except NotifyError as exc:
        raise click.BadParameter(str(exc), param_hint="--match") from None
    starts = _moment(start, now, "--start")
    if (length is None) == (until is None):
        raise click.UsageError("give exactly one of --for and --until")
    if length is not None:
        try:
            ends = starts + parse_duration(length)
        except DurationError as exc:
            raise click.BadParameter(str(exc), param_hint="--for") from None
    else:
        ends = _moment(until, now, "--until")
    if ends <= max(starts, now):
        raise click.BadParameter("the silence would be over before it starts", param_hint="--for")
    added = _run(
        settings, lambda conn: add_silence(conn, matchers, starts, ends, actor, comment, now)
    )
    s = added.silence
    click.echo(
        f"silence {s.id}: {' '.join(str(m) for m in s.matchers)} from "
        f"{s.starts_at.isoformat(timespec='minutes')} to {s.ends_at.isoformat(timespec='minutes')}"
    )
    click.echo(f"matches {len(added.alerts)} open alert(s) now: {', '.join(added.alerts) or '-'}")


@silence_group.command("list")
@click.option("--all", "include_expired", is_flag=True, help="Expired silences too")
@lang_option
@click.pass_obj
@needs("database")
def silence_list(settings: Settings, include_expired: bool) -> None:
    """Silences in force or to come (newest first)."""
    from services.alerts.notify import list_silences

    now = _utcnow()
    found = _run(settings, lambda conn: list_silences(conn, now, include_expired=include_expired))
    if not found:
        click.echo(tr(settings.lang, "cli.no_silences"), err=True)
    for s in found:
        click.echo(
            f"{s.id:>5}  {s.state(now):<8} {s.starts_at.isoformat(timespec='minutes')} → "
            f"{s.ends_at.isoformat(timespec='minutes')}  {' '.join(str(m) for m in s.matchers)}"
            f"  by {s.created_by}: {s.comment}"
        )


@silence_group.command("expire")
@click.argument("silence_id", type=int)
@_ACTOR
@click.pass_obj
@needs("database")
def silence_expire(settings: Settings, silence_id: int, actor: str) -> None:
    """End a silence now."""
    from services.alerts.notify import expire_silence

    s = _run(settings, lambda conn: expire_silence(conn, silence_id, actor, _utcnow()))
    click.echo(f"silence {s.id} expired ({s.expired_by} at {s.expired_at or s.ends_at})")


# --- routes ----------------------------------------------------------------------------


@click.group("routes")
def routes_group() -> None:
    """The routes files (receivers and the route tree)."""


@routes_group.command("check")
@click.argument("path", required=False, type=click.Path(path_type=Path))
@click.pass_obj
def routes_check(settings: Settings, path: Path | None) -> None:
    """Check routes files (default: ONTRACK_ROUTES_DIR, else the routes ontrack ships); every
    problem with file:line and a fix; exit 1 if there are any."""
    import os

    from services.alerts.notify import RouteFileError, missing_env

    try:
        config = _routes(settings, path)
    except RouteFileError as exc:  # the check ran and found problems: exit 1, not 4
        raise click.ClickException(str(exc)) from None  # "N problem(s) in the routes:", each
    for line in missing_env(config, os.environ):
        click.echo(f"note: {line} is not set here (`ontrack notify` needs it)", err=True)
    kinds = ", ".join(
        f"{r.name} ({r.kind}, {config.language_of(r.name, settings.lang).value})"
        for r in config.receivers.values()
    )
    click.echo(f"routes OK: {len(config.receivers)} receiver(s): {kinds}")


COMMANDS = [notify, alert_group, silence_group, routes_group]

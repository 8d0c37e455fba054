"""``ontrack keys create | list | revoke``: the API keys of feed providers."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import Any, TypeVar

import click
import psycopg

from services.auth import ROLES, ApiKey, Scope, new_key, pattern_problem
from services.indicators.catalogue import load_catalogue
from services.settings import Settings
from services.storage import insert_key, list_keys, revoke_key

__all__ = ["COMMANDS"]

T = TypeVar("T")


def _run(settings: Settings, work: Callable[[psycopg.AsyncConnection[Any]], Awaitable[T]]) -> T:
    async def main() -> T:
        async with await psycopg.AsyncConnection.connect(
            settings.dsn, autocommit=True, connect_timeout=10
        ) as conn:
            return await work(conn)

    return asyncio.run(main())  # no database, or no api_keys table yet: the group says so


def _patterns(values: Sequence[str], kind: str) -> tuple[str, ...]:
    patterns = tuple(p.strip() for v in values for p in v.split(",") if p.strip())
    if not patterns:
        raise click.BadParameter(f"give at least one {kind} pattern", param_hint=f"--{kind}")
    for p in patterns:
        problem = pattern_problem(kind, p)
        if problem:
            raise click.BadParameter(problem, param_hint=f"--{kind}")
    return patterns


def _check_indicators(settings: Settings, patterns: Sequence[str]) -> None:
    """Refuse an indicator pattern that matches nothing in the catalogue (a typo, surely)."""
    ids = load_catalogue(settings.catalogue_path).ids
    for p in patterns:
        if not any(Scope((p,), ("*",)).allows_indicator(i) for i in ids):
            raise click.BadParameter(
                f'"{p}" matches no indicator of the catalogue (e.g. {", ".join(ids[:3])})',
                param_hint="--indicators",
            )


@click.group("keys")
def keys_group() -> None:
    """API keys of feed providers (only a hash of each is stored)."""


@keys_group.command("create")
@click.option("--provider", required=True, help="Who the key is for, e.g. port or qd-emc.")
@click.option(
    "--indicators",
    multiple=True,
    required=True,
    help="Indicator patterns it may write, comma-separated or repeated: 'air.*', 'port.*'.",
)
@click.option(
    "--sources",
    multiple=True,
    required=True,
    help="Source patterns it may write: 'qd-station-*', or '*' for any.",
)
@click.option(
    "--role",
    "roles",
    multiple=True,
    type=click.Choice(ROLES),
    default=("ingest",),
    help="Roles (repeatable); operator and admin are for the alert and admin endpoints.",
)
@click.option("--note", help="Free text kept with the key (who asked, ticket number).")
@click.pass_obj
def create(
    settings: Settings,
    provider: str,
    indicators: tuple[str, ...],
    sources: tuple[str, ...],
    roles: tuple[str, ...],
    note: str | None,
) -> None:
    """Make a key; print its token (once: only a hash is kept) on stdout."""
    provider = provider.strip()
    if not provider:
        raise click.BadParameter("the provider name is empty", param_hint="--provider")
    scope = Scope(_patterns(indicators, "indicators"), _patterns(sources, "sources"))
    _check_indicators(settings, scope.indicators)
    made = new_key()
    key = _run(
        settings,
        lambda conn: insert_key(
            conn, made.id, made.hash, provider, scope, sorted(set(roles)), note
        ),
    )
    click.echo(
        f"made key {key.id} for {key.provider} ({', '.join(key.roles)}): {scope.describe()}.\n"
        "The token below is shown only now: give it to the provider over a safe channel.",
        err=True,
    )
    click.echo(made.token)


def _when(at: datetime | None) -> str:
    return at.isoformat(timespec="seconds") if at else "-"


@keys_group.command("list")
@click.option("--provider", help="Only this provider's keys.")
@click.option("--all", "include_revoked", is_flag=True, help="Include revoked keys.")
@click.pass_obj
def list_cmd(settings: Settings, provider: str | None, include_revoked: bool) -> None:
    """List keys: id, provider, roles, scope, created, last used, revoked."""
    keys: list[ApiKey] = _run(
        settings,
        lambda conn: list_keys(conn, provider=provider, include_revoked=include_revoked),
    )
    click.echo(
        f"{'id':<16}  {'provider':<16} {'roles':<10} {'indicators':<24} {'sources':<20} "
        f"{'created':<25} {'last used':<25} revoked"
    )
    for k in keys:
        click.echo(
            f"{k.id:<16}  {k.provider:<16} {','.join(k.roles):<10} "
            f"{','.join(k.scope.indicators):<24} {','.join(k.scope.sources):<20} "
            f"{_when(k.created_at):<25} {_when(k.last_used_at):<25} {_when(k.revoked_at)}"
        )
    if not keys:
        click.echo("no keys" + ("" if include_revoked else " (--all shows revoked ones)"), err=True)


@keys_group.command("revoke")
@click.argument("key_id")
@click.pass_obj
def revoke(settings: Settings, key_id: str) -> None:
    """Revoke key KEY_ID (the id shown by `keys list`, or the whole token)."""
    parts = key_id.split("_")
    key_id = parts[1] if len(parts) >= 2 and parts[0] == "otk" else key_id
    key = _run(settings, lambda conn: revoke_key(conn, key_id))
    if key is None:
        raise click.ClickException(f"no active key {key_id} (see `ontrack keys list --all`)")
    click.echo(
        f"revoked key {key.id} of {key.provider} at {_when(key.revoked_at)}; the API refuses it "
        f"within {settings.key_cache_seconds:g} s",
        err=True,
    )


COMMANDS = [keys_group]

"""``ontrack dashboards build | check | publish | verify``: Grafana dashboards as code."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import click

from services.commands.tooling.repository import checkout
from services.settings import Settings

__all__ = ["COMMANDS"]


@click.group("dashboards")
def dashboards_group() -> None:
    """Grafana dashboards generated from code (services/dashboards) into dashboards/<lang>/*.json,
    in English (en) and Chinese (zh-CN)."""


@dashboards_group.command("build")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Directory to write to  [default: dashboards/ of the repository]",
)
def build_cmd(out: Path | None) -> None:
    """Write every dashboard's JSON in every language (and delete JSON files no dashboard
    makes any more)."""
    directory = out or checkout("the dashboards' JSON is committed") / "dashboards"
    built = _built()
    for name, text in built.items():
        path = directory / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    for extra in sorted(directory.glob("**/*.json")):
        if extra.relative_to(directory).as_posix() not in built:
            extra.unlink()
            click.echo(f"  removed {extra}", err=True)
    click.echo(f"wrote {len(built)} dashboards to {directory}", err=True)


@dashboards_group.command("check")
def check_cmd() -> None:
    """Exit 1 if dashboards/<lang>/*.json differ from what the code builds (run `build` to fix)."""
    directory = checkout("the dashboards' JSON is committed") / "dashboards"
    from services.dashboards import stale_files
    from services.dashboards.language.i18n import MissingText

    try:
        stale = stale_files(directory)
    except MissingText as exc:
        raise click.ClickException(str(exc)) from None
    if stale:
        for name in stale:
            click.echo(f"  {directory / name}", err=True)
        raise click.ClickException(
            f"{len(stale)} dashboard file(s) do not match the code: run `ontrack dashboards build`"
        )
    click.echo("dashboards/<lang>/*.json match the code", err=True)


@dashboards_group.command("publish")
@click.pass_obj
def publish_cmd(settings: Settings) -> None:
    """Write the plan targets and their trajectories to TimescaleDB for the dashboards.

    The alert engine also does this each time it starts."""
    from services.dashboards.targets import publish_plans

    targets, points = asyncio.run(
        publish_plans(settings.dsn, settings.plans_dir, settings.catalogue_path)
    )
    click.echo(f"published {targets} targets and {points} trajectory points", err=True)


@dashboards_group.command("verify")
@click.pass_obj
def verify_cmd(settings: Settings) -> None:
    """Run every panel's SQL against the database, as Grafana would; exit 1 on an error."""
    import psycopg

    from services.dashboards.queries.verify import run_dashboard

    failed = 0
    now = datetime.now(UTC)
    with psycopg.connect(settings.dsn, autocommit=True) as conn:
        for name, text in _built().items():
            for run in run_dashboard(conn, name, text, now):
                where = f"{name} · {run.query.panel} · {run.query.ref_id}"
                if run.error is not None:
                    failed += 1
                    click.echo(f"ERROR  {where}: {run.error}")
                else:
                    click.echo(f"{len(run.rows):>6} rows  {where}")
    if failed:
        raise click.ClickException(f"{failed} panel queries failed")


def _built() -> dict[str, str]:
    """Every dashboard's JSON; a text without its translation is a clear error."""
    from services.dashboards import build_all
    from services.dashboards.language.i18n import MissingText

    try:
        return build_all()
    except MissingText as exc:
        raise click.ClickException(str(exc)) from None


COMMANDS = [dashboards_group]

"""``ontrack alerts`` (the engine), ``ontrack plans check`` (and ``coverage``) and ``ontrack targets``."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import click

from services.commands.coverage import coverage
from services.commands.options import lang_option, plans_option
from services.commands.servers import needs
from services.errors import OntrackError
from services.language import MESSAGES, Glossary, Language
from services.settings import Settings

__all__ = ["COMMANDS"]


@click.command("alerts")
@plans_option
@click.option(
    "--rules",
    "rules_dir",
    envvar="ONTRACK_RULES_DIR",
    show_envvar=True,
    type=click.Path(path_type=Path),
    help="Rule file, or directory of them  [default: the rules ontrack ships, services/data/rules]",
)
@click.option(
    "--eval-interval",
    envvar="ONTRACK_EVAL_INTERVAL",
    show_envvar=True,
    type=click.FloatRange(min=0.1),
    help="Seconds between two evaluations of everything  [default: 60]",
)
@click.option(
    "--web-port",
    envvar="ONTRACK_ALERTS_WEB_PORT",
    show_envvar=True,
    type=int,
    help="Port of the engine's /metrics and /healthz  [default: 6068]",
)
@click.option(
    "--shard",
    envvar="ONTRACK_ALERTS_SHARD",
    show_envvar=True,
    help="Judge only this share of the targets and series, as index/count from 0 (0/2, "
    "1/2 for two shards)  [default: 0/1, everything]",
)
@click.pass_obj
@needs("kafka")  # a broker that refuses: said before the slow imports and the files
def alerts(
    settings: Settings,
    plans_dir: Path | None,
    rules_dir: Path | None,
    eval_interval: float | None,
    web_port: int | None,
    shard: str | None,
) -> None:
    """Run the alert engine: judge every target, fire and resolve alerts (SIGTERM stops)."""
    from services.ingest.topics import ensure_topics

    update: dict[str, Any] = {
        "plans_dir": plans_dir,
        "rules_dir": rules_dir,
        "eval_interval": eval_interval,
        "alerts_web_port": web_port,
        "alerts_shard": shard,
    }
    settings = settings.model_copy(update={k: v for k, v in update.items() if v is not None})
    from services.alerts.notify import load_routes, outbox_hook
    from services.alerts.runtime import run_engine
    from services.alerts.snapshot import Shard, check_rules, load_universe
    from services.dashboards.targets import publish_plans

    # before starting anything: the files, the shard, the routes, Kafka (and its security)
    universe = load_universe(settings.plans_dir, settings.rules_dir, settings.catalogue_path)
    check_rules(universe.rules, Shard.parse(settings.alerts_shard))
    routes = load_routes(settings.routes_dir)
    ensure_topics(settings)
    # Targets and trajectories for dashboards and charts follow the plans the engine runs.
    asyncio.run(publish_plans(settings.dsn, settings.plans_dir, settings.catalogue_path))
    asyncio.run(run_engine(settings, universe, in_transaction=outbox_hook(routes)))


@click.group("plans")
def plans_group() -> None:
    """The plan catalogue (the plans ontrack ships: services/data/plans/*.yaml)."""


@plans_group.command("check")
@click.argument("directory", required=False, type=click.Path(path_type=Path))
@click.pass_obj
def check(settings: Settings, directory: Path | None) -> None:
    """Check the plan files of DIRECTORY (default: ONTRACK_PLANS_DIR, else the plans ontrack
    ships); print each problem as file:line:column: message; fix: what to write; exit 1 if
    there are any."""
    from services.indicators.catalogue import load_catalogue
    from services.indicators.plans import check_plans, load_plans, targets_of

    directory = directory or settings.plans_dir
    catalogue = load_catalogue(settings.catalogue_path)  # invalid: exit 4 (the plans: 1)
    errors = check_plans(directory, catalogue)
    for error in errors:
        click.echo(str(error))
    if errors:
        click.echo(f"{len(errors)} problem(s) in {directory}", err=True)
        raise SystemExit(1)
    plans = load_plans(directory, catalogue)
    click.echo(f"{directory}: {len(plans)} plans, {len(targets_of(plans))} targets, ok", err=True)


plans_group.add_command(coverage)


@click.command("targets")
@click.option("--status", help="Only targets in this status (on_track, at_risk, off_track...)")
@click.option("--family", help="Only this family (air, port, power, telecom...)")
@click.option("--plan", help="Only the targets of this plan id")
@lang_option
@click.pass_obj
def targets(settings: Settings, status: str | None, family: str | None, plan: str | None) -> None:
    """Print every target as the alert engine last judged it."""
    from services.language import tr
    from services.storage import connect_pool, list_targets

    async def fetch() -> list[dict[str, Any]]:
        pool = await connect_pool(settings.dsn, name="ontrack-cli")
        try:
            return await list_targets(pool, status=status, family=family, plan=plan)
        finally:
            await pool.close()

    rows = asyncio.run(fetch())
    if not rows:
        click.echo(tr(settings.lang, "cli.no_targets"), err=True)
        return
    for line in target_table(rows, settings.lang, glossary(settings)):
        click.echo(line)


def glossary(settings: Settings) -> Glossary:
    """The names of targets and plans; without readable plans, the catalogue's alone (a
    table still prints, naming targets from their rows)."""
    from services.indicators.catalogue import load_catalogue
    from services.indicators.names import load_glossary

    try:
        return load_glossary(settings.catalogue_path, settings.plans_dir)
    except OntrackError:
        try:
            return Glossary.of(load_catalogue(settings.catalogue_path), [])
        except OntrackError:
            return Glossary()


def target_table(
    rows: list[dict[str, Any]], lang: Language = Language.EN, names: Glossary | None = None
) -> list[str]:
    """The lines of the targets table: a header, then one line per target, in ``lang``."""
    from services.language import number, percent, quantity, table, tr

    names = names or Glossary()
    header = ("target", "name", "status", "actual", "expected", "gap", "projection", "days_left")
    cells = [tuple(tr(lang, f"col.{c}") for c in header)]
    for r in rows:
        unit = str(r.get("unit") or "")

        def num(x: float | None) -> str:
            return "-" if x is None else number(x, lang)

        def amount(x: float | None, unit: str = unit) -> str:
            return "-" if x is None else quantity(x, unit, lang)

        projection = "-"
        if r["projection_value"] is not None:
            low, high = num(r["projection_low"]), num(r["projection_high"])
            projection = f"{num(r['projection_value'])} [{low}–{high}]"
        gap = "-" if r["gap_pct"] is None else percent(r["gap_pct"], sign=True)
        name = names.target(
            r["target_id"], lang, indicator=r.get("indicator"), deadline=r.get("deadline"),
            scope=r.get("scope"), plan=r.get("plan_id"),
        )  # fmt: skip
        status = r["status"]
        cells.append(
            (
                r["target_id"],
                name,
                tr(lang, f"status.{status}") if f"status.{status}" in MESSAGES else status,
                amount(r["actual"]),
                amount(r["expected"]),
                gap,
                projection,
                str(r["days_left"]),
            )
        )
    return table(cells, right=frozenset({3, 4, 5, 7}))


COMMANDS = [alerts, plans_group, targets]

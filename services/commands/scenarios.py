"""``ontrack scenarios run | write | list``: the labelled scenario corpus and its scoreboard."""

from __future__ import annotations

import fnmatch
import logging
from pathlib import Path
from typing import TYPE_CHECKING

import click

from services.commands.servers import needs
from services.settings import Settings

if TYPE_CHECKING:
    from services.backtest.corpus import Scenario

__all__ = ["COMMANDS"]


def _chosen(patterns: tuple[str, ...]) -> list[Scenario]:
    from services.backtest.corpus import SCENARIOS

    if not patterns:
        return list(SCENARIOS)
    chosen = [s for s in SCENARIOS if any(fnmatch.fnmatchcase(s.name, p) for p in patterns)]
    if not chosen:
        names = ", ".join(s.name for s in SCENARIOS)
        raise click.BadParameter(
            f"no scenario matches {', '.join(patterns)}; the scenarios: {names}"
        )
    return chosen


@click.group("scenarios")
def scenarios_group() -> None:
    """The labelled scenario corpus: histories with their truth, run through the backtest."""


@scenarios_group.command("list")
def list_cmd() -> None:
    """Each scenario, what it is about and what it covers."""
    from services.backtest.corpus import SCENARIOS

    for s in SCENARIOS:
        click.echo(f"{s.name:<32} {s.about}  [{', '.join(s.tags)}]")


@scenarios_group.command("write")
@click.argument("directory", type=click.Path(path_type=Path))
@click.argument("names", nargs=-1)
def write_cmd(directory: Path, names: tuple[str, ...]) -> None:
    """Write each scenario's plan, history and truth under DIRECTORY/<name>/ (truth.json
    holds the `ontrack backtest` command that replays it)."""
    from services.backtest.corpus import write_scenario

    for scenario in _chosen(names):
        click.echo(write_scenario(scenario, directory))


@scenarios_group.command("run")
@click.argument("names", nargs=-1)
@click.option(
    "--json",
    "json_path",
    type=click.Path(path_type=Path),
    help="Write the scoreboard as JSON here.",
)
@click.option(
    "--keep", type=click.Path(path_type=Path), help="Keep each scenario's files and result here."
)
@click.option(
    "--workers",
    type=click.IntRange(1, 16),
    help="Scenarios run at once, each in a scratch database of its own (default: 2, or 1 "
    "on one core).",
)
@click.pass_obj
@needs("database")
def run_cmd(
    settings: Settings,
    names: tuple[str, ...],
    json_path: Path | None,
    keep: Path | None,
    workers: int | None,
) -> None:
    """Run the scenarios (all, or those matching NAMES) through the backtest and print the
    scoreboard; exit 1 when it does not hold."""
    import orjson

    from services.backtest.corpus import run_corpus

    logging.getLogger("services.alerts").setLevel(logging.WARNING)
    chosen = _chosen(names)

    def say(message: str) -> None:
        click.echo(message, err=True)

    run = run_corpus(settings, chosen, say, keep=keep, workers=workers)
    click.echo(run.score.table())
    if json_path is not None:
        doc = {**run.score.json(), "problems": [p for s in run.scores for p in s.problems]}
        json_path.write_bytes(orjson.dumps(doc, option=orjson.OPT_INDENT_2))
    failures = run.score.failures()
    if failures:
        raise click.ClickException("the scoreboard does not hold: " + "; ".join(failures))


COMMANDS = [scenarios_group]

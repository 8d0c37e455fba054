"""``ontrack backtest HISTORY... --from DATE --to DATE``: try rules and plans on history."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from pathlib import Path

import click

from services.commands.servers import needs
from services.settings import Settings

__all__ = ["COMMANDS"]


def _instant(text: str) -> datetime:
    """A date (the city's midnight starting it) or an RFC 3339 instant."""
    from services.indicators.city import CITY_TZ

    try:
        if len(text) == 10:
            return datetime.combine(datetime.fromisoformat(text).date(), time(), CITY_TZ)
        t = datetime.fromisoformat(text.upper())
    except ValueError:
        raise click.BadParameter(
            f"{text!r} is not a date (2025-01-01) or an instant (2025-01-01T08:00:00+08:00)"
        ) from None
    return t if t.tzinfo else t.replace(tzinfo=CITY_TZ)


class _When(click.ParamType):
    name = "DATE"

    def convert(
        self, value: object, param: click.Parameter | None, ctx: click.Context | None
    ) -> datetime:
        if isinstance(value, datetime):
            return value
        try:
            return _instant(str(value))
        except click.BadParameter as exc:
            self.fail(exc.message, param, ctx)


class _Step(click.ParamType):
    name = "DURATION"

    def convert(
        self, value: object, param: click.Parameter | None, ctx: click.Context | None
    ) -> timedelta:
        from services.alerts.rules import DurationError, parse_duration

        if isinstance(value, timedelta):
            return value
        try:
            step = parse_duration(str(value))
        except DurationError as exc:
            self.fail(str(exc), param, ctx)
        if step <= timedelta(0):
            self.fail("the step must be positive, e.g. 7d", param, ctx)
        return step


@click.command("backtest")
@click.argument("history", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--from",
    "start",
    required=True,
    type=_When(),
    help="First instant judged (the city's date or an RFC 3339 instant).",
)
@click.option("--to", "end", required=True, type=_When(), help="Last instant judged.")
@click.option("--step", default="7d", type=_Step(), help="Time between two evaluations.")
@click.option(
    "--plans",
    "plans_dir",
    type=click.Path(path_type=Path),
    help="Plans directory  [default: the configured plans]",
)
@click.option(
    "--rules",
    "rules_path",
    type=click.Path(path_type=Path),
    help="Rules file or directory  [default: the configured rules]",
)
@click.option(
    "--json",
    "json_path",
    type=click.Path(path_type=Path),
    help="Write the alerts and final statuses as JSON here.",
)
@click.option(
    "--report",
    "report_path",
    type=click.Path(path_type=Path),
    help="Write the HTML report (charts, alerts) here.",
)
@click.pass_obj
@needs("database")  # where the scratch database is made: before reading the history
def backtest(
    settings: Settings,
    history: tuple[Path, ...],
    start: datetime,
    end: datetime,
    step: timedelta,
    plans_dir: Path | None,
    rules_path: Path | None,
    json_path: Path | None,
    report_path: Path | None,
) -> None:
    """Replay HISTORY (provider-format CSV or NDJSON; an optional received_at says when each
    reading arrived) in a scratch database, judging every target every --step from --from
    to --to with only what had arrived by then; print the alerts and final statuses.

    The scratch database is made on the configured server and dropped at the end: the
    production data is never read or written.
    """
    from services.backtest import BacktestOptions, HistoryError, run_backtest
    from services.backtest.replay import Clock
    from services.commands.errors import EXIT_USAGE, Failure

    if end <= start:
        raise click.BadParameter("--to must be after --from", param_hint="--to")
    opts = BacktestOptions(
        history=history,
        clock=Clock(start, end, step),
        plans_dir=plans_dir or settings.plans_dir,
        rules_path=rules_path or settings.rules_dir,
        report=report_path,
    )

    def say(message: str) -> None:
        click.echo(message, err=True)

    # invalid plans or rules (exit 4), an unreachable database (exit 3): the group says so
    try:
        result, read = run_backtest(settings, opts, say)
    except HistoryError as exc:  # the history files cannot be read: an input error
        raise Failure(str(exc), EXIT_USAGE) from None
    for line in read.problems:
        say(f"refused: {line}")
    if read.refused > len(read.problems):
        say(f"… and {read.refused - len(read.problems)} more refused")
    click.echo(result.table())
    click.echo(f"\n{result.evaluations} evaluations; {len(read.arrivals):,} readings replayed")
    if json_path is not None:
        json_path.write_bytes(result.json())
        say(f"json: {json_path}")


COMMANDS = [backtest]

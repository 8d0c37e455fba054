"""``ontrack demo``: simulated Qingdao feeds through the real pipeline, a summary and a report."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta
from pathlib import Path

import click

from services.commands.options import lang_option
from services.commands.serve import batch_keys_or_exit
from services.commands.servers import check
from services.settings import Settings

__all__ = ["COMMANDS"]


@click.command("demo")
@click.option(
    "--until",
    type=click.DateTime(["%Y-%m-%d"]),
    default=None,
    help="Replay up to this date  [default: today]",
)
@click.option(
    "--step-days",
    type=int,
    default=7,
    show_default=True,
    help="Simulated days per replay step (the engine evaluates after each)",
)
@click.option(
    "--report",
    "report_path",
    type=click.Path(path_type=Path),
    default=Path("report/index.html"),
    show_default=True,
)
@click.option("--no-stack", is_flag=True, help="Do not start the embedded stack first")
@lang_option
@click.pass_obj
def demo(
    settings: Settings, until: datetime | None, step_days: int, report_path: Path, no_stack: bool
) -> None:
    """Replay SIMULATED Qingdao feeds from January 2023 to today through the real pipeline.

    The table and report/index.html are in the language of --lang (or ONTRACK_LANG, or the
    locale); the report in the other language is written beside it (index.en.html or
    index.zh-CN.html)."""
    if no_stack:
        check(settings, "database", "kafka")  # before the slow imports
    else:
        from services import stack

        click.echo("starting the embedded stack", err=True)
        stack.up(settings, lambda m: click.echo(f"  {m}", err=True))
    from services.demo.report import write_reports
    from services.demo.runner import DemoOptions, run_demo
    from services.demo.simulate import CST
    from services.demo.summary import collect, format_table

    batch_keys_or_exit(settings)  # the API and worker it starts need them
    # Up to the end of --until's day, or up to this hour: never past now, since readings
    # stamped in the future are (rightly) refused by the API.
    now = datetime.now(CST).replace(minute=0, second=0, microsecond=0)
    end = min(until.replace(tzinfo=CST) + timedelta(days=1), now) if until else now
    if not logging.getLogger().isEnabledFor(logging.DEBUG):
        # every transition is in the summary below; one log line each would drown the progress
        logging.getLogger("services.alerts").setLevel(logging.WARNING)
    opts = DemoOptions(until=end, step=timedelta(days=step_days))
    click.echo(
        f"replaying simulated feeds 2023-01-01 → {end:%Y-%m-%d} in {step_days}-day steps", err=True
    )
    s, result = asyncio.run(run_demo(settings, opts, lambda m: click.echo(m, err=True)))
    outcome = collect(s, end)
    click.echo(format_table(outcome.report, settings.lang))
    path, other = write_reports(outcome.report, report_path, settings.lang)
    click.echo(
        f"\n{result.accepted:,} readings accepted, {result.rejected} rejected, "
        f"{result.stored:,} stored; {result.evaluations} evaluations in {result.seconds:.0f}s"
    )
    click.echo(f"report: {path.resolve()} ({other.name} beside it)")
    if result.stored != result.accepted or result.rejected:
        raise click.ClickException("stored and accepted readings do not reconcile")


COMMANDS = [demo]

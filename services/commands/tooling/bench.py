"""``ontrack bench``: the pipeline's throughput and latency, as ratios to this machine's limits."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import click

from services.commands.servers import needs
from services.settings import Settings

__all__ = ["COMMANDS"]


@click.command("bench")
@click.option("--quick", is_flag=True, help="A short form: small sizes, a minute or two.")
@click.option(
    "--out",
    "out_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("bench-results.json"),
    show_default=True,
    help="Where to write the figures as JSON.",
)
@click.option(
    "--scaling/--no-scaling",
    default=True,
    show_default=True,
    help="Run the last phase: end to end at 1 000, 10 000 and 100 000 active series and the "
    "alert engine at 1 000, 10 000 and 50 000 targets × regions (smaller with --quick).",
)
@click.option(
    "--plot",
    "plot_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Also draw the scaling phase's figures as a PNG here (e.g. docs/images/bench-scaling.png).",
)
@click.pass_obj
@needs("database", "kafka")
def bench(
    settings: Settings, quick: bool, out_path: Path, scaling: bool, plot_path: Path | None
) -> None:
    """Measure baselines and the pipeline on the embedded stack; print and save the figures.

    Runs in a database and on topics of its own (created and removed), so it never
    touches the ``ontrack`` database or other users' topics. Progress goes to stderr,
    the tables to stdout: the figures, the CPU each stage spends per reading, and how
    cost grows with work.
    """
    from services.bench.figures import (
        format_cpu_table,
        format_scaling_tables,
        format_table,
        headline,
        to_json,
    )
    from services.bench.runner import FULL, QUICK, run_bench
    from services.commands.serve import batch_keys_or_exit

    batch_keys_or_exit(settings)  # it produces batches, and its API and workers need them
    if plot_path is not None and not scaling:
        raise click.UsageError("--plot draws the scaling phase, which --no-scaling leaves out")
    if plot_path is not None and not plot_path.parent.is_dir():
        raise click.UsageError(f"--plot: the directory {plot_path.parent} does not exist")
    sizes = QUICK if quick else FULL
    if not scaling:
        sizes = dataclasses.replace(sizes, scaling_series=(), scaling_evaluations=())
    result = run_bench(settings, sizes, lambda m: click.echo(m, err=True))
    figures = result.pop("figures")
    context = result["context"]
    click.echo(format_table(headline(figures)))
    if context.get("cpu_budget"):
        click.echo("\nCPU per reading, from /proc of each stage's processes:\n")
        click.echo(format_cpu_table(context["cpu_budget"]))
    if context.get("scaling"):
        click.echo("\nHow cost grows with work:\n")
        click.echo(format_scaling_tables(context["scaling"]))
    rec = context.get("reconciliation", {})
    click.echo(
        f"\nend to end: sent {rec.get('sent', 0):,}, stored {rec.get('stored', 0):,}, "
        f"lost {rec.get('lost', 0)}, duplicates {rec.get('duplicates', 0)}, "
        f"dead-lettered {rec.get('dead_lettered', 0)}"
    )
    load = context["load_average_before"]
    click.echo(f"load average before the run: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    out_path.write_text(json.dumps(to_json(figures, **result), indent=2) + "\n")
    click.echo(f"figures written to {out_path}")
    if plot_path is not None and context.get("scaling"):
        from services.bench.plot import plot_scaling

        plot_scaling(context["scaling"], plot_path)
        click.echo(f"scaling plot written to {plot_path}")
    if rec and not rec.get("reconciled"):
        raise click.ClickException("the end-to-end counts do not reconcile")


COMMANDS = [bench]

"""``ontrack bench``: the pipeline's throughput and latency, as ratios to this machine's limits."""

from __future__ import annotations

import json
from pathlib import Path

import click

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
@click.pass_obj
def bench(settings: Settings, quick: bool, out_path: Path) -> None:
    """Measure baselines and the pipeline on the embedded stack; print and save the figures.

    Runs in a database and on topics of its own (created and removed), so it never
    touches the ``ontrack`` database or other users' topics. Progress goes to stderr,
    the table to stdout.
    """
    from services.bench.figures import format_table, to_json
    from services.bench.runner import FULL, QUICK, run_bench
    from services.commands.serve import batch_keys_or_exit

    batch_keys_or_exit(settings)  # it produces batches, and its API and workers need them
    result = run_bench(settings, QUICK if quick else FULL, lambda m: click.echo(m, err=True))
    figures = result.pop("figures")
    click.echo(format_table(figures))
    rec = result["context"].get("reconciliation", {})
    click.echo(
        f"\nend to end: sent {rec.get('sent', 0):,}, stored {rec.get('stored', 0):,}, "
        f"lost {rec.get('lost', 0)}, duplicates {rec.get('duplicates', 0)}, "
        f"dead-lettered {rec.get('dead_lettered', 0)}"
    )
    load = result["context"]["load_average_before"]
    click.echo(f"load average before the run: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    out_path.write_text(json.dumps(to_json(figures, **result), indent=2) + "\n")
    click.echo(f"figures written to {out_path}")
    if rec and not rec.get("reconciled"):
        raise click.ClickException("the end-to-end counts do not reconcile")


COMMANDS = [bench]

"""One backtest from start to end: load what is judged, read the history, replay it in a
scratch database, read the result back (and write the report if asked)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from pydantic import SecretStr

from services.alerts.snapshot import Universe, load_universe
from services.backtest.history import History, read_history
from services.backtest.outcome import BacktestResult, read_result
from services.backtest.replay import Clock, replay
from services.backtest.scratch import reset, scratch_database
from services.dashboards.targets import publish_plans
from services.settings import Settings

__all__ = ["BacktestOptions", "run_backtest"]

Say = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class BacktestOptions:
    history: Sequence[Path]
    clock: Clock
    plans_dir: Path
    rules_path: Path
    report: Path | None = None


def run_backtest(
    settings: Settings, opts: BacktestOptions, say: Say, *, dsn: str | None = None
) -> tuple[BacktestResult, History]:
    """Run it in a scratch database made (and dropped) for it, or in ``dsn``'s, emptied
    first (several backtests sharing one database)."""
    universe = load_universe(opts.plans_dir, opts.rules_path, settings.catalogue_path)
    history = read_history(opts.history, universe.catalogue, say)
    say(
        f"{len(history.arrivals):,} readings to replay ({history.refused:,} refused), "
        f"{len(universe.targets)} targets, {len(universe.rules)} rules"
    )
    if dsn is not None:
        reset(dsn)
        return _in(settings, dsn, universe, history, opts, say), history
    with scratch_database(settings.dsn) as scratch:
        return _in(settings, scratch, universe, history, opts, say), history


def _in(
    settings: Settings,
    dsn: str,
    universe: Universe,
    history: History,
    opts: BacktestOptions,
    say: Say,
) -> BacktestResult:
    asyncio.run(publish_plans(dsn, opts.plans_dir, settings.catalogue_path))
    evaluations = asyncio.run(replay(dsn, universe, history.arrivals, opts.clock, say))
    result = read_result(dsn, evaluations)
    if opts.report is not None:
        from services.demo.report import write_report
        from services.demo.summary import collect

        scratch = settings.model_copy(
            update={"database_url": SecretStr(dsn), "plans_dir": opts.plans_dir}
        )
        write_report(collect(scratch, opts.clock.end).report, opts.report)
        say(f"report: {opts.report}")
    return result

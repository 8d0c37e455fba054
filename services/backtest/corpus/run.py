"""Write the corpus to files and run it through the backtest: ``workers`` scenarios at a
time, each worker in a scratch database of its own emptied between its scenarios (the
database does most of the work, so two workers keep two cores busy)."""

from __future__ import annotations

import hashlib
import os
import queue
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from random import Random

import orjson

from services.backtest.corpus.model import Scenario
from services.backtest.corpus.score import ScenarioScore, Score, score_scenario, total
from services.backtest.replay import Clock
from services.backtest.run import BacktestOptions, run_backtest
from services.backtest.scratch import scratch_database
from services.settings import Settings

__all__ = ["CorpusRun", "run_corpus", "write_scenario"]

Say = Callable[[str], None]
STEP = timedelta(days=7)
_PLAN_HEAD = """# written by `ontrack scenarios write`: the targets of scenario {name}
id: scenario-{name}
title: Scenario {name}
title_zh: 场景 {name}
issuer: ontrack scenario corpus
date: 2022-12-31
source: scenario_corpus.txt
targets:
"""


@dataclass(frozen=True, slots=True)
class CorpusRun:
    scores: Sequence[ScenarioScore]
    score: Score


def _seed(name: str) -> int:
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big")


def write_scenario(scenario: Scenario, directory: Path) -> Path:
    """The scenario's plan, history and truth under ``directory/<name>/``; the directory."""
    here = directory / scenario.name
    (here / "plans").mkdir(parents=True, exist_ok=True)
    (here / "plans" / "scenario.yaml").write_text(
        _PLAN_HEAD.format(name=scenario.name) + scenario.plan, encoding="utf-8"
    )
    records = scenario.history(Random(_seed(scenario.name)))
    with (here / "history.ndjson").open("wb") as out:
        for r in records:
            out.write(orjson.dumps(r) + b"\n")
    truth = {
        "scenario": scenario.name,
        "about": scenario.about,
        "tags": list(scenario.tags),
        "backtest": (
            f"ontrack backtest {here / 'history.ndjson'} --plans {here / 'plans'} "
            f"--from {scenario.start.isoformat()} --to {scenario.end.isoformat()} --step 7d"
        ),
        "targets": [
            {
                "target": t.target,
                "expect": t.expect,
                "final": t.final,
                "onset": t.onset.isoformat() if t.onset else None,
                "page_from": t.page_from.isoformat() if t.page_from else None,
                "no_data_alert": t.no_data_alert,
            }
            for t in scenario.truths
        ],
        "feeds": [{"subject": f.subject, "by": f.by.isoformat()} for f in scenario.feeds],
    }
    (here / "truth.json").write_bytes(orjson.dumps(truth, option=orjson.OPT_INDENT_2))
    return here


def run_corpus(
    settings: Settings,
    scenarios: Sequence[Scenario],
    say: Say,
    *,
    keep: Path | None = None,
    quiet: Say = lambda _m: None,
    workers: int | None = None,
) -> CorpusRun:
    """Run every scenario; ``say`` gets a line per scenario as it ends, ``quiet`` the
    backtests' own. The scores come in the corpus's order whatever the workers' order."""
    n_workers = max(1, min(workers or min(2, os.cpu_count() or 1), len(scenarios)))
    scores: list[ScenarioScore | None] = [None] * len(scenarios)
    done = 0
    lock = threading.Lock()
    with tempfile.TemporaryDirectory(prefix="ontrack-scenarios-") as tmp, ExitStack() as stack:
        root = keep or Path(tmp)
        free: queue.SimpleQueue[str] = queue.SimpleQueue()
        for _ in range(n_workers):
            free.put(stack.enter_context(scratch_database(settings.dsn)))

        def one(index: int) -> None:
            nonlocal done
            scenario = scenarios[index]
            dsn = free.get()
            try:
                began = time.monotonic()
                s = _run_one(settings, scenario, root, dsn, quiet)
            finally:
                free.put(dsn)
            scores[index] = s
            verdict = "ok" if not s.problems else f"{len(s.problems)} problem(s)"
            took = time.monotonic() - began
            with lock:
                done += 1
                say(f"[{done:>2}/{len(scenarios)}] {scenario.name:<32} {took:5.1f}s  {verdict}")
                for problem in s.problems:
                    say(f"        {problem}")

        with ThreadPoolExecutor(n_workers, thread_name_prefix="scenario") as pool:
            for future in [pool.submit(one, i) for i in range(len(scenarios))]:
                future.result()
    drifts = sum(1 for sc in scenarios for t in sc.truths if t.expect == "catch")
    ordered = [s for s in scores if s is not None]
    return CorpusRun(ordered, total(ordered, drifts))


def _run_one(
    settings: Settings, scenario: Scenario, root: Path, dsn: str, quiet: Say
) -> ScenarioScore:
    here = write_scenario(scenario, root)
    opts = BacktestOptions(
        history=[here / "history.ndjson"],
        clock=Clock(scenario.start, scenario.end, STEP),
        plans_dir=here / "plans",
        rules_path=settings.rules_dir,
    )
    result, _ = run_backtest(settings, opts, quiet, dsn=dsn)
    (here / "result.json").write_bytes(result.json())
    return score_scenario(scenario, result)

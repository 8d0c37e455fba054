"""Write the corpus to files and run it through the backtest, scenario after scenario, in
one scratch database emptied between them."""

from __future__ import annotations

import hashlib
import tempfile
import time
from collections.abc import Callable, Sequence
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
) -> CorpusRun:
    """Run every scenario; ``say`` gets a line per scenario, ``quiet`` the backtests' own."""
    scores: list[ScenarioScore] = []
    with (
        tempfile.TemporaryDirectory(prefix="ontrack-scenarios-") as tmp,
        scratch_database(settings.dsn) as dsn,
    ):
        root = keep or Path(tmp)
        for n, scenario in enumerate(scenarios, start=1):
            began = time.monotonic()
            here = write_scenario(scenario, root)
            opts = BacktestOptions(
                history=[here / "history.ndjson"],
                clock=Clock(scenario.start, scenario.end, STEP),
                plans_dir=here / "plans",
                rules_path=settings.rules_dir,
            )
            result, _ = run_backtest(settings, opts, quiet, dsn=dsn)
            (here / "result.json").write_bytes(result.json())
            s = score_scenario(scenario, result)
            scores.append(s)
            verdict = "ok" if not s.problems else f"{len(s.problems)} problem(s)"
            took = time.monotonic() - began
            say(f"[{n:>2}/{len(scenarios)}] {scenario.name:<32} {took:5.1f}s  {verdict}")
            for problem in s.problems:
                say(f"        {problem}")
    drifts = sum(1 for sc in scenarios for t in sc.truths if t.expect == "catch")
    return CorpusRun(scores, total(scores, drifts))

"""The labelled scenario corpus through the backtest: the scoreboard, printed, and held to
what people need of the judgements (docs/alerting.md §5)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from services.backtest.corpus import HOLDS, SCENARIOS
from services.cli import main
from services.settings import Settings

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def test_the_scoreboard_holds(
    settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "score.json"
    result = CliRunner().invoke(
        main, ["--database-url", settings.dsn, "scenarios", "run", "--json", str(out)]
    )
    score = json.loads(out.read_text())
    with capsys.disabled():
        print("\n\nScenario corpus through ontrack backtest:\n" + result.stdout)
        for problem in score["problems"]:
            print(f"  {problem}")
    assert score["scenarios"] == len(SCENARIOS) >= 30
    assert score["false_pages"] == HOLDS["false_pages"] == 0
    assert score["alerts_on_comfortable"] == 0
    assert score["false_tickets_per_20_near_years"] <= 1.0
    assert score["missed_detections"] == 0
    assert score["median_delay_weeks"] <= 8.0
    assert score["final_wrong"] == 0
    assert score["feeds_missed"] == 0 and score["false_feed_alerts"] == 0
    assert score["passed"] and result.exit_code == 0, result.output

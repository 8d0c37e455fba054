"""services/data/prometheus with Debian's promtool: the config and rules are valid and the rules'
unit tests (services/data/prometheus/tests/*.yml) pass; every alert has a test that fires it."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from services.stack.apt import ensure_commands
from tests.fixtures.paths import DATA

pytestmark = pytest.mark.integration

PROMETHEUS = DATA / "prometheus"


@pytest.fixture(scope="module")
def promtool() -> str:
    ensure_commands({"promtool": "prometheus"}, lambda msg: print(f"[apt] {msg}"))
    found = shutil.which("promtool")
    assert found is not None
    return found


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, capture_output=True, text=True, timeout=60, check=False)


def test_config_and_rules_are_valid(promtool: str) -> None:
    done = run(promtool, "check", "config", str(PROMETHEUS / "prometheus.yml"))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "SUCCESS" in done.stdout and "rule files found" in done.stdout


def test_rule_unit_tests_pass(promtool: str) -> None:
    tests = sorted(str(p) for p in (PROMETHEUS / "tests").glob("*.yml"))
    assert tests
    done = run(promtool, "test", "rules", *tests)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.count("SUCCESS") == len(tests)


def test_a_broken_rule_test_fails(promtool: str, tmp_path: Path) -> None:
    """promtool really compares: the same test with a wrong expectation fails."""
    source = (PROMETHEUS / "tests/pipeline_test.yml").read_text(encoding="utf-8")
    broken = source.replace("instance: w1\n", "instance: w9\n", 1)
    assert broken != source
    (tmp_path / "rules").mkdir()
    shutil.copy(PROMETHEUS / "rules/pipeline.yml", tmp_path / "rules/pipeline.yml")
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests/broken.yml").write_text(broken, encoding="utf-8")
    done = run(promtool, "test", "rules", str(tmp_path / "tests/broken.yml"))
    assert done.returncode != 0
    assert "FAILED" in done.stdout + done.stderr


def test_every_alert_has_a_test_that_fires_it() -> None:
    alerts = {
        rule["alert"]
        for path in (PROMETHEUS / "rules").glob("*.yml")
        for group in yaml.safe_load(path.read_text(encoding="utf-8"))["groups"]
        for rule in group["rules"]
    }
    fired = {
        case["alertname"]
        for path in (PROMETHEUS / "tests").glob("*.yml")
        for test in yaml.safe_load(path.read_text(encoding="utf-8"))["tests"]
        for case in test.get("alert_rule_test", [])
        if case.get("exp_alerts")
    }
    assert alerts == fired
    assert {
        "OntrackPipelineStalled",
        "OntrackConsumerLagGrowing",
        "OntrackDbWritesFailing",
        "OntrackOutboxBackingUp",
        "OntrackFeedSilent",
    } <= alerts

"""The Prometheus configs of deploy/compose and deploy/k8s, and Alertmanager's, checked by
Debian's promtool and amtool (offline: nothing is scraped). Each is checked with the
repository's rules in place of the path they have inside the container. Debian builds
Prometheus without Kubernetes service discovery, so the k8s jobs are checked with a static
target in its place (their relabelling is checked as written)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from services.stack.apt import ensure_commands
from tests.fixtures.paths import DATA, ROOT

pytestmark = pytest.mark.integration

RULES = DATA / "prometheus/rules"


@pytest.fixture(scope="module")
def tools() -> dict[str, str]:
    ensure_commands(
        {"promtool": "prometheus", "amtool": "prometheus-alertmanager"},
        lambda msg: print(f"[apt] {msg}"),
    )
    found = {name: shutil.which(name) for name in ("promtool", "amtool")}
    assert all(found.values()), found
    return {k: str(v) for k, v in found.items()}


def k8s_config() -> str:
    text = (ROOT / "deploy/k8s/monitoring/prometheus.yaml").read_text(encoding="utf-8")
    (configmap,) = [d for d in yaml.safe_load_all(text) if d and d["kind"] == "ConfigMap"]
    return str(configmap["data"]["prometheus.yml"])


CONFIGS = {
    "compose": lambda: (ROOT / "deploy/compose/prometheus/prometheus.yml").read_text(
        encoding="utf-8"
    ),
    "k8s": k8s_config,
}


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_prometheus_config_and_its_rules_are_valid(
    name: str, tools: dict[str, str], tmp_path: Path
) -> None:
    config = yaml.safe_load(CONFIGS[name]())
    assert config["rule_files"] == ["/etc/prometheus/rules/*.yml"]
    config["rule_files"] = [str(RULES / "*.yml")]
    for job in config["scrape_configs"]:
        if job.pop("kubernetes_sd_configs", None) is not None:
            job["static_configs"] = [{"targets": ["127.0.0.1:1"]}]
    path = tmp_path / "prometheus.yml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    done = subprocess.run(
        [tools["promtool"], "check", "config", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    rules = len(list(RULES.glob("*.yml")))
    assert f"SUCCESS: {rules} rule files found" in done.stdout, done.stdout
    assert "is valid prometheus config file syntax" in done.stdout


def test_alertmanager_config_is_valid(tools: dict[str, str]) -> None:
    done = subprocess.run(
        [tools["amtool"], "check-config", str(DATA / "alertmanager/alertmanager.yml")],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "SUCCESS" in done.stdout

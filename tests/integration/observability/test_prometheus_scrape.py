"""The real Prometheus (Debian's package) scrapes the API and a stream worker started by the
test, with the packaged Prometheus config's jobs and rules: both are up, their metrics arrive, the rules
load and evaluate, and every PromQL query of the dashboards evaluates."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from services.dashboards import build_all
from services.dashboards.queries.macros import QueryContext, expand
from services.dashboards.queries.verify import panel_queries
from services.settings import Settings
from services.stack.apt import ensure_commands
from tests.fixtures.paths import DATA
from tests.fixtures.services import Proc, Running, free_port, start_pipeline, wait_for

pytestmark = pytest.mark.integration

DEPLOY = DATA / "prometheus"


def worker_port(running: Running) -> int:
    args = [str(a) for a in running.worker.popen.args]
    return int(args[args.index("--web-port") + 1])


def scrape_config(running: Running, alerts_port: int, rules: Path) -> dict[str, Any]:
    """services/data/prometheus/prometheus.yml, pointed at the services this test runs."""
    config = yaml.safe_load((DEPLOY / "prometheus.yml").read_text(encoding="utf-8"))
    config["global"] = {"scrape_interval": "1s", "evaluation_interval": "1s"}
    config.pop("alerting")
    config["rule_files"] = [str(rules / "*.yml")]
    addresses = {
        "ontrack-api": running.api_url.removeprefix("http://"),
        "ontrack-worker": f"127.0.0.1:{worker_port(running)}",
        "ontrack-alerts": f"127.0.0.1:{alerts_port}",  # nothing listens: up == 0
    }
    jobs = {job["job_name"]: job for job in config["scrape_configs"]}
    assert set(addresses) <= set(jobs), "services/data/prometheus/prometheus.yml lost a job"
    for name, address in addresses.items():
        jobs[name]["static_configs"] = [{"targets": [address]}]
    config["scrape_configs"] = [jobs[name] for name in addresses]
    return config


@pytest.fixture(scope="module")
def own_settings(settings: Settings, private_topics: Callable[..., Settings]) -> Settings:
    """Topics and a consumer group of this module's own: its worker owns every partition."""
    return private_topics(settings)


@pytest.fixture(scope="module")
def pipeline(own_settings: Settings, module_spawn: Callable[..., Proc]) -> Running:
    return start_pipeline(own_settings, module_spawn)


@pytest.fixture(scope="module")
def prometheus(pipeline: Running, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    ensure_commands({"prometheus": "prometheus"}, lambda msg: print(f"[apt] {msg}"))
    binary = shutil.which("prometheus")
    assert binary is not None
    home = tmp_path_factory.mktemp("prometheus")
    (home / "prometheus.yml").write_text(
        yaml.safe_dump(scrape_config(pipeline, free_port(), DEPLOY / "rules")), encoding="utf-8"
    )
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = (home / "prometheus.log").open("wb")
    proc = subprocess.Popen(  # noqa: S603 - Debian's prometheus with a config we wrote
        [
            binary,
            f"--config.file={home / 'prometheus.yml'}",
            f"--storage.tsdb.path={home / 'data'}",
            f"--web.listen-address=127.0.0.1:{port}",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )

    def ready() -> bool:
        assert proc.poll() is None, (home / "prometheus.log").read_text(errors="replace")
        try:
            return httpx.get(url + "/-/ready", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    try:
        wait_for(ready, 30, "Prometheus to be ready")
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)
        log.close()


def query(url: str, expr: str) -> list[dict[str, Any]]:
    resp = httpx.get(url + "/api/v1/query", params={"query": expr}, timeout=5).json()
    assert resp["status"] == "success", (expr, resp)
    result: list[dict[str, Any]] = resp["data"]["result"]
    return result


def has(url: str, expr: str) -> bool:
    return bool(query(url, expr))


@pytest.fixture(scope="module")
def traffic(
    prometheus: str, pipeline: Running, own_settings: Settings, auth: dict[str, str]
) -> dict[str, str]:
    """Readings through the API (one refused), stored by the worker, seen by Prometheus."""
    start = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(hours=6)
    good = [
        {
            "indicator": "air.pm25",
            "source": "prom-scrape-1",
            "ts": (start + timedelta(hours=i)).isoformat(),
            "value": 30 + i,
            "unit": "µg/m³",
        }
        for i in range(6)
    ]
    bad = {**good[0], "unit": "furlongs"}
    resp = httpx.post(
        pipeline.api_url + "/v1/readings", json={"readings": [*good, bad]}, headers=auth
    )
    assert resp.status_code == 202, resp.text
    assert resp.json()["accepted"] == 6
    stored = 'ontrack_stream_rows_changed_total{job="ontrack-worker", indicator="air.pm25"} >= 6'
    try:
        wait_for(lambda: has(prometheus, stored), 45, "Prometheus to see the stored rows")
    except AssertionError as exc:
        scraped = httpx.get(f"http://127.0.0.1:{worker_port(pipeline)}/metrics").text
        lines = [x for x in scraped.splitlines() if x.startswith(("ontrack_stream", "ontrack_db"))]
        raise AssertionError(f"{exc}\n{chr(10).join(lines)}\n{pipeline.worker.tail()}") from None
    return {"topic": own_settings.topic_readings}


def test_prometheus_scrapes_the_api_and_the_worker(
    prometheus: str, traffic: dict[str, str]
) -> None:
    wait_for(lambda: len(query(prometheus, "up")) == 3, 20, "a scrape of every job")
    up = {r["metric"]["job"]: r["value"][1] for r in query(prometheus, "up")}
    assert up == {"ontrack-api": "1", "ontrack-worker": "1", "ontrack-alerts": "0"}
    for expr in (
        'ontrack_readings_accepted_total{job="ontrack-api", indicator="air.pm25"} >= 6',
        'sum(ontrack_readings_rejected_total{job="ontrack-api"}) >= 1',
        'ontrack_http_request_duration_seconds_count{job="ontrack-api", route="/v1/readings"}',
        'ontrack_db_write_seconds_count{job="ontrack-worker", op="observations"} >= 1',
        'ontrack_stream_delay_seconds_count{job="ontrack-worker"} >= 1',
        'ontrack_rollups_updated_timestamp_seconds{job="ontrack-worker"} > 0',
        'ontrack_rollup_lag_seconds{job="ontrack-worker"} >= 0',
        f'ontrack_stream_consumer_lag{{job="ontrack-worker", topic="{traffic["topic"]}"}}',
    ):
        assert has(prometheus, expr), expr


def test_the_self_monitoring_rules_load_and_evaluate(prometheus: str) -> None:
    wanted = {
        rule["alert"]
        for path in (DEPLOY / "rules").glob("*.yml")
        for group in yaml.safe_load(path.read_text(encoding="utf-8"))["groups"]
        for rule in group["rules"]
    }

    def evaluated() -> dict[str, str]:
        groups = httpx.get(prometheus + "/api/v1/rules", timeout=5).json()["data"]["groups"]
        return {
            r["name"]: r["health"]
            for g in groups
            for r in g["rules"]
            if r.get("lastEvaluation", "").startswith("20")
        }

    wait_for(lambda: set(evaluated()) == wanted, 20, "every rule to be evaluated")
    assert set(evaluated().values()) == {"ok"}


def test_every_dashboard_promql_query_evaluates(prometheus: str, traffic: dict[str, str]) -> None:
    now = datetime.now(UTC)
    ctx = QueryContext(now - timedelta(minutes=5), now, timedelta(seconds=5), {})
    queries: dict[str, str] = {}
    for name, text in build_all().items():
        for q in panel_queries(name, json.loads(text)):
            if q.language == "promql":
                queries[f"{name} · {q.panel} · {q.ref_id}"] = expand(q.text, ctx)
    assert len(queries) >= 25
    for expr in queries.values():
        query(prometheus, expr)  # parses and evaluates
    # what the API and the worker expose shows once a rate has two samples (scrapes are 1s)
    for panel in (
        "en/pipeline.json · Services up · A",
        "en/pipeline.json · Readings per second · A",
        "en/pipeline.json · Readings per second · B",
        "en/pipeline.json · Consumer lag per partition · A",
        "en/pipeline.json · Rows stored per second, by indicator · A",
        "en/pipeline.json · Rollup lag · A",
        "en/pipeline.json · From Kafka to stored · B",
        "en/pipeline.json · Database write latency · B",
        "en/pipeline.json · HTTP latency p95, by route · A",
        "en/feeds.json · Readings accepted by the API, by provider · A",
        "en/feeds.json · Readings refused, by provider and reason · A",
    ):
        wait_for(lambda e=queries[panel]: has(prometheus, e), 20, f"data for {panel}")

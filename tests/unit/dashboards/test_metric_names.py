"""Every metric the Prometheus rules and the dashboards query is one a service exposes (or
one the alert engine is to expose, listed here), so a renamed metric cannot silently empty
a panel or disarm an alert."""

from __future__ import annotations

import json
import re

import yaml
from prometheus_client import CollectorRegistry

from services.api.metrics import IngestMetrics
from services.dashboards import build_all
from services.dashboards.queries.verify import panel_queries
from services.ingest.stream.metrics import PartitionOffsets, StreamMetrics
from tests.fixtures.paths import DATA

RULES = DATA / "prometheus/rules"

# Exposed by `ontrack alerts` (services/alerts, /metrics on alerts_web_port): rule evaluation,
# alert states, which replica leads, series by feed state and the longest silence per
# indicator, and the notification outbox.
FROM_THE_ALERT_ENGINE = {
    "ontrack_rule_evaluation_duration_seconds_bucket",
    "ontrack_rule_evaluation_duration_seconds_count",
    "ontrack_alerts",
    "ontrack_alerts_leader",
    "ontrack_feed_series",
    "ontrack_feed_oldest_silence_seconds",
    "ontrack_notifications_total",
    "ontrack_outbox_depth",
}


def exposed() -> set[str]:
    names = {"up"}
    for make in (IngestMetrics.create, StreamMetrics.create):
        registry = CollectorRegistry()
        metrics = make(registry)
        if isinstance(metrics, StreamMetrics):
            metrics.watch_consumer(lambda: [PartitionOffsets("readings", 0, 5, 2)])
        for family in registry.collect():
            names |= {s.name for s in family.samples}
            if family.type in ("histogram", "counter"):
                base = family.name
                names |= {f"{base}_bucket", f"{base}_count", f"{base}_sum", f"{base}_total"}
    return names


def queried() -> dict[str, set[str]]:
    exprs: dict[str, str] = {}
    for path in sorted(RULES.glob("*.yml")):
        for group in yaml.safe_load(path.read_text(encoding="utf-8"))["groups"]:
            for rule in group["rules"]:
                exprs[f"rule {rule['alert']}"] = rule["expr"]
    for name, text in build_all().items():
        for q in panel_queries(name, json.loads(text)):
            if q.language == "promql":
                exprs[f"{name} · {q.panel} · {q.ref_id}"] = q.text
    return {
        where: set(re.findall(r"\b(ontrack_\w+|up)\b(?!\s*\()", expr))
        for where, expr in exprs.items()
    }


def test_every_queried_metric_is_exposed() -> None:
    known = exposed() | FROM_THE_ALERT_ENGINE
    unknown = {where: names - known for where, names in queried().items() if names - known}
    assert not unknown


def test_the_alert_engine_list_holds_only_metrics_in_use() -> None:
    used = set().union(*queried().values())
    assert FROM_THE_ALERT_ENGINE <= used
    assert not FROM_THE_ALERT_ENGINE & exposed()

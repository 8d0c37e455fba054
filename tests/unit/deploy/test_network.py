"""deploy/k8s/network/policies.yaml: with every pod of the namespace isolated, each connection
the system needs is allowed, and ones it does not need are refused.

The needed connections are derived from the manifests and the repository, not listed: each
service's database and Kafka addresses (its settings), Prometheus's scrape jobs, Grafana's
data sources, the notifier's Alertmanager, SMTP relay and webhook receivers (settings and
routes/), the Ingresses' backends, prometheus-adapter's Prometheus, cluster DNS for all, and
what Strimzi's own pods do."""

from __future__ import annotations

import re
from functools import cache
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

from services.alerts.notify.routing.file import load_routes
from tests.fixtures.paths import DATA
from tests.unit.deploy.netpol import (
    NAMESPACE,
    Peer,
    manifest_pods,
    outside,
    refusal,
    selects,
    strimzi_pods,
    strimzi_policies,
)
from tests.unit.deploy.project import (
    K8S_DIR,
    container_env,
    containers,
    named,
    of_kind,
    workloads,
)

API_SERVER = outside("the Kubernetes API", "192.0.2.10")
SMTP_RELAY = outside("the SMTP relay", "203.0.113.25")
RECEIVER = outside("a webhook receiver", "203.0.113.80")
PROVIDER = outside("a provider", "198.51.100.7")
INGRESS_CONTROLLER = Peer(
    "ingress-nginx-controller", "ingress-nginx", {"app.kubernetes.io/name": "ingress-nginx"}
)
DNS = Peer("coredns", "kube-system", {"k8s-app": "kube-dns"})
ADAPTER = Peer(  # installed by Helm with monitoring/prometheus-adapter-values.yaml
    "prometheus-adapter", labels={"app.kubernetes.io/name": "prometheus-adapter"}
)
LOOPBACK = re.compile(r"^(127\.|localhost$|::1$)")

Need = tuple[Peer, Peer, int, str, str]  # from, to, port, protocol, why


def policies() -> list[dict[str, Any]]:
    return of_kind("NetworkPolicy") + strimzi_policies()


@cache
def pods() -> dict[str, Peer]:
    return manifest_pods() | strimzi_pods() | {ADAPTER.name: ADAPTER}


def kafka_name() -> str:
    (kafka,) = of_kind("Kafka")
    return str(kafka["metadata"]["name"])


def brokers() -> list[Peer]:
    return [p for p in pods().values() if p.labels.get("strimzi.io/broker-role") == "true"]


def behind(host: str, port: int) -> list[tuple[Peer, int]]:
    """The pods and port a connection to Service ``host``:``port`` reaches."""
    host = host.removesuffix(f".{NAMESPACE}.svc.cluster.local").removesuffix(f".{NAMESPACE}.svc")
    host = host.removesuffix(f".{NAMESPACE}")
    if host == f"{kafka_name()}-kafka-bootstrap":  # Strimzi's: every broker, the listener port
        return [(b, port) for b in brokers()]
    service = named("Service", host)
    (entry,) = [p for p in service["spec"]["ports"] if p["port"] == port]
    target = entry.get("targetPort", port)
    found = [
        p
        for p in pods().values()
        if selects({"matchLabels": service["spec"]["selector"]}, p.labels)
    ]
    assert found, f"Service {host} selects no pod"
    return [(p, p.ports[target] if isinstance(target, str) else target) for p in found]


def to_url(src: Peer, url: str, why: str) -> list[Need]:
    parts = urlsplit(url)
    port = parts.port or {"http": 80, "https": 443}[parts.scheme]
    return [(src, dst, p, "TCP", why) for dst, p in behind(str(parts.hostname), port)]


def env_of(workload_name: str) -> dict[str, str]:
    workload = [w for w in workloads() if w["metadata"]["name"] == workload_name][0]
    return container_env(containers(workload)[0])


def ontrack_needs() -> list[Need]:
    out: list[Need] = []
    for w in workloads():
        pod = pods()[w["metadata"]["name"]]
        for container in containers(w, init=True):
            if not container["image"].startswith("ontrack:"):
                continue
            env = container_env(container)
            url = urlsplit(env["ONTRACK_DATABASE_URL"])
            for dst, port in behind(str(url.hostname), url.port or 5432):
                out.append((pod, dst, port, "TCP", f"{container['name']}: the database"))
            if "ONTRACK_KAFKA_SASL_USERNAME" in env:
                for address in env["ONTRACK_KAFKA_BOOTSTRAP"].split(","):
                    host, port = address.rsplit(":", 1)
                    for dst, p in behind(host, int(port)):
                        out.append((pod, dst, p, "TCP", f"{container['name']}: Kafka"))
    return out


def notify_needs() -> list[Need]:
    notify = [w for w in workloads() if w["metadata"]["name"] == "ontrack-notify"][0]
    pod = pods()["ontrack-notify"]
    env = container_env(containers(notify)[0])
    out = to_url(pod, env["ONTRACK_ALERTMANAGER_URL"], "Alertmanager receiver")
    out.append((pod, SMTP_RELAY, int(env["ONTRACK_SMTP_PORT"]), "TCP", "e-mail receivers"))
    for receiver in load_routes(DATA / "routes").receivers.values():
        target = receiver.target
        smarthost = getattr(target, "smarthost", None)
        if smarthost:
            port = int(smarthost.rsplit(":", 1)[1])
            out.append((pod, SMTP_RELAY, port, "TCP", f"e-mail {receiver.name}"))
        url = getattr(target, "url", None)
        if url is None or LOOPBACK.match(urlsplit(url).hostname or ""):
            continue  # the default Alertmanager, or an example on the pod itself
        parts = urlsplit(url)
        if "." in (parts.hostname or "") and not parts.hostname.endswith(".svc"):
            port = parts.port or {"http": 80, "https": 443}[parts.scheme]
            out.append((pod, RECEIVER, port, "TCP", f"receiver {receiver.name}"))
        else:
            out += to_url(pod, url, f"receiver {receiver.name}")
    return out


def prometheus_needs() -> list[Need]:
    prometheus = pods()["prometheus"]
    config = yaml.safe_load(named("ConfigMap", "prometheus-config")["data"]["prometheus.yml"])
    out: list[Need] = [(prometheus, API_SERVER, 443, "TCP", "pod discovery")]
    for job in config["scrape_configs"]:
        if "kubernetes_sd_configs" in job:
            keep = {
                r["source_labels"][0]: r["regex"]
                for r in job["relabel_configs"]
                if r.get("action") == "keep"
            }
            port_name = keep.pop("__meta_kubernetes_pod_container_port_name")
            label = "__meta_kubernetes_pod_label_"
            targets = [
                p
                for p in pods().values()
                if all(
                    any(
                        re.sub(r"\W", "_", k) == key.removeprefix(label) and v == value
                        for k, v in p.labels.items()
                    )
                    for key, value in keep.items()
                )
            ]
            assert targets, f"scrape job {job['job_name']} finds no pod"
            for target in targets:
                port = 9404 if port_name == "tcp-prometheus" else target.ports[port_name]
                out.append((prometheus, target, port, "TCP", f"scrape {job['job_name']}"))
        for static in job.get("static_configs", []):
            for address in static["targets"]:
                host, port = address.rsplit(":", 1)
                if host != "localhost":
                    out += to_url(prometheus, f"http://{host}:{port}", f"scrape {job['job_name']}")
    for am in config["alerting"]["alertmanagers"]:
        for address in am["static_configs"][0]["targets"]:
            out += to_url(prometheus, f"http://{address}", "alerting")
    return out


def grafana_and_edge_needs() -> list[Need]:
    grafana = pods()["grafana"]
    env = env_of("grafana")
    out = [
        (grafana, dst, port, "TCP", "data source TimescaleDB")
        for dst, port in behind(env["ONTRACK_TSDB_HOST"], int(env["ONTRACK_TSDB_PORT"]))
    ]
    out += to_url(grafana, env["ONTRACK_PROMETHEUS_URL"], "data source Prometheus")
    for ingress in of_kind("Ingress"):
        for rule in ingress["spec"]["rules"]:
            for path in rule["http"]["paths"]:
                backend = path["backend"]["service"]
                service = named("Service", backend["name"])
                (entry,) = [
                    p
                    for p in service["spec"]["ports"]
                    if backend["port"] in ({"name": p["name"]}, {"number": p["port"]})
                ]
                for dst, port in behind(backend["name"], entry["port"]):
                    out.append((INGRESS_CONTROLLER, dst, port, "TCP", f"Ingress {rule['host']}"))
    values = yaml.safe_load(
        (K8S_DIR / "monitoring/prometheus-adapter-values.yaml").read_text(encoding="utf-8")
    )
    prometheus = values["prometheus"]
    out += to_url(ADAPTER, f"{prometheus['url']}:{prometheus['port']}", "adapter queries")
    out += [
        (API_SERVER, ADAPTER, 6443, "TCP", "external metrics API"),
        (ADAPTER, API_SERVER, 443, "TCP", "APIService"),
    ]
    alertmanager = pods()["alertmanager"]
    out += [
        (alertmanager, SMTP_RELAY, 587, "TCP", "Alertmanager's mail receivers"),
        (alertmanager, RECEIVER, 443, "TCP", "Alertmanager's webhook receivers"),
    ]
    return out


def strimzi_needs() -> list[Need]:
    (kafka,) = of_kind("Kafka")
    cluster = kafka_name()
    entity = pods()[f"{cluster}-entity-operator"]
    exporter = pods()[f"{cluster}-kafka-exporter"]
    operator = pods()["strimzi-cluster-operator"]
    out: list[Need] = []
    for broker in brokers():
        out += [
            (b, broker, port, "TCP", "replication, KRaft")
            for b in brokers()
            for port in (9090, 9091)
        ]
        out += [
            (exporter, broker, 9091, "TCP", "consumer lag"),
            (entity, broker, 9091, "TCP", "topics, users"),
        ]
        out += [(operator, broker, port, "TCP", "reconciliation") for port in (9090, 9091, 8443)]
        external = [x for x in kafka["spec"]["kafka"]["listeners"] if x["type"] != "internal"]
        out += [(PROVIDER, broker, x["port"], "TCP", f"listener {x['name']}") for x in external]
    out += [(entity, API_SERVER, 443, "TCP", "KafkaTopics, KafkaUsers")]
    out += [(operator, API_SERVER, 443, "TCP", "reconciliation")]
    return out


def dns_needs() -> list[Need]:
    return [
        (pod, DNS, 53, protocol, "DNS")
        for pod in pods().values()
        if pod.namespace == NAMESPACE
        for protocol in ("UDP", "TCP")
    ]


def all_needs() -> list[Need]:
    return (
        ontrack_needs()
        + notify_needs()
        + prometheus_needs()
        + grafana_and_edge_needs()
        + strimzi_needs()
        + dns_needs()
    )


def need_id(need: Need) -> str:
    src, dst, port, protocol, why = need
    return f"{src}->{dst}:{port}/{protocol} ({why})"


@pytest.mark.parametrize("need", all_needs(), ids=need_id)
def test_every_connection_the_system_needs_is_allowed(need: Need) -> None:
    src, dst, port, protocol, _ = need
    assert refusal(policies(), src, dst, port, protocol) is None, refusal(
        policies(), src, dst, port, protocol
    )


def test_the_needs_cover_every_component() -> None:
    sources = {src.name for src, *_ in all_needs()}
    destinations = {dst.name for _, dst, *_ in all_needs()}
    for name in ("ontrack-api", "ontrack-worker", "ontrack-alerts", "ontrack-notify"):
        assert name in sources and name in destinations, name
    assert "ontrack-migrate" in sources
    assert {"timescaledb", "prometheus", "alertmanager", "grafana"} <= destinations
    assert {b.name for b in brokers()} <= destinations


def unneeded() -> list[tuple[Peer, Peer, int]]:
    p = pods()
    broker = brokers()[0]
    (internal,) = [
        x["port"]
        for x in named("Kafka", kafka_name())["spec"]["kafka"]["listeners"]
        if x["type"] == "internal"
    ]
    return [
        (p["grafana"], broker, internal),
        (p["ontrack-notify"], broker, internal),
        (p["ontrack-migrate"], broker, internal),
        (p["prometheus"], broker, internal),
        (PROVIDER, broker, internal),  # providers only on the external listener
        (PROVIDER, p["timescaledb"], 5432),
        (PROVIDER, p["ontrack-api"], 8080),  # only through the Ingress
        (INGRESS_CONTROLLER, p["ontrack-worker"], 6066),
        (INGRESS_CONTROLLER, p["prometheus"], 9090),
        (p["prometheus"], p["timescaledb"], 5432),
        (p["ontrack-api"], p["alertmanager"], 9093),
        (p["ontrack-worker"], SMTP_RELAY, 25),
        (p["ontrack-api"], RECEIVER, 443),
        (p["timescaledb"], RECEIVER, 443),
        (p["grafana"], RECEIVER, 443),
        (p["ontrack-notify"], RECEIVER, 5432),
    ]


@pytest.mark.parametrize("connection", unneeded(), ids=lambda c: f"{c[0]}->{c[1]}:{c[2]}")
def test_connections_nobody_needs_are_refused(connection: tuple[Peer, Peer, int]) -> None:
    src, dst, port = connection
    assert refusal(policies(), src, dst, port) is not None


def test_everything_is_denied_unless_allowed() -> None:
    deny = named("NetworkPolicy", "default-deny")["spec"]
    assert deny == {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}
    assert refusal(policies(), Peer("stranger", labels={"app": "x"}), pods()["timescaledb"], 5432)
    assert refusal(policies(), Peer("stranger", labels={"app": "x"}), RECEIVER, 443)

"""NetworkPolicies evaluated as Kubernetes evaluates them, over a model of the pods that run
in the namespace (from the manifests, plus those Strimzi, Helm and the cluster run) and of
the addresses outside it.

A connection is allowed when the source may send it (no policy selects the source for
Egress, or one of those that do has a matching egress rule) and the destination may
receive it (likewise for Ingress). Pods outside the namespace are not isolated here; an
``ipBlock`` matches only addresses outside the cluster. Strimzi's own policies are the ones
its 0.47.0 operator writes (KafkaCluster, KafkaExporter and EntityOperator
``generateNetworkPolicy``): they are built here from the Kafka resource."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from tests.unit.deploy.project import containers, of_kind, pod_labels, workloads

NAMESPACE = "ontrack"


@dataclass(frozen=True)
class Peer:
    """A pod (namespace, labels, named ports) or, with ``ip``, an address outside the cluster."""

    name: str
    namespace: str | None = NAMESPACE
    labels: Mapping[str, str] = field(default_factory=dict)
    ports: Mapping[str, int] = field(default_factory=dict)
    ip: str | None = None

    def __str__(self) -> str:
        return self.name


def outside(name: str, ip: str) -> Peer:
    return Peer(name, namespace=None, ip=ip)


def selects(selector: Mapping[str, Any], labels: Mapping[str, str]) -> bool:
    """A label selector (matchLabels and matchExpressions) against labels; {} selects all."""
    if any(labels.get(k) != v for k, v in selector.get("matchLabels", {}).items()):
        return False
    for expr in selector.get("matchExpressions", []):
        key, op, values = expr["key"], expr["operator"], expr.get("values", [])
        ok = {
            "In": key in labels and labels[key] in values,
            "NotIn": key not in labels or labels[key] not in values,
            "Exists": key in labels,
            "DoesNotExist": key not in labels,
        }[op]
        if not ok:
            return False
    return True


def _peer_matches(rule_peer: Mapping[str, Any], peer: Peer, namespace: str) -> bool:
    if "ipBlock" in rule_peer:
        if peer.ip is None:
            return False
        block = rule_peer["ipBlock"]
        address = ipaddress.ip_address(peer.ip)
        return address in ipaddress.ip_network(block["cidr"]) and not any(
            address in ipaddress.ip_network(e) for e in block.get("except", [])
        )
    if peer.namespace is None:
        return False
    if "namespaceSelector" in rule_peer:
        ns_labels = {"kubernetes.io/metadata.name": peer.namespace}
        if not selects(rule_peer["namespaceSelector"], ns_labels):
            return False
    elif peer.namespace != namespace:
        return False
    return selects(rule_peer.get("podSelector", {}), peer.labels)


def _port_matches(ports: list[Mapping[str, Any]], port: int, protocol: str, dst: Peer) -> bool:
    if not ports:
        return True
    for p in ports:
        if p.get("protocol", "TCP") != protocol:
            continue
        wanted = p.get("port")
        if wanted is None:
            return True
        if isinstance(wanted, str):
            wanted = dst.ports.get(wanted)
        if wanted is not None and wanted <= port <= p.get("endPort", wanted):
            return True
    return False


def _side(
    policies: list[dict[str, Any]], pod: Peer, other: Peer, port: int, protocol: str, kind: str
) -> str | None:
    """None if the pod may (kind Egress: send to ``other``; Ingress: receive from it), else why not."""
    if pod.namespace != NAMESPACE:
        return None
    mine = [
        p
        for p in policies
        if kind in p["spec"].get("policyTypes", ["Ingress"])
        and selects(p["spec"]["podSelector"], pod.labels)
    ]
    if not mine:
        return None
    rules_key, peers_key = ("egress", "to") if kind == "Egress" else ("ingress", "from")
    dst = other if kind == "Egress" else pod
    for policy in mine:
        for rule in policy["spec"].get(rules_key, []):
            peers = rule.get(peers_key)
            if (not peers or any(_peer_matches(x, other, NAMESPACE) for x in peers)) and (
                _port_matches(rule.get("ports", []), port, protocol, dst)
            ):
                return None
    names = ", ".join(p["metadata"]["name"] for p in mine)
    return f"{kind} of {pod} ({names}) does not allow {other} on {protocol} {port}"


def refusal(
    policies: list[dict[str, Any]], src: Peer, dst: Peer, port: int, protocol: str = "TCP"
) -> str | None:
    """None if ``src`` may open ``dst``:``port``, else what refuses it."""
    return _side(policies, src, dst, port, protocol, "Egress") or _side(
        policies, dst, src, port, protocol, "Ingress"
    )


# --- the pods --------------------------------------------------------------------------


def manifest_pods() -> dict[str, Peer]:
    """One pod of every Deployment, StatefulSet and Job of the manifests, by workload name."""
    out = {}
    for w in workloads():
        ports = {p["name"]: p["containerPort"] for c in containers(w) for p in c.get("ports", [])}
        out[w["metadata"]["name"]] = Peer(w["metadata"]["name"], labels=pod_labels(w), ports=ports)
    return out


def strimzi_pods() -> dict[str, Peer]:
    """The pods Strimzi runs for the Kafka resource (labels as its operator sets them), and
    the cluster operator itself (its Helm chart's labels)."""
    (kafka,) = of_kind("Kafka")
    cluster = kafka["metadata"]["name"]
    base = {"strimzi.io/cluster": cluster, "strimzi.io/kind": "Kafka"}
    out = {}
    for pool in of_kind("KafkaNodePool"):
        roles = pool["spec"]["roles"]
        out[f"{cluster}-{pool['metadata']['name']}-0"] = Peer(
            f"{cluster}-{pool['metadata']['name']}-0",
            labels={
                **base,
                "strimzi.io/name": f"{cluster}-kafka",
                "strimzi.io/pool-name": pool["metadata"]["name"],
                "strimzi.io/broker-role": str("broker" in roles).lower(),
                "strimzi.io/controller-role": str("controller" in roles).lower(),
            },
        )
    for part in ("entity-operator", "kafka-exporter"):
        out[f"{cluster}-{part}"] = Peer(
            f"{cluster}-{part}", labels={**base, "strimzi.io/name": f"{cluster}-{part}"}
        )
    out["strimzi-cluster-operator"] = Peer(
        "strimzi-cluster-operator",
        labels={"name": "strimzi-cluster-operator", "strimzi.io/kind": "cluster-operator"},
    )
    return out


def strimzi_policies() -> list[dict[str, Any]]:
    """The NetworkPolicies Strimzi 0.47.0 writes for the Kafka resource."""
    (kafka,) = of_kind("Kafka")
    cluster = kafka["metadata"]["name"]
    brokers = {"strimzi.io/cluster": cluster, "strimzi.io/kind": "Kafka"}
    brokers["strimzi.io/name"] = f"{cluster}-kafka"
    operator = {"podSelector": {"matchLabels": {"strimzi.io/kind": "cluster-operator"}}}
    own = {"podSelector": {"matchLabels": brokers}}

    def named(name: str) -> dict[str, Any]:
        return {"podSelector": {"matchLabels": {"strimzi.io/name": f"{cluster}-{name}"}}}

    rules: list[dict[str, Any]] = [
        {"ports": [{"port": 9090}], "from": [own, operator]},  # KRaft control plane
        {
            "ports": [{"port": 9091}],  # replication, and Strimzi's own tools
            "from": [operator, own, named("entity-operator"), named("kafka-exporter")],
        },
        {"ports": [{"port": 8443}], "from": [operator]},  # the Kafka agent
    ]
    for listener in kafka["spec"]["kafka"]["listeners"]:
        rules.append(
            {"ports": [{"port": listener["port"]}], "from": listener.get("networkPolicyPeers", [])}
        )

    def policy(name: str, selector: dict[str, str], ingress: list[Any]) -> dict[str, Any]:
        return {
            "metadata": {"name": name},
            "spec": {
                "podSelector": {"matchLabels": selector},
                "policyTypes": ["Ingress"],
                "ingress": ingress,
            },
        }

    return [
        policy(f"{cluster}-network-policy-kafka", brokers, rules),
        policy(
            f"{cluster}-kafka-exporter",
            {**brokers, "strimzi.io/name": f"{cluster}-kafka-exporter"},
            [{"ports": [{"port": 9404}]}],
        ),
        policy(
            f"{cluster}-entity-operator",
            {**brokers, "strimzi.io/name": f"{cluster}-entity-operator"},
            [{"ports": [{"port": 8080}]}, {"ports": [{"port": 8081}]}],
        ),
    ]

"""Both deployments run pinned images (Strimzi and Kafka a pair Strimzi supports, TimescaleDB
a version tag); Kafka in deploy/k8s authenticates every client on TLS and authorizes every
request; the API and Grafana are reached over TLS only; TimescaleDB's first-start scripts
sit beside the image's own."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

from services.kafka_security import kafka_security
from tests.fixtures.paths import ROOT
from tests.unit.deploy.kafka_access import KAFKA_COMMANDS
from tests.unit.deploy.project import (
    COMPOSE_DIR,
    DEFAULTS,
    K8S_DIR,
    SCHEMAS,
    compose,
    container_env,
    containers,
    load_json,
    named,
    of_kind,
    ontrack_workloads,
    pinned,
    settings_of,
    workloads,
)

# Kafka versions each Strimzi release runs (strimzi.io/downloads, "Kafka versions")
STRIMZI_RUNS = {
    "0.45.0": {"3.8.0", "3.8.1", "3.9.0"},
    "0.45.1": {"3.8.0", "3.8.1", "3.9.0", "3.9.1"},
    "0.46.0": {"3.9.0", "4.0.0"},
    "0.46.1": {"3.9.0", "4.0.0"},
    "0.47.0": {"3.9.0", "3.9.1", "4.0.0"},
    "0.48.0": {"4.0.0", "4.1.0"},
    "0.49.0": {"4.0.0", "4.0.1", "4.1.0", "4.1.1"},
}


def strimzi_version() -> str:
    """The Strimzi release deploy/k8s/README.md installs (every mention the same)."""
    readme = (K8S_DIR / "README.md").read_text(encoding="utf-8")
    found = set(re.findall(r"strimzi-kafka-operator\s*\\?\s*--version (\S+)", readme))
    found |= set(re.findall(r"releases/download/([\d.]+)/strimzi-cluster-operator", readme))
    found |= set(re.findall(r"strimzi-cluster-operator-([\d.]+)\.yaml", readme))
    assert len(found) == 1, f"README.md installs Strimzi {sorted(found)}: one version, pinned"
    (version,) = found
    assert re.fullmatch(r"\d+\.\d+\.\d+", version), f"Strimzi {version} is not a release"
    return version


def test_strimzi_and_kafka_are_a_pair_strimzi_supports() -> None:
    (kafka,) = of_kind("Kafka")
    version = kafka["spec"]["kafka"]["version"]
    strimzi = strimzi_version()
    assert strimzi in STRIMZI_RUNS, f"Strimzi {strimzi}: add its Kafka versions to the table"
    assert version in STRIMZI_RUNS[strimzi], f"Strimzi {strimzi} does not run Kafka {version}"
    major_minor = ".".join(version.split(".")[:2])
    assert kafka["spec"]["kafka"]["metadataVersion"].startswith(major_minor + "-")
    # the CRD schemas the manifests are validated against are that release's
    for schema in (SCHEMAS / "strimzi").glob("*.json"):
        assert load_json(schema)["title"].startswith(f"Strimzi {strimzi} "), schema.name
    # and deploy/compose runs the same broker
    images = {s["image"] for s in compose()["services"].values() if "kafka" in s["image"]}
    assert images == {f"apache/kafka:{version}"}


def all_images() -> list[tuple[str, str]]:
    k8s = [
        (f"k8s {w['metadata']['name']}/{c['name']}", c["image"])
        for w in workloads()
        for c in containers(w, init=True)
    ]
    return k8s + [(f"compose {n}", s["image"]) for n, s in compose()["services"].items()]


@pytest.mark.parametrize(("where", "image"), all_images(), ids=[w for w, _ in all_images()])
def test_every_image_is_pinned_to_a_version(where: str, image: str) -> None:
    assert pinned(image), f"{where}: {image} can change under the same name; pin a version"


def test_ontrack_runs_the_projects_version_everywhere() -> None:
    project = re.search(
        r'^version = "([^"]+)"', (ROOT / "pyproject.toml").read_text(encoding="utf-8"), re.M
    )
    assert project
    kustomization = yaml.safe_load((K8S_DIR / "kustomization.yaml").read_text(encoding="utf-8"))
    (image,) = [i for i in kustomization["images"] if i["name"] == "ontrack"]
    assert image["newTag"] == project[1]
    ontrack = {i for _, i in all_images() if i.startswith("ontrack:")}
    assert ontrack == {f"ontrack:{project[1]}"}


def timescaledb_images() -> list[str]:
    (db,) = containers(named("StatefulSet", "timescaledb"))
    return [db["image"], compose()["services"]["timescaledb"]["image"]]


def test_timescaledb_is_a_timescaledb_release_on_postgresql_17() -> None:
    """Pinned to a TimescaleDB version (tests/integration/deploy checks it is the embedded
    stack's), the same in both deployments."""
    first, second = timescaledb_images()
    assert first == second
    assert re.fullmatch(r"timescale/timescaledb:\d+\.\d+\.\d+-pg17", first), first


def test_timescaledbs_first_start_scripts_sit_beside_the_images_own() -> None:
    """Mounted file by file: a volume over /docker-entrypoint-initdb.d would hide the image's
    scripts, which install TimescaleDB in the database."""
    initdb = named("ConfigMap", "timescaledb-initdb")
    statefulset = named("StatefulSet", "timescaledb")
    (db,) = containers(statefulset)
    mounts = [m for m in db["volumeMounts"] if m["mountPath"].startswith("/docker-entrypoint")]
    assert {m.get("subPath") for m in mounts} == set(initdb["data"])
    for m in mounts:
        assert m["mountPath"] == f"/docker-entrypoint-initdb.d/{m['subPath']}"
    service = compose()["services"]["timescaledb"]
    scripts = sorted(p.name for p in (COMPOSE_DIR / "timescaledb/initdb").iterdir())
    assert scripts == sorted(initdb["data"])
    mounted = [v for v in service["volumes"] if "docker-entrypoint-initdb.d" in v]
    assert mounted == [
        f"./timescaledb/initdb/{n}:/docker-entrypoint-initdb.d/{n}:ro" for n in scripts
    ]


def kafka_listener(port: int) -> dict[str, Any]:
    (kafka,) = of_kind("Kafka")
    (listener,) = [x for x in kafka["spec"]["kafka"]["listeners"] if x["port"] == port]
    return dict(listener)


def test_every_kafka_listener_authenticates_on_tls_and_every_request_is_authorized() -> None:
    (kafka,) = of_kind("Kafka")
    spec = kafka["spec"]["kafka"]
    for listener in spec["listeners"]:
        assert listener["tls"] is True, listener["name"]
        assert listener["authentication"] == {"type": "scram-sha-512"}, listener["name"]
    assert spec["authorization"]["type"] == "simple"
    assert spec["config"]["allow.everyone.if.no.acl.found"] is False
    assert "userOperator" in kafka["spec"]["entityOperator"], "KafkaUsers need the User Operator"
    for user in of_kind("KafkaUser"):
        assert user["metadata"]["labels"]["strimzi.io/cluster"] == kafka["metadata"]["name"]


@pytest.mark.parametrize("command", KAFKA_COMMANDS)
def test_ontrack_uses_the_scram_listener_and_trusts_the_cluster_ca(command: str) -> None:
    workload = ontrack_workloads()[command]
    (main,) = containers(workload)
    env = container_env(main)
    (kafka,) = of_kind("Kafka")
    name = kafka["metadata"]["name"]
    host, port = env["ONTRACK_KAFKA_BOOTSTRAP"].rsplit(":", 1)
    assert host == f"{name}-kafka-bootstrap"
    listener = kafka_listener(int(port))
    assert listener["type"] == "internal"
    s = settings_of(env)
    assert s.kafka_security_protocol == ("SASL_SSL" if listener["tls"] else "SASL_PLAINTEXT")
    assert s.kafka_sasl_mechanism == "SCRAM-SHA-512"
    # the CA file is the cluster CA's certificate, from the Secret Strimzi keeps
    cafile = Path(str(s.kafka_ssl_cafile))
    mounts = {m["mountPath"]: m["name"] for m in main["volumeMounts"]}
    volumes = {v["name"]: v for v in workload["spec"]["template"]["spec"]["volumes"]}
    volume = volumes[mounts[str(cafile.parent)]]["secret"]
    assert volume["secretName"] == f"{name}-cluster-ca-cert"
    assert {"key": "ca.crt", "path": cafile.name} in volume["items"]
    # the listener's NetworkPolicy (Strimzi's) admits these pods
    labels = workload["spec"]["template"]["metadata"]["labels"]
    peers = [p["podSelector"]["matchLabels"] for p in listener["networkPolicyPeers"]]
    assert any(all(labels.get(k) == v for k, v in peer.items()) for peer in peers)


def test_services_without_kafka_get_no_kafka_login() -> None:
    for command, workload in ontrack_workloads().items():
        env = container_env(containers(workload)[0])
        if command not in KAFKA_COMMANDS:
            assert "ONTRACK_KAFKA_SASL_USERNAME" not in env, command
        else:
            assert kafka_security(settings_of(env)).sasl is not None


def ingress_for(service: str) -> dict[str, Any]:
    (found,) = [
        i
        for i in of_kind("Ingress")
        if {p["backend"]["service"]["name"] for r in i["spec"]["rules"] for p in r["http"]["paths"]}
        == {service}
    ]
    return dict(found)


def size_bytes(value: str) -> int:
    match = re.fullmatch(r"(\d+)([kmg]?)", value.lower())
    assert match, f"{value}: not an nginx size"
    return int(match[1]) * {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30}[match[2]]


@pytest.mark.parametrize("service", ["ontrack-api", "grafana"])
def test_the_api_and_grafana_are_reached_over_tls_only(service: str) -> None:
    ingress = ingress_for(service)
    hosts = {r["host"] for r in ingress["spec"]["rules"]}
    tls_hosts = {h for t in ingress["spec"]["tls"] for h in t["hosts"]}
    assert hosts <= tls_hosts, "every host has a certificate"
    assert all(t["secretName"] for t in ingress["spec"]["tls"])
    annotations = ingress["metadata"]["annotations"]
    assert annotations["nginx.ingress.kubernetes.io/force-ssl-redirect"] == "true"
    (host,) = hosts
    if service == "ontrack-api":
        env = container_env(containers(ontrack_workloads()["api"])[0])
        public = urlsplit(env["ONTRACK_PUBLIC_URL"])
        assert (public.scheme, public.hostname) == ("https", host), "links in notifications"
        limit = annotations["nginx.ingress.kubernetes.io/proxy-body-size"]
        assert size_bytes(limit) >= DEFAULTS.max_body_bytes
    else:
        (grafana,) = containers(named("Deployment", "grafana"))
        root = {e["name"]: e.get("value") for e in grafana["env"]}["GF_SERVER_ROOT_URL"]
        assert root == f"https://{host}/"

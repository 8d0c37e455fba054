"""deploy/k8s: every manifest valid against the Kubernetes schemas (strict) or, for Strimzi's
custom resources, against schemas written from their CRDs; and every env var, ConfigMap,
Secret, port, label and metric the manifests name exists."""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import pytest
import yaml

from services.dashboards.language.words import LANGS
from tests.fixtures.paths import DATA
from tests.unit.deploy.project import (
    DEFAULTS,
    HOSTS,
    K8S_DIR,
    SCHEMAS,
    container_env,
    containers,
    grafana_vars,
    k8s_docs,
    k8s_resources,
    load_json,
    named,
    of_kind,
    ontrack_workloads,
    pod_labels,
    port_of,
    route_secret_vars,
    secret_examples,
    setting_vars,
    workloads,
)

KUBERNETES = "1.31"  # the oldest version the manifests are written for
CUSTOM = {
    "Kafka": "kafka.json",
    "KafkaNodePool": "kafkanodepool.json",
    "KafkaTopic": "kafkatopic.json",
    "KafkaUser": "kafkauser.json",
}
NOT_APPLIED = {"secrets.example.yaml", "monitoring/prometheus-adapter-values.yaml"}


def ident(doc: dict[str, Any]) -> str:
    return f"{doc['_file']}:{doc['kind']}/{doc['metadata']['name']}"


def manifest(doc: dict[str, Any]) -> dict[str, Any]:
    """The manifest as applied (a copy: the loaded documents are shared by the tests)."""
    return copy.deepcopy({k: v for k, v in doc.items() if k != "_file"})


def matches(selector: dict[str, str], labels: dict[str, str]) -> bool:
    return all(labels.get(k) == v for k, v in selector.items())


def test_kustomization_applies_every_manifest_and_nothing_missing() -> None:
    listed = set(k8s_resources())
    on_disk = {p.relative_to(K8S_DIR).as_posix() for p in K8S_DIR.rglob("*.yaml")}
    assert listed <= on_disk, f"missing: {sorted(listed - on_disk)}"
    assert on_disk - listed == NOT_APPLIED | {"kustomization.yaml"}


@pytest.mark.parametrize("doc", [d for d in k8s_docs() if d["kind"] not in CUSTOM], ids=ident)
def test_builtin_kinds_are_valid_against_the_kubernetes_schemas(doc: dict[str, Any]) -> None:
    kubernetes_validate.validate(manifest(doc), KUBERNETES, strict=True)
    assert doc["metadata"].get("namespace") == "ontrack" or doc["kind"] == "Namespace"


@pytest.mark.parametrize("doc", [d for d in k8s_docs() if d["kind"] in CUSTOM], ids=ident)
def test_strimzi_resources_are_valid_against_their_crd_schemas(doc: dict[str, Any]) -> None:
    schema = load_json(SCHEMAS / "strimzi" / CUSTOM[doc["kind"]])
    jsonschema.validate(manifest(doc), schema, cls=jsonschema.Draft202012Validator)


def test_the_schemas_catch_a_misspelt_field() -> None:
    deployment = manifest(named("Deployment", "ontrack-api"))
    broken = yaml.safe_load(yaml.safe_dump(deployment).replace("readinessProbe", "readynessProbe"))
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, KUBERNETES, strict=True)
    topic = manifest(named("KafkaTopic", "readings"))
    topic["spec"]["partition"] = topic["spec"].pop("partitions")
    assert not jsonschema.Draft202012Validator(
        load_json(SCHEMAS / "strimzi/kafkatopic.json")
    ).is_valid(topic)
    user = manifest(named("KafkaUser", "ontrack-api"))
    user["spec"]["authorization"]["acls"][0]["operations"] = ["Wirte"]
    assert not jsonschema.Draft202012Validator(
        load_json(SCHEMAS / "strimzi/kafkauser.json")
    ).is_valid(user)
    (kafka,) = [manifest(k) for k in of_kind("Kafka")]
    kafka["spec"]["kafka"]["listeners"][0]["authentification"] = {"type": "scram-sha-512"}
    assert not jsonschema.Draft202012Validator(load_json(SCHEMAS / "strimzi/kafka.json")).is_valid(
        kafka
    )


def test_secret_examples_are_valid_and_never_applied() -> None:
    for doc in yaml.safe_load_all((K8S_DIR / "secrets.example.yaml").read_text(encoding="utf-8")):
        kubernetes_validate.validate(doc, KUBERNETES, strict=True)
        assert all("CHANGE-ME" in v for v in doc["stringData"].values()), "placeholders only"


@pytest.mark.parametrize("command", sorted(ontrack_workloads()))
def test_ontrack_env_vars_are_settings_or_route_secrets(command: str) -> None:
    known = setting_vars() | route_secret_vars()
    for container in containers(ontrack_workloads()[command], init=True):
        env = container_env(container)
        unknown = sorted(k for k in env if k.startswith("ONTRACK_") and k not in known)
        assert not unknown, f"{command}/{container['name']}: not Settings fields: {unknown}"


def test_every_secret_the_routes_name_is_in_the_ontrack_secret() -> None:
    assert route_secret_vars() | {"ONTRACK_DATABASE_URL"} <= set(
        secret_examples()["ontrack-secrets"]
    )


def test_grafana_gets_exactly_the_variables_its_provisioning_expands() -> None:
    (grafana,) = containers(named("Deployment", "grafana"))
    env = container_env(grafana)
    assert {k for k in env if k.startswith("ONTRACK_")} == grafana_vars()
    mounts = {m["mountPath"]: m["name"] for m in grafana["volumeMounts"]}
    volumes = volumes_of(named("Deployment", "grafana"))
    for lang in LANGS:  # the providers read ONTRACK_DASHBOARDS_DIR/<lang>
        mounted = volumes[mounts[f"{env['ONTRACK_DASHBOARDS_DIR']}/{lang}"]]
        assert mounted == {"name": f"grafana-dashboards-{lang.lower()}"}


def volumes_of(workload: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        v["name"]: v.get("configMap") or v.get("secret") or {}
        for v in workload["spec"]["template"]["spec"].get("volumes", [])
    }


def test_every_configmap_and_secret_referenced_exists_with_the_keys_used() -> None:
    configmaps = {d["metadata"]["name"]: d for d in of_kind("ConfigMap")}
    for workload in workloads():
        for volume in workload["spec"]["template"]["spec"].get("volumes", []):
            if "configMap" in volume:
                name = volume["configMap"]["name"]
                assert name in configmaps, f"{ident(workload)}: no ConfigMap {name}"
                for item in volume["configMap"].get("items", []):
                    assert item["key"] in configmaps[name]["data"]
        for container in containers(workload, init=True):
            for source in container.get("envFrom", []):
                if "configMapRef" in source:
                    assert source["configMapRef"]["name"] in configmaps
                else:
                    assert source["secretRef"]["name"] in secret_examples(), ident(workload)
            by_name = {m["name"]: m for m in container.get("volumeMounts", [])}
            for mount in by_name.values():
                sub = mount.get("subPath")
                ref = volumes_of(workload).get(mount["name"], {})
                if sub and "name" in ref:
                    assert sub in configmaps[ref["name"]]["data"], f"{ident(workload)}: {sub}"


@pytest.mark.parametrize("command", sorted(ontrack_workloads()))
def test_config_paths_are_the_mounted_configmaps(command: str) -> None:
    """ONTRACK_PLANS_DIR & co. point at mounts of the ConfigMaps generated from plans/ & co."""
    workload = ontrack_workloads()[command]
    wanted = {
        "ONTRACK_PLANS_DIR": "ontrack-plans",
        "ONTRACK_RULES_DIR": "ontrack-rules",
        "ONTRACK_ROUTES_DIR": "ontrack-routes",
        "ONTRACK_CATALOGUE_PATH": "ontrack-catalogue",
    }
    volumes = volumes_of(workload)
    for container in containers(workload):
        env = container_env(container)
        mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
        for var, configmap in wanted.items():
            path = Path(env[var])
            mount = str(path) if var.endswith("_DIR") else str(path.parent)
            assert mount in mounts, f"{command}: {var}={path} is not a mount"
            assert volumes[mounts[mount]]["name"] == configmap
            if var.endswith("_PATH"):
                assert path.name in named("ConfigMap", configmap)["data"]


# What each ontrack command's port serves for probes: the API tells alive (/livez) from
# ready to take readings (/readyz, Kafka only); the others serve /healthz and /metrics.
PROBES = {
    "api": {"readinessProbe": "/readyz", "livenessProbe": "/livez", "startupProbe": "/livez"},
    "worker": {"readinessProbe": "/readyz", "livenessProbe": "/livez", "startupProbe": "/livez"},
    "alerts": {"readinessProbe": "/readyz", "livenessProbe": "/livez", "startupProbe": "/livez"},
    "notify": {"readinessProbe": "/readyz", "livenessProbe": "/livez", "startupProbe": "/livez"},
}


@pytest.mark.parametrize("workload", [w for w in workloads() if w["kind"] != "Job"], ids=ident)
def test_probes_ask_the_health_endpoints_on_declared_ports(workload: dict[str, Any]) -> None:
    for container in containers(workload):
        ports = {p["name"]: p["containerPort"] for p in container["ports"]}
        for kind in ("readinessProbe", "livenessProbe"):
            probe = container[kind]
            if "httpGet" in probe:
                assert probe["httpGet"]["port"] in ports, f"{ident(workload)}: {kind}"
            else:
                assert "exec" in probe
        if container["image"].startswith("ontrack:"):
            for kind, path in PROBES[container["args"][0]].items():
                assert container[kind]["httpGet"]["path"] == path, f"{ident(workload)}: {kind}"


@pytest.mark.parametrize("command", sorted(ontrack_workloads()))
def test_ontrack_containers_listen_on_all_interfaces_at_their_declared_port(command: str) -> None:
    (main,) = containers(ontrack_workloads()[command])
    env = container_env(main)
    assert main["args"] == [command]
    assert env[HOSTS[command]] == "0.0.0.0"
    assert [p["containerPort"] for p in main["ports"]] == [port_of(command, env)]


def test_one_job_migrates_and_every_pod_waits_for_its_schema() -> None:
    """The schema is migrated by one Job, never by a Deployment; each ontrack pod starts once
    no migration is pending (an init container that waits, then exits 0)."""
    migrating = [
        (w, c)
        for w in workloads()
        for c in containers(w, init=True)
        if c["image"].startswith("ontrack:") and c["args"][:2] == ["db", "migrate"]
    ]
    assert [(w["kind"], w["metadata"]["name"]) for w, _ in migrating] == [
        ("Job", "ontrack-migrate")
    ]
    job = named("Job", "ontrack-migrate")
    assert job["spec"]["template"]["spec"]["restartPolicy"] == "Never"
    assert job["spec"]["backoffLimit"] >= 1
    (migrate,) = containers(job)
    assert container_env(migrate)["ONTRACK_DATABASE_URL"].startswith("postgresql://")
    for command, workload in ontrack_workloads().items():
        (wait,) = workload["spec"]["template"]["spec"]["initContainers"]
        assert wait["args"][:3] == ["db", "status", "--wait"], command
        assert float(wait["args"][3]) >= 300, f"{command}: long enough for a migration"
        assert wait["image"] == containers(workload)[0]["image"] == migrate["image"]
        assert (
            container_env(wait)["ONTRACK_DATABASE_URL"]
            == container_env(migrate)["ONTRACK_DATABASE_URL"]
        )


def test_services_pdbs_and_hpas_point_at_real_pods() -> None:
    pods = [(pod_labels(w), w) for w in workloads()]
    for service in of_kind("Service"):
        found = [w for labels, w in pods if matches(service["spec"]["selector"], labels)]
        assert found, f"{ident(service)} selects no pod"
        names = {p["name"] for w in found for c in containers(w) for p in c["ports"]}
        for port in service["spec"]["ports"]:
            assert port["targetPort"] in names, f"{ident(service)}: {port['targetPort']}"
    hpas = {h["spec"]["scaleTargetRef"]["name"]: h for h in of_kind("HorizontalPodAutoscaler")}
    for pdb in of_kind("PodDisruptionBudget"):
        (workload,) = [
            w for labels, w in pods if matches(pdb["spec"]["selector"]["matchLabels"], labels)
        ]
        name = workload["metadata"]["name"]
        replicas = (
            hpas[name]["spec"]["minReplicas"] if name in hpas else workload["spec"]["replicas"]
        )
        assert replicas >= 2, f"{ident(pdb)} would block every drain of a single pod"
    for name, hpa in hpas.items():
        target = named(hpa["spec"]["scaleTargetRef"]["kind"], name)
        assert "replicas" not in target["spec"], f"{name}: the HPA owns the replica count"


def test_alert_engines_run_two_replicas_replaced_one_at_a_time() -> None:
    engines = ontrack_workloads()["alerts"]["spec"]
    assert engines["replicas"] == 2
    assert engines["strategy"]["rollingUpdate"] == {"maxSurge": 1, "maxUnavailable": 0}


def as_meta_labels(labels: dict[str, str]) -> dict[str, str]:
    """Pod labels as Kubernetes service discovery names them for relabelling."""
    return {"__meta_kubernetes_pod_label_" + re.sub(r"\W", "_", k): v for k, v in labels.items()}


def readings_topic() -> dict[str, Any]:
    (topic,) = [
        t
        for t in of_kind("KafkaTopic")
        if t["spec"].get("topicName", t["metadata"]["name"]) == DEFAULTS.topic_readings
    ]
    return topic


def test_kafka_topics_are_ontracks_replicated_three_ways_on_the_cluster() -> None:
    (kafka,) = of_kind("Kafka")
    env = container_env(containers(ontrack_workloads()["api"])[0])
    topics = {t["spec"].get("topicName", t["metadata"]["name"]): t for t in of_kind("KafkaTopic")}
    group = env.get("ONTRACK_CONSUMER_GROUP", DEFAULTS.consumer_group)
    assert set(topics) == {
        DEFAULTS.topic_readings,
        DEFAULTS.topic_dlq,
        DEFAULTS.topic_aggregates,
        f"{group}-__assignor-__leader",
    }
    for topic in topics.values():
        assert topic["metadata"]["labels"]["strimzi.io/cluster"] == kafka["metadata"]["name"]
        assert topic["spec"]["replicas"] == 3
        assert topic["spec"]["config"]["min.insync.replicas"] == 2
    (pool,) = of_kind("KafkaNodePool")
    assert pool["spec"]["replicas"] >= 3 and set(pool["spec"]["roles"]) == {"broker", "controller"}
    assert kafka["spec"]["kafka"]["config"]["min.insync.replicas"] == 2


def test_the_worker_hpa_follows_the_stream_groups_lag_up_to_one_worker_per_partition() -> None:
    hpa = named("HorizontalPodAutoscaler", "ontrack-worker")
    assert hpa["spec"]["maxReplicas"] <= readings_topic()["spec"]["partitions"]
    (metric,) = hpa["spec"]["metrics"]
    external = metric["external"]["metric"]
    env = container_env(containers(ontrack_workloads()["worker"])[0])
    assert external["selector"]["matchLabels"] == {
        "consumergroup": env.get("ONTRACK_CONSUMER_GROUP", DEFAULTS.consumer_group),
        "topic": env.get("ONTRACK_TOPIC_READINGS", DEFAULTS.topic_readings),
    }
    adapter = yaml.safe_load(
        (K8S_DIR / "monitoring/prometheus-adapter-values.yaml").read_text(encoding="utf-8")
    )
    served = {rule["name"]["as"] for rule in adapter["rules"]["external"]}
    assert external["name"] in served
    (kafka,) = of_kind("Kafka")
    assert "kafkaExporter" in kafka["spec"], "the lag comes from Strimzi's Kafka Exporter"


def test_prometheus_scrapes_every_job_of_the_rules_from_real_pods_and_ports() -> None:
    config = yaml.safe_load(named("ConfigMap", "prometheus-config")["data"]["prometheus.yml"])
    embedded = yaml.safe_load((DATA / "prometheus/prometheus.yml").read_text(encoding="utf-8"))
    jobs = {job["job_name"]: job for job in config["scrape_configs"]}
    assert {j["job_name"] for j in embedded["scrape_configs"]} <= set(jobs)
    for name, job in jobs.items():
        if "kubernetes_sd_configs" not in job:
            continue
        keep = {
            r["source_labels"][0]: r["regex"]
            for r in job["relabel_configs"]
            if r.get("action") == "keep"
        }
        port_name = keep.pop("__meta_kubernetes_pod_container_port_name")
        if name == "kafka-exporter":
            (kafka,) = of_kind("Kafka")
            exporter = {"strimzi.io/name": f"{kafka['metadata']['name']}-kafka-exporter"}
            assert keep == as_meta_labels(exporter)
            assert port_name == "tcp-prometheus"  # the port Strimzi gives its exporter
            continue
        found = [w for w in workloads() if matches(keep, as_meta_labels(pod_labels(w)))]
        assert len(found) == 1, f"{name}: keeps {keep}, matching {len(found)} workloads"
        (main,) = containers(found[0])
        assert port_name in {p["name"] for p in main["ports"]}, f"{name}: no port {port_name}"
        assert name == f"ontrack-{main['args'][0]}"
    prometheus = named("Deployment", "prometheus")
    (container,) = containers(prometheus)
    mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
    assert volumes_of(prometheus)[mounts["/etc/prometheus/rules"]] == {"name": "prometheus-rules"}
    assert config["rule_files"] == ["/etc/prometheus/rules/*.yml"]

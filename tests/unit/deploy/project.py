"""What the deployment files may refer to: the project's settings, ports, env vars and files,
and the deployment files themselves, loaded once."""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from services.alerts.notify.routing.file import load_routes
from services.alerts.notify.routing.tree import missing_env
from services.settings import Settings
from tests.fixtures.paths import DATA, ROOT

COMPOSE_DIR = ROOT / "deploy/compose"
K8S_DIR = ROOT / "deploy/k8s"
SCHEMAS = Path(__file__).parent / "schemas"
DEFAULTS = Settings()

# The port each ontrack command listens on: (setting, env var of its flag).
PORTS = {
    "api": ("api_port", "ONTRACK_API_PORT"),
    "worker": ("worker_web_port", "ONTRACK_WORKER_WEB_PORT"),
    "alerts": ("alerts_web_port", "ONTRACK_ALERTS_WEB_PORT"),
    "notify": ("notify_web_port", "ONTRACK_NOTIFY_WEB_PORT"),
}
HOSTS = {
    "api": "ONTRACK_API_HOST",
    "worker": "ONTRACK_WORKER_WEB_HOST",
    "alerts": "ONTRACK_ALERTS_WEB_HOST",
    "notify": "ONTRACK_NOTIFY_WEB_HOST",
}


def setting_vars() -> set[str]:
    """``ONTRACK_<FIELD>`` for every field of services.settings.Settings."""
    return {f"ONTRACK_{name.upper()}" for name in Settings.model_fields}


def route_secret_vars() -> set[str]:
    """The env vars the routes' receivers read their secrets from."""
    return {m.split(": ", 1)[1] for m in missing_env(load_routes(DATA / "routes"), {})}


@cache
def grafana_vars() -> set[str]:
    """The ``${VAR}`` the Grafana provisioning files expand."""
    found: set[str] = set()
    for path in (ROOT / "deploy/grafana/provisioning").rglob("*.yml"):
        found |= set(re.findall(r"\$\{(\w+)\}", path.read_text(encoding="utf-8")))
    return found


def port_of(command: str, env: dict[str, str]) -> int:
    """The port ``ontrack <command>`` listens on with this environment."""
    field, var = PORTS[command]
    return int(env.get(var, getattr(DEFAULTS, field)))


def read_env_file(path: Path) -> dict[str, str]:
    """KEY=value lines (comments and blank lines skipped), as compose and kubectl read them."""
    out = {}
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        assert "=" in line, f"{path}:{n}: not KEY=value: {line!r}"
        key, value = line.split("=", 1)
        out[key.strip()] = value.strip()
    return out


def load_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


# --- compose ---------------------------------------------------------------------------

_VAR = re.compile(r"\$\{(\w+)(?::?-([^}]*))?\}")


def interpolate(text: str) -> str:
    """Compose's ``${VAR:-default}`` with nothing set: every variable takes its default."""

    def sub(m: re.Match[str]) -> str:
        assert m.group(2) is not None, f"${{{m.group(1)}}} has no default: compose needs .env"
        return m.group(2)

    return _VAR.sub(sub, text)


@cache
def compose_text() -> str:
    return (COMPOSE_DIR / "docker-compose.yml").read_text(encoding="utf-8")


@cache
def compose() -> dict[str, Any]:
    doc = yaml.safe_load(interpolate(compose_text()))
    assert isinstance(doc, dict)
    return doc


def ontrack_services() -> dict[str, dict[str, Any]]:
    """Compose services that run the ontrack image, by name, with their ontrack command."""
    return {
        name: svc
        for name, svc in compose()["services"].items()
        if str(svc.get("image", "")).startswith("ontrack:")
    }


def compose_env(service: dict[str, Any], *, examples: bool = True) -> dict[str, str]:
    """A service's environment: Dockerfile ENV (ontrack's image), env files, ``environment``."""
    env: dict[str, str] = {}
    if str(service.get("image", "")).startswith("ontrack:"):
        env |= dockerfile_env()
    for entry in service.get("env_file", []):
        path = COMPOSE_DIR / (entry["path"] if isinstance(entry, dict) else entry)
        if examples and not path.exists():
            path = path.with_name(path.name + ".example")
        env |= read_env_file(path)
    environment = service.get("environment", {})
    if isinstance(environment, list):
        environment = dict(item.split("=", 1) for item in environment)
    return env | {k: str(v) for k, v in environment.items()}


# --- Dockerfile ------------------------------------------------------------------------


@cache
def dockerfile() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of the Dockerfile, continuation lines joined."""
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8").replace("\\\n", " ")
    out = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            out.append((word.upper(), rest.strip()))
    return out


def dockerfile_env() -> dict[str, str]:
    env = {}
    for word, rest in dockerfile():
        if word == "ENV":
            env |= dict(re.findall(r"(\w+)=(\S+)", rest))
    return env


# --- Kubernetes ------------------------------------------------------------------------


@cache
def k8s_resources() -> tuple[str, ...]:
    kustomization = yaml.safe_load((K8S_DIR / "kustomization.yaml").read_text(encoding="utf-8"))
    return tuple(kustomization["resources"])


@cache
def k8s_docs() -> tuple[dict[str, Any], ...]:
    """Every manifest kustomization.yaml applies, each with ``_file`` (relative path)."""
    docs = []
    for resource in k8s_resources():
        for doc in yaml.safe_load_all((K8S_DIR / resource).read_text(encoding="utf-8")):
            if doc:
                docs.append({**doc, "_file": resource})
    return tuple(docs)


def of_kind(kind: str) -> list[dict[str, Any]]:
    return [d for d in k8s_docs() if d["kind"] == kind]


def named(kind: str, name: str) -> dict[str, Any]:
    found = [d for d in of_kind(kind) if d["metadata"]["name"] == name]
    assert len(found) == 1, f"{kind}/{name}: {len(found)} manifests"
    return found[0]


def pod_labels(workload: dict[str, Any]) -> dict[str, str]:
    return dict(workload["spec"]["template"]["metadata"]["labels"])


def containers(workload: dict[str, Any], *, init: bool = False) -> list[dict[str, Any]]:
    spec = workload["spec"]["template"]["spec"]
    return list(spec["containers"]) + (list(spec.get("initContainers", [])) if init else [])


@cache
def secret_examples() -> dict[str, dict[str, str]]:
    """Secret name → its keys and placeholder values (deploy/k8s/secrets.example.yaml)."""
    text = (K8S_DIR / "secrets.example.yaml").read_text(encoding="utf-8")
    return {d["metadata"]["name"]: dict(d["stringData"]) for d in yaml.safe_load_all(text) if d}


def operator_secrets() -> dict[str, set[str]]:
    """Secrets Strimzi writes, with their keys: one per KafkaUser (its SCRAM password) and
    the cluster CA's certificate."""
    (kafka,) = of_kind("Kafka")
    out = {f"{kafka['metadata']['name']}-cluster-ca-cert": {"ca.crt", "ca.p12", "ca.password"}}
    for user in of_kind("KafkaUser"):
        out[user["metadata"]["name"]] = {"password", "sasl.jaas.config"}
    return out


def secret_value(ref: dict[str, str]) -> str:
    """A placeholder for a ``secretKeyRef``, after checking the Secret and key will exist."""
    name, key = ref["name"], ref["key"]
    if name in secret_examples():
        assert key in secret_examples()[name], f"Secret {name} has no key {key}"
        return secret_examples()[name][key]
    assert key in operator_secrets().get(name, set()), f"no Secret {name} with key {key}"
    return f"<{name}/{key}>"


def container_env(container: dict[str, Any]) -> dict[str, str]:
    """What a container's environment holds: Dockerfile ENV (ontrack's image), envFrom
    ConfigMaps and Secrets (their example values), and ``env`` (a placeholder for a value
    from a Secret that Strimzi writes)."""
    env: dict[str, str] = {}
    if container["image"].startswith("ontrack:"):
        env |= dockerfile_env()
    for source in container.get("envFrom", []):
        if "configMapRef" in source:
            env |= named("ConfigMap", source["configMapRef"]["name"])["data"]
        else:
            env |= secret_examples()[source["secretRef"]["name"]]
    for entry in container.get("env", []):
        if "value" in entry:
            env[entry["name"]] = entry["value"]
        else:
            env[entry["name"]] = secret_value(entry["valueFrom"]["secretKeyRef"])
    return env


def settings_of(env: dict[str, str]) -> Settings:
    """The Settings an ontrack process builds from this environment."""
    fields = {
        k.removeprefix("ONTRACK_").lower(): v
        for k, v in env.items()
        if k.startswith("ONTRACK_") and k.removeprefix("ONTRACK_").lower() in Settings.model_fields
    }
    return Settings(**fields)


def ontrack_workloads() -> dict[str, dict[str, Any]]:
    """The Deployments running ``ontrack <command>``, by command."""
    out = {}
    for d in of_kind("Deployment"):
        (main,) = containers(d)
        if main["image"].startswith("ontrack:"):
            out[main["args"][0]] = d
    return out


def workloads() -> list[dict[str, Any]]:
    """Everything that runs pods: Deployments, StatefulSets, Jobs."""
    return [d for d in k8s_docs() if d["kind"] in ("Deployment", "StatefulSet", "Job")]


# --- images ----------------------------------------------------------------------------

PINNED = re.compile(r"^[\w./-]+:[\w.-]*\d+\.\d+\.\d+[\w.-]*$")


def pinned(image: str) -> bool:
    """A tag with a whole version (major.minor.patch), so the image cannot change under it."""
    return bool(PINNED.match(image)) and not image.endswith(":latest")

"""deploy/compose/docker-compose.yml: valid against the Compose Specification's schema, and
every env var, file, port, topic and scrape target it names exists in the project."""

from __future__ import annotations

import fnmatch
import re
from urllib.parse import urlsplit

import jsonschema
import pytest
import yaml

from tests.fixtures.paths import DATA
from tests.unit.deploy.project import (
    COMPOSE_DIR,
    DEFAULTS,
    HOSTS,
    SCHEMAS,
    compose,
    compose_env,
    compose_text,
    grafana_vars,
    interpolate,
    load_json,
    ontrack_services,
    port_of,
    read_env_file,
    route_secret_vars,
    setting_vars,
)

KAFKA = ("kafka-1", "kafka-2", "kafka-3")


def command_of(service: dict[str, object]) -> str:
    command = service["command"]
    assert isinstance(command, list)
    return str(command[0])


def long_running() -> dict[str, dict[str, object]]:
    """The ontrack services that serve HTTP (all but the one-shot migration)."""
    return {n: s for n, s in ontrack_services().items() if command_of(s) != "db"}


def test_the_file_is_valid_against_the_compose_specification() -> None:
    schema = load_json(SCHEMAS / "compose-spec.json")
    validator = jsonschema.Draft202012Validator(schema)
    errors = sorted(validator.iter_errors(compose()), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors)


def test_the_schema_check_catches_a_misspelt_key() -> None:
    schema = load_json(SCHEMAS / "compose-spec.json")
    broken = yaml.safe_load(interpolate(compose_text().replace("healthcheck:", "healthchek:", 1)))
    assert not jsonschema.Draft202012Validator(schema).is_valid(broken)


def test_every_variable_has_a_default_so_no_dot_env_is_needed() -> None:
    interpolate(compose_text())  # raises on a ${VAR} without a default


@pytest.mark.parametrize("name", sorted(ontrack_services()))
def test_ontrack_env_vars_are_settings_or_route_secrets(name: str) -> None:
    known = setting_vars() | route_secret_vars()
    env = compose_env(ontrack_services()[name])
    unknown = sorted(k for k in env if k.startswith("ONTRACK_") and k not in known)
    assert not unknown, f"{name}: not fields of services.settings.Settings: {unknown}"


def test_every_secret_the_routes_name_is_in_the_secrets_file() -> None:
    example = read_env_file(COMPOSE_DIR / "secrets/ontrack.env.example")
    assert route_secret_vars() <= set(example)
    assert "ONTRACK_DATABASE_URL" in example


def test_grafana_gets_exactly_the_variables_its_provisioning_expands() -> None:
    env = compose_env(compose()["services"]["grafana"])
    assert {k for k in env if k.startswith("ONTRACK_")} == grafana_vars()


def test_the_database_url_points_at_the_timescaledb_service() -> None:
    db = compose_env(compose()["services"]["timescaledb"])
    url = urlsplit(
        read_env_file(COMPOSE_DIR / "secrets/ontrack.env.example")["ONTRACK_DATABASE_URL"]
    )
    assert (url.hostname, url.port, url.username) == ("timescaledb", 5432, db["POSTGRES_USER"])
    assert url.path == "/" + db["POSTGRES_DB"]


def test_env_files_exist_or_have_an_example_and_secrets_are_never_committed() -> None:
    ignore = (COMPOSE_DIR / "secrets/.gitignore").read_text(encoding="utf-8").split()
    for service in compose()["services"].values():
        for entry in service.get("env_file", []):
            path = COMPOSE_DIR / entry["path"]
            if path.parent.name == "secrets":
                assert path.with_name(path.name + ".example").is_file(), path
                assert any(fnmatch.fnmatch(path.name, p) for p in ignore if p[0] != "!")
            else:
                assert path.is_file(), path


def test_every_mounted_file_or_directory_exists() -> None:
    for name, service in compose()["services"].items():
        for volume in service.get("volumes", []):
            source = volume.split(":", 1)[0]
            if source.startswith("."):
                assert (COMPOSE_DIR / source).exists(), f"{name}: {source} is not in the repository"
            else:
                assert source in compose()["volumes"], f"{name}: volume {source} is not declared"
    assert (
        COMPOSE_DIR / compose()["services"]["migrate"]["build"]["context"] / "Dockerfile"
    ).is_file()


@pytest.mark.parametrize("name", sorted(long_running()))
def test_ontrack_services_listen_on_all_interfaces_at_the_port_the_file_uses(name: str) -> None:
    service = long_running()[name]
    command = command_of(service)
    env = compose_env(service)
    assert env[HOSTS[command]] == "0.0.0.0", f"{name}: Prometheus could not scrape it"
    port = port_of(command, env)
    assert service["expose"] == [str(port)]
    # each is healthy while it can do its job (/readyz): the API while it can take readings
    # into Kafka, the others while they reach what they need
    path = "/readyz"
    assert f"http://127.0.0.1:{port}{path}" in " ".join(service["healthcheck"]["test"])


def test_replicas_api_behind_a_proxy_and_two_engines() -> None:
    services = compose()["services"]
    assert int(services["api"]["deploy"]["replicas"]) >= 2
    assert int(services["alerts"]["deploy"]["replicas"]) == 2
    assert int(services["worker"]["deploy"]["replicas"]) >= 2
    assert "ports" not in services["api"]  # reached through the proxy only
    haproxy = (COMPOSE_DIR / "haproxy/haproxy.cfg").read_text(encoding="utf-8")
    api_port = port_of("api", compose_env(services["api"]))
    assert re.search(rf"server-template api- \d+ api:{api_port} check", haproxy)
    assert "option httpchk GET /readyz" in haproxy  # a database outage keeps it in the pool
    assert services["proxy"]["ports"] == [f"{api_port}:{api_port}"]
    assert f"bind :{api_port}\n" in haproxy


def test_ontrack_starts_after_its_topics_and_schema() -> None:
    services = compose()["services"]
    for name, service in long_running().items():
        assert service["depends_on"] == {
            "kafka-init": {"condition": "service_completed_successfully"},
            "migrate": {"condition": "service_completed_successfully"},
        }, name
    assert services["migrate"]["command"] == ["db", "migrate"]
    assert services["migrate"]["depends_on"] == {"timescaledb": {"condition": "service_healthy"}}


def listeners(env: dict[str, str], key: str) -> dict[str, str]:
    """Listener name → its host:port (or security protocol, for the protocol map)."""
    return dict(x.split("://" if "://" in x else ":", 1) for x in env[key].split(","))


def test_three_kraft_brokers_replicate_three_ways_and_acknowledge_with_two() -> None:
    services = compose()["services"]
    voters = set()
    for n, name in enumerate(KAFKA, 1):
        env = compose_env(services[name])
        assert int(env["KAFKA_NODE_ID"]) == n
        assert listeners(env, "KAFKA_ADVERTISED_LISTENERS") == {
            "CLIENT": f"{name}:9092",
            "BROKER": f"{name}:9094",
        }
        assert int(env["KAFKA_DEFAULT_REPLICATION_FACTOR"]) == 3
        assert int(env["KAFKA_MIN_INSYNC_REPLICAS"]) == 2
        assert int(env["KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR"]) == 3
        voters |= set(env["KAFKA_CONTROLLER_QUORUM_VOTERS"].split(","))
    assert voters == {f"{n}@{name}:9093" for n, name in enumerate(KAFKA, 1)}
    bootstrap = compose_env(ontrack_services()["api"])["ONTRACK_KAFKA_BOOTSTRAP"]
    assert bootstrap.split(",") == [f"{name}:9092" for name in KAFKA]
    assert compose_env(ontrack_services()["api"])["ONTRACK_TOPIC_REPLICATION_FACTOR"] == "3"


def test_kafka_init_creates_the_topics_ontrack_uses() -> None:
    script = (COMPOSE_DIR / "kafka/create-topics.sh").read_text(encoding="utf-8")
    created = dict(re.findall(r"^ensure (\S+) (\S+)", script, re.MULTILINE))
    env = compose_env(ontrack_services()["api"])

    def topic(field: str) -> str:
        return env.get(f"ONTRACK_{field.upper()}", getattr(DEFAULTS, field))

    group = env.get("ONTRACK_CONSUMER_GROUP", DEFAULTS.consumer_group)
    assert set(created) == {
        topic("topic_readings"),
        topic("topic_dlq"),
        topic("topic_aggregates"),
        f"{group}-__assignor-__leader",
    }
    assert "--replication-factor 3" in script and "min.insync.replicas=2" in script
    # no more workers than partitions: the extra ones would idle
    partitions = int(compose()["services"]["kafka-init"]["environment"]["READINGS_PARTITIONS"])
    assert partitions >= int(compose()["services"]["worker"]["deploy"]["replicas"])


def test_prometheus_scrapes_every_job_of_the_rules_at_real_services_and_ports() -> None:
    config = yaml.safe_load((COMPOSE_DIR / "prometheus/prometheus.yml").read_text(encoding="utf-8"))
    embedded = yaml.safe_load((DATA / "prometheus/prometheus.yml").read_text(encoding="utf-8"))
    jobs = {job["job_name"]: job for job in config["scrape_configs"]}
    assert {j["job_name"] for j in embedded["scrape_configs"]} <= set(jobs)
    services = compose()["services"]
    for name, job in jobs.items():
        for sd in job.get("dns_sd_configs", []):
            (target,) = sd["names"]
            service = services[target]
            assert sd["port"] == port_of(command_of(service), compose_env(service)), name
            assert name == f"ontrack-{command_of(service)}"
        for static in job.get("static_configs", []):
            for address in static["targets"]:
                host, port = address.rsplit(":", 1)
                if host == "localhost":
                    continue
                assert host in services, f"{name}: no service {host}"
                listening = {p.split(":")[-1] for p in services[host].get("ports", [])}
                if host == "proxy":
                    cfg = (COMPOSE_DIR / "haproxy/haproxy.cfg").read_text(encoding="utf-8")
                    listening |= set(re.findall(r"^\s*bind :(\d+)", cfg, re.MULTILINE))
                assert port in listening, f"{name}: {host} does not listen on {port}"
    (am,) = config["alerting"]["alertmanagers"][0]["static_configs"][0]["targets"]
    assert am == "alertmanager:9093"
    assert config["rule_files"] == ["/etc/prometheus/rules/*.yml"]
    rules = "../../services/data/prometheus/rules:/etc/prometheus/rules:ro"
    assert rules in services["prometheus"]["volumes"]

"""Kafka principals and ACLs of both deployments: each ontrack service logs in as a principal
of its own whose ACLs allow what its code does (topics and groups derived from its settings
and code, not listed here) and nothing it does not; compose and Kubernetes grant the same;
the provider's principal may write `readings` and nothing else.

The embedded stack's broker cannot do SASL or ACLs: these checks are offline, against the
files, with Kafka's matching rules (kafka_access.Acl)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import certifi
import pytest

from services.kafka_security import kafka_security
from services.settings import Settings
from tests.unit.deploy.kafka_access import (
    CLUSTER,
    KAFKA_COMMANDS,
    Acl,
    Need,
    allowed,
    compose_acls,
    compose_principals,
    k8s_acls,
    needs,
)
from tests.unit.deploy.project import (
    COMPOSE_DIR,
    DEFAULTS,
    compose,
    compose_env,
    container_env,
    containers,
    ontrack_services,
    ontrack_workloads,
    read_env_file,
    settings_of,
)

ACLS: dict[str, Callable[[], dict[str, set[Acl]]]] = {"compose": compose_acls, "k8s": k8s_acls}


def service_envs(where: str) -> dict[str, dict[str, str]]:
    """The environment of each ontrack command that uses Kafka, in one deployment."""
    if where == "compose":
        by_command = {s["command"][0]: s for s in ontrack_services().values()}
        return {c: compose_env(by_command[c]) for c in KAFKA_COMMANDS}
    return {c: container_env(containers(ontrack_workloads()[c])[0]) for c in KAFKA_COMMANDS}


def login(env: dict[str, str]) -> tuple[str, Settings]:
    s = settings_of(env)
    if s.kafka_ssl_cafile is not None:  # a mounted Secret there (test_k8s checks): a CA here
        s = s.model_copy(update={"kafka_ssl_cafile": Path(certifi.where())})
    sec = kafka_security(s)  # raises when the environment cannot work
    assert sec.protocol.startswith("SASL_") and sec.sasl is not None
    assert sec.sasl.mechanism == "SCRAM-SHA-512"
    return sec.sasl.username, s


@pytest.mark.parametrize("command", KAFKA_COMMANDS)
@pytest.mark.parametrize("where", sorted(ACLS))
def test_each_service_may_do_what_its_code_does(
    where: str, command: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    principal, s = login(service_envs(where)[command])
    acls = ACLS[where]()
    assert principal in acls, f"{where}: {command} logs in as {principal}, who has no ACLs"
    wanted = needs(command, s, monkeypatch)
    missing = sorted(n for n in wanted if not allowed(acls[principal], n))
    assert not missing, f"{where}: {principal} may not {missing}"


def justified(acl: Acl, wanted: set[Need]) -> bool:
    """Some need is on a resource the ACL matches, with its operation (or Describe)."""
    return any(
        acl.allows(resource, name, acl.operation) and acl.operation in (op, "Describe")
        for resource, name, op in wanted
    )


@pytest.mark.parametrize("where", sorted(ACLS))
def test_no_service_may_do_more_than_its_code_does(
    where: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    acls = ACLS[where]()
    seen = set()
    for command, env in service_envs(where).items():
        principal, s = login(env)
        assert principal not in seen, f"{where}: {principal} shared by two services"
        seen.add(principal)
        wanted = needs(command, s, monkeypatch)
        extra = sorted(a for a in acls[principal] if not justified(a, wanted))
        assert not extra, f"{where}: {principal} is allowed more than {command} does: {extra}"


def test_compose_and_kubernetes_grant_the_same() -> None:
    assert compose_acls() == k8s_acls()


@pytest.mark.parametrize("where", sorted(ACLS))
def test_a_providers_principal_may_write_readings_and_nothing_else(where: str) -> None:
    services = {login(env)[0] for env in service_envs(where).values()}
    providers = {p: a for p, a in ACLS[where]().items() if p not in services}
    assert providers, f"{where}: no example principal for a provider"
    readings = DEFAULTS.topic_readings
    for principal, acls in providers.items():
        assert allowed(acls, ("topic", readings, "Write")), principal
        assert allowed(acls, ("cluster", CLUSTER, "IdempotentWrite")), principal
        others = [DEFAULTS.topic_dlq, DEFAULTS.topic_aggregates, "ontrack-stream-x"]
        forbidden = [("topic", readings, "Read"), ("group", DEFAULTS.consumer_group, "Read")]
        forbidden += [("topic", t, op) for t in others for op in ("Read", "Write", "Describe")]
        forbidden += [("topic", "anything", "Create"), ("cluster", CLUSTER, "Alter")]
        assert not [n for n in forbidden if allowed(acls, n)], principal
        assert {a.operation for a in acls} <= {"Write", "Describe", "IdempotentWrite"}


def test_kubernetes_services_read_their_password_from_their_users_secret() -> None:
    for command in KAFKA_COMMANDS:
        (main,) = containers(ontrack_workloads()[command])
        env = {e["name"]: e for e in main["env"]}
        user = env["ONTRACK_KAFKA_SASL_USERNAME"]["value"]
        ref = env["ONTRACK_KAFKA_SASL_PASSWORD"]["valueFrom"]["secretKeyRef"]
        assert ref == {"name": user, "key": "password"}, command  # the KafkaUser's Secret


def test_compose_services_and_kafka_init_read_the_same_credentials() -> None:
    services = compose()["services"]
    init = services["kafka-init"]
    assert set(init["secrets"]) == {f"kafka-{p}" for p in compose_principals()}
    for principal in compose_principals():
        secret = compose()["secrets"][f"kafka-{principal}"]
        example = COMPOSE_DIR / (secret["file"] + ".example")
        assert read_env_file(example)["ONTRACK_KAFKA_SASL_USERNAME"] == principal
    for name, service in ontrack_services().items():
        files = [e["path"] for e in service["env_file"]]
        kafka_files = [f for f in files if f.startswith("secrets/kafka-")]
        if service["command"][0] in KAFKA_COMMANDS:
            (file,) = kafka_files
            principal = login(compose_env(service))[0]
            assert compose()["secrets"][f"kafka-{principal}"]["file"] == f"./{file}", name
        else:
            assert not kafka_files, f"{name} uses no Kafka and gets no Kafka credentials"


@pytest.mark.parametrize(
    ("acl", "need", "expected"),
    [
        (Acl("topic", "literal", "readings", "Write"), ("topic", "readings", "Write"), True),
        (Acl("topic", "literal", "readings", "Write"), ("topic", "readings", "Describe"), True),
        (Acl("topic", "literal", "readings", "Write"), ("topic", "readings", "Read"), False),
        (Acl("topic", "literal", "readings", "Write"), ("topic", "readings.dlq", "Write"), False),
        (Acl("topic", "literal", "readings", "Describe"), ("topic", "readings", "Write"), False),
        (
            Acl("group", "prefixed", "ontrack-alerts", "Read"),
            ("group", "ontrack-alerts", "Read"),
            True,
        ),
        (
            Acl("group", "prefixed", "ontrack-alerts", "Read"),
            ("group", "ontrack-alerts-shard-1-of-4", "Read"),
            True,
        ),
        (
            Acl("group", "prefixed", "ontrack-alerts", "Read"),
            ("group", "ontrack-stream", "Read"),
            False,
        ),
        (
            Acl("group", "prefixed", "ontrack-alerts", "Read"),
            ("topic", "ontrack-alerts", "Read"),
            False,
        ),
        (Acl("topic", "literal", "aggregates", "All"), ("topic", "aggregates", "Delete"), True),
        (
            Acl("cluster", "literal", CLUSTER, "IdempotentWrite"),
            ("cluster", CLUSTER, "Alter"),
            False,
        ),
    ],
)
def test_acls_match_as_kafka_matches_them(acl: Acl, need: Any, expected: bool) -> None:
    assert acl.allows(*need) is expected

"""Kafka access in one form for both deployments: what each ontrack command needs, derived
from its settings and from the code that makes its clients, and the ACLs a deployment
grants (deploy/compose/kafka/create-users.sh, deploy/k8s/kafka/users.yaml), with Kafka's
rules for matching one against the other."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any

import pytest
from faust.types.enums import ProcessingGuarantee

from services.alerts.snapshot import Shard
from services.ingest import producer
from services.ingest.signing import BatchKeys
from services.ingest.stream.app import create_stream_app
from services.ingest.topics import topic_names
from services.settings import Settings
from tests.unit.deploy.project import COMPOSE_DIR, of_kind

CLUSTER = "kafka-cluster"  # the one name of Kafka's cluster resource
KEYS = BatchKeys("k1", {"k1": bytes(32)})  # the deployments' own are placeholders
# Kafka: an ACL allowing one of these also allows Describe (DescribeConfigs for AlterConfigs)
IMPLIED = {
    "Read": {"Describe"},
    "Write": {"Describe"},
    "Delete": {"Describe"},
    "Alter": {"Describe"},
    "AlterConfigs": {"DescribeConfigs"},
}


@dataclass(frozen=True, order=True)
class Acl:
    """An allow ACL: an operation on a resource (a literal name, or every name with a prefix)."""

    resource: str  # topic, group, cluster, transactionalId
    pattern: str  # literal, prefixed
    name: str
    operation: str

    def allows(self, resource: str, name: str, operation: str) -> bool:
        if self.resource != resource:
            return False
        if not (self.name == name if self.pattern == "literal" else name.startswith(self.name)):
            return False
        return self.operation in ("All", operation) or operation in IMPLIED.get(self.operation, ())


Need = tuple[str, str, str]  # resource type, name, operation


def allowed(acls: set[Acl], need: Need) -> bool:
    return any(acl.allows(*need) for acl in acls)


# --- what the code needs ---------------------------------------------------------------

KAFKA_COMMANDS = ("api", "worker", "alerts")  # `notify` and `db migrate` use no Kafka
SHARDINGS = (1, 2, 3, 4, 8)  # engine shard counts checked: every index of each


def producer_options(monkeypatch: pytest.MonkeyPatch, s: Settings) -> dict[str, Any]:
    """The options the API's ReadingsProducer gives kafka-python's KafkaProducer."""
    seen: dict[str, Any] = {}

    class Recorder:
        def __init__(self, **options: Any) -> None:
            seen.update(options)

    monkeypatch.setattr(producer, "KafkaProducer", Recorder)
    producer.ReadingsProducer(s.kafka_bootstrap, s.topic_readings, keys=KEYS)
    return seen


def needs(command: str, s: Settings, monkeypatch: pytest.MonkeyPatch) -> set[Need]:
    """What ``ontrack <command>`` does on Kafka with settings ``s``."""
    # every one checks at start that ontrack's topics exist (ensure_topics)
    found = {("topic", t, "Describe") for t in topic_names(s)}
    if command == "api":
        found.add(("topic", s.topic_readings, "Write"))
        if producer_options(monkeypatch, s).get("enable_idempotence"):
            found.add(("cluster", CLUSTER, "IdempotentWrite"))
    elif command == "worker":
        found |= worker_needs(s)
    elif command == "alerts":
        found.add(("topic", s.topic_aggregates, "Read"))
        for count in SHARDINGS:
            for index in range(count):
                group = Shard(index, count).group(s.alerts_consumer_group)
                found.add(("group", group, "Read"))
    else:
        raise AssertionError(f"ontrack {command} uses no Kafka")
    return found


def worker_needs(s: Settings) -> set[Need]:
    """From the stream worker's Faust app itself: its group, the topics its agents read,
    its assignor's topic, the topics it writes."""
    # the catalogue is mounted in the container: the repository's here
    app = create_stream_app(
        s.model_copy(update={"catalogue_path": Settings().catalogue_path}), batch_keys=KEYS
    )
    found: set[Need] = {("group", app.conf.id, "Read")}
    for agent in app.agents.values():
        found |= {("topic", t, "Read") for t in agent.channel.topics}
    if not app.conf.topic_disable_leader:
        found.add(("topic", app._leader_assignor._leader_topic_name, "Read"))
    for table in app.tables.values():  # none today; a table's changelog would be written
        found |= {("topic", table.changelog_topic.get_topic_name(), op) for op in ("Read", "Write")}
    found |= {("topic", s.topic_dlq, "Write"), ("topic", s.topic_aggregates, "Write")}
    if app.conf.processing_guarantee == ProcessingGuarantee.EXACTLY_ONCE:
        found.add(("transactionalId", app.conf.id, "Write"))
    return found


# --- what the deployments grant --------------------------------------------------------

_ALLOW = re.compile(r"^allow (\S+) (\S+) (\S+) (\S+) (.+)$", re.MULTILINE)
_USER = re.compile(r"^user (\S+)$", re.MULTILINE)


@cache
def compose_script() -> str:
    return (COMPOSE_DIR / "kafka/create-users.sh").read_text(encoding="utf-8")


def compose_principals() -> list[str]:
    return _USER.findall(compose_script())


def compose_acls() -> dict[str, set[Acl]]:
    out: dict[str, set[Acl]] = {p: set() for p in compose_principals()}
    for principal, resource, pattern, name, ops in _ALLOW.findall(compose_script()):
        assert principal in out, f"create-users.sh: ACL for {principal}, who is no `user`"
        assert pattern in ("literal", "prefixed"), pattern
        for op in ops.split():
            out[principal].add(Acl(resource, pattern, name, op))
    return out


def k8s_acls() -> dict[str, set[Acl]]:
    out: dict[str, set[Acl]] = {}
    for user in of_kind("KafkaUser"):
        spec = user["spec"]
        assert spec["authentication"]["type"] == "scram-sha-512"
        assert spec["authorization"]["type"] == "simple"
        acls = set()
        for acl in spec["authorization"]["acls"]:
            assert acl.get("type", "allow") == "allow" and acl.get("host", "*") == "*"
            resource = acl["resource"]
            pattern = {"literal": "literal", "prefix": "prefixed"}[
                resource.get("patternType", "literal")
            ]
            name = CLUSTER if resource["type"] == "cluster" else resource["name"]
            operations = acl.get("operations") or [acl["operation"]]
            acls |= {Acl(resource["type"], pattern, name, op) for op in operations}
        out[user["metadata"]["name"]] = acls
    return out

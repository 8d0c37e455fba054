"""Kafka in deploy/compose: every listener authenticates (clients with SCRAM-SHA-512, brokers
and the admin tools with PLAIN as the two super users), every request is authorized, the
login configs reach the listeners they are meant for, and kafka-init and ontrack's services
use the listeners and credentials made for them. The scripts are run here as far as they
can be without a broker: their syntax, and their refusal of bad passwords."""

from __future__ import annotations

import fnmatch
import re
import subprocess
from pathlib import Path

import pytest

from services.kafka_security import kafka_security
from tests.unit.deploy.kafka_access import KAFKA_COMMANDS
from tests.unit.deploy.project import (
    COMPOSE_DIR,
    compose,
    compose_env,
    ontrack_services,
    read_env_file,
    settings_of,
)

KAFKA = ("kafka-1", "kafka-2", "kafka-3")
SCRIPTS = COMPOSE_DIR / "kafka"
SUPER_USERS = {"kafka-broker", "kafka-admin"}


def broker_env() -> dict[str, str]:
    return compose_env(compose()["services"]["kafka-1"])


def mapping(value: str, sep: str) -> dict[str, str]:
    return dict(x.split(sep, 1) for x in value.split(","))


def property_of(env_var: str) -> str:
    """The server property the apache/kafka image makes of a KAFKA_ variable: '_' is '.',
    '__' is '_', '___' is '-', lower case."""
    key = env_var.removeprefix("KAFKA_").lower().replace("_", ".")
    return key.replace("...", "-").replace("..", "_")


def test_every_listener_authenticates_and_every_request_is_authorized() -> None:
    env = broker_env()
    protocols = mapping(env["KAFKA_LISTENER_SECURITY_PROTOCOL_MAP"], ":")
    assert set(protocols.values()) == {"SASL_PLAINTEXT"}, "no listener without a login"
    assert set(protocols) == set(mapping(env["KAFKA_LISTENERS"], "://"))
    mechanisms = {
        name: env[f"KAFKA_LISTENER_NAME_{name}_SASL_ENABLED_MECHANISMS"] for name in protocols
    }
    assert mechanisms["CLIENT"] == "SCRAM-SHA-512"
    inter, controller = (
        env["KAFKA_INTER_BROKER_LISTENER_NAME"],
        env["KAFKA_CONTROLLER_LISTENER_NAMES"],
    )
    assert mechanisms[inter] == env["KAFKA_SASL_MECHANISM_INTER_BROKER_PROTOCOL"] == "PLAIN"
    assert mechanisms[controller] == env["KAFKA_SASL_MECHANISM_CONTROLLER_PROTOCOL"] == "PLAIN"
    assert env["KAFKA_AUTHORIZER_CLASS_NAME"].endswith(".StandardAuthorizer")
    assert env["KAFKA_ALLOW_EVERYONE_IF_NO_ACL_FOUND"] == "false"
    assert set(env["KAFKA_SUPER_USERS"].split(";")) == {f"User:{u}" for u in SUPER_USERS}


def test_the_brokers_login_configs_reach_their_listeners() -> None:
    """broker.sh exports one JAAS config per listener and mechanism, under the variable the
    image turns into that listener's property; its PLAIN users are the super users."""
    env = broker_env()
    script = (SCRIPTS / "broker.sh").read_text(encoding="utf-8")
    exported = dict(re.findall(r'^export (KAFKA_\w+)="(.*)"$', script, re.MULTILINE))
    wanted = {
        f"listener.name.{name.lower()}.{mechanism.lower()}.sasl.jaas.config"
        for name in mapping(env["KAFKA_LISTENER_SECURITY_PROTOCOL_MAP"], ":")
        for mechanism in env[f"KAFKA_LISTENER_NAME_{name}_SASL_ENABLED_MECHANISMS"].split(",")
    }
    assert {property_of(k) for k in exported} == wanted
    plain_users = set(re.findall(r"user_([\w-]+)=", script))
    logins = set(re.findall(r'username=\\"([\w-]+)\\"', script))
    assert plain_users == SUPER_USERS and logins == {"kafka-broker"}
    for name in KAFKA:
        service = compose()["services"][name]
        assert service["command"] == ["/bin/bash", "/opt/ontrack/kafka/broker.sh"]
        assert "./kafka:/opt/ontrack/kafka:ro" in service["volumes"]
        assert service["healthcheck"]["test"] == [
            "CMD",
            "/bin/bash",
            "/opt/ontrack/kafka/healthcheck.sh",
        ]
    # the brokers' secrets are not KAFKA_ variables, which the image would make properties of
    secrets = read_env_file(COMPOSE_DIR / "secrets/kafka.env.example")
    assert set(secrets) == {"BROKER_PASSWORD", "ADMIN_PASSWORD"}


@pytest.mark.parametrize("command", KAFKA_COMMANDS)
def test_ontrack_logs_in_on_the_client_listener(command: str) -> None:
    (service,) = [s for s in ontrack_services().values() if s["command"] == [command]]
    env = compose_env(service)
    advertised = [
        mapping(compose_env(compose()["services"][b])["KAFKA_ADVERTISED_LISTENERS"], "://")
        for b in KAFKA
    ]
    assert env["ONTRACK_KAFKA_BOOTSTRAP"].split(",") == [a["CLIENT"] for a in advertised]
    sec = kafka_security(settings_of(env))
    assert (
        sec.protocol == mapping(broker_env()["KAFKA_LISTENER_SECURITY_PROTOCOL_MAP"], ":")["CLIENT"]
    )
    assert sec.sasl is not None
    assert sec.sasl.mechanism == broker_env()["KAFKA_LISTENER_NAME_CLIENT_SASL_ENABLED_MECHANISMS"]


def test_kafka_init_works_as_the_admin_on_the_admin_listener() -> None:
    init = compose()["services"]["kafka-init"]
    advertised = [
        mapping(compose_env(compose()["services"][b])["KAFKA_ADVERTISED_LISTENERS"], "://")
        for b in KAFKA
    ]
    assert init["environment"]["BOOTSTRAP"].split(",") == [a["BROKER"] for a in advertised]
    assert [e["path"] for e in init["env_file"]] == ["secrets/kafka.env"]
    command = init["entrypoint"][-1]
    for script in ("create-topics.sh", "create-users.sh"):
        assert f"/opt/ontrack/kafka/{script}" in command and (SCRIPTS / script).is_file()
        text = (SCRIPTS / script).read_text(encoding="utf-8")
        assert '--command-config "$config"' in text and "config=$(admin_config)" in text


def test_the_secret_files_have_examples_and_stay_out_of_git() -> None:
    ignore = (COMPOSE_DIR / "secrets/.gitignore").read_text(encoding="utf-8").split()
    for name, secret in compose()["secrets"].items():
        path = COMPOSE_DIR / secret["file"]
        assert path.with_name(path.name + ".example").is_file(), name
        assert any(fnmatch.fnmatch(path.name, p) for p in ignore if p[0] != "!"), name


@pytest.mark.parametrize("script", sorted(p.name for p in SCRIPTS.glob("*.sh")))
def test_the_scripts_are_valid_bash(script: str) -> None:
    checked = subprocess.run(["bash", "-n", str(SCRIPTS / script)], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr


@pytest.mark.parametrize(
    ("password", "refused"),
    [
        ("", "is not set in secrets/kafka.env: copy secrets/kafka.env.example"),
        ("CHANGE-ME", "is not set in secrets/kafka.env"),
        ("short1", "at least 16 characters"),
        ('has"quote-and-more-than-16', "at least 16 characters of A-Z a-z 0-9"),
        ("comma,in,a,long,password", "at least 16 characters of A-Z a-z 0-9"),
        ("0123456789abcdef0123456789abcdef", None),
    ],
)
def test_passwords_that_would_break_a_login_config_are_refused(
    password: str, refused: str | None, tmp_path: Path
) -> None:
    ran = subprocess.run(
        [
            "bash",
            "-c",
            f'. "{SCRIPTS}/passwords.sh"; check_password ADMIN_PASSWORD "$1" secrets/kafka.env',
            "-",
            password,
        ],
        capture_output=True,
        text=True,
    )
    if refused is None:
        assert ran.returncode == 0, ran.stderr
    else:
        assert ran.returncode == 1 and refused in ran.stderr


# --- the scripts run with Kafka's command-line tools recorded ---------------------------

RECORDER = """#!/usr/bin/env bash
(IFS=$'\\x1f'; echo "$(basename "$0")$IFS$*") >> "$TOOL_LOG"
"""
PASSWORD = "0123456789abcdef0123456789abcdef"


def fake_tools(tmp_path: Path) -> dict[str, str]:
    """A bin directory whose kafka-*.sh record their arguments, and the environment to use it."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("kafka-configs.sh", "kafka-acls.sh", "kafka-topics.sh"):
        (bin_dir / tool).write_text(RECORDER, encoding="utf-8")
        (bin_dir / tool).chmod(0o755)
    return {
        "PATH": "/usr/bin:/bin",
        "KAFKA_BIN": str(bin_dir),
        "TOOL_LOG": str(tmp_path / "calls"),
        "TMPDIR": str(tmp_path),
        "BOOTSTRAP": "kafka-1:9094",
        "ADMIN_PASSWORD": "admin-" + PASSWORD,
    }


def calls(env: dict[str, str]) -> list[list[str]]:
    log = Path(env["TOOL_LOG"])
    lines = log.read_text(encoding="utf-8").splitlines() if log.exists() else []
    return [line.split("\x1f") for line in lines]


def secrets_dir(tmp_path: Path, **override: str) -> Path:
    """The principals' secret files as an operator fills them in (each its own password)."""
    where = tmp_path / "secrets"
    where.mkdir()
    for name, secret in compose()["secrets"].items():
        example = (COMPOSE_DIR / (secret["file"] + ".example")).read_text(encoding="utf-8")
        text = example.replace("CHANGE-ME", override.get(name, f"{name}-{PASSWORD}"))
        (where / name).write_text(text, encoding="utf-8")
    return where


def run(script: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(SCRIPTS / script)], env=env, capture_output=True, text=True, timeout=60
    )


def option_values(args: list[str], option: str) -> list[str]:
    return [args[i + 1] for i, a in enumerate(args) if a == option]


def test_create_users_sets_each_credential_and_exactly_the_listed_acls(tmp_path: Path) -> None:
    from tests.unit.deploy.kafka_access import Acl, compose_acls

    env = fake_tools(tmp_path) | {"SECRETS_DIR": str(secrets_dir(tmp_path))}
    ran = run("create-users.sh", env)
    assert ran.returncode == 0, ran.stderr
    config = Path(env["TMPDIR"]) / "ontrack-kafka-admin.properties"
    assert f'username="kafka-admin" password="{env["ADMIN_PASSWORD"]}"' in config.read_text()
    assert config.stat().st_mode & 0o077 == 0, "the admin's password is readable by its owner only"
    made: dict[str, set[Acl]] = {}
    for tool, *args in calls(env):
        assert option_values(args, "--bootstrap-server") == ["kafka-1:9094"]
        assert option_values(args, "--command-config") == [str(config)]
        if tool == "kafka-configs.sh":
            (principal,) = option_values(args, "--entity-name")
            assert option_values(args, "--add-config") == [
                f"SCRAM-SHA-512=[iterations=8192,password=kafka-{principal}-{PASSWORD}]"
            ]
            made.setdefault(principal, set())
        else:
            assert tool == "kafka-acls.sh" and "--add" in args
            (principal,) = [
                p.removeprefix("User:") for p in option_values(args, "--allow-principal")
            ]
            (pattern,) = option_values(args, "--resource-pattern-type")
            if "--cluster" in args:
                resource, name = "cluster", "kafka-cluster"
            else:
                ((resource, name),) = [
                    (kind, value)
                    for kind in ("topic", "group")
                    for value in option_values(args, f"--{kind}")
                ]
            for op in option_values(args, "--operation"):
                made.setdefault(principal, set()).add(Acl(resource, pattern, name, op))
    assert made == compose_acls()


@pytest.mark.parametrize(
    ("secret", "content", "refused"),
    [
        (
            "kafka-ontrack-worker",
            "CHANGE-ME",
            "ONTRACK_KAFKA_SASL_PASSWORD is not set in secrets/kafka-ontrack-worker.env",
        ),
        (
            "kafka-ontrack-api",
            "short",
            "in secrets/kafka-ontrack-api.env: use at least 16 characters",
        ),
    ],
)
def test_create_users_refuses_a_password_left_unset(
    tmp_path: Path, secret: str, content: str, refused: str
) -> None:
    env = fake_tools(tmp_path) | {"SECRETS_DIR": str(secrets_dir(tmp_path, **{secret: content}))}
    ran = run("create-users.sh", env)
    assert ran.returncode == 1 and refused in ran.stderr


def test_create_users_refuses_a_secret_file_of_another_principal(tmp_path: Path) -> None:
    where = secrets_dir(tmp_path)
    worker = where / "kafka-ontrack-worker"
    worker.write_text(worker.read_text().replace("=ontrack-worker", "=ontrack-api"))
    ran = run("create-users.sh", fake_tools(tmp_path) | {"SECRETS_DIR": str(where)})
    assert ran.returncode == 1
    assert "ONTRACK_KAFKA_SASL_USERNAME must be ontrack-worker, not 'ontrack-api'" in ran.stderr


def test_create_topics_creates_each_missing_topic_as_the_admin(tmp_path: Path) -> None:
    env = fake_tools(tmp_path) | {"READINGS_PARTITIONS": "12"}
    ran = run("create-topics.sh", env)
    assert ran.returncode == 0, ran.stderr
    created = {
        option_values(args, "--topic")[0]: option_values(args, "--partitions")[0]
        for tool, *args in calls(env)
        if "--create" in args
    }
    script = (SCRIPTS / "create-topics.sh").read_text(encoding="utf-8")
    listed = dict(re.findall(r"^ensure (\S+) (\S+)", script, re.MULTILINE))
    assert created == {t: p.replace('"$READINGS_PARTITIONS"', "12") for t, p in listed.items()}


def test_broker_sh_gives_each_listener_its_login_config(tmp_path: Path) -> None:
    run_script = tmp_path / "run"
    run_script.write_text("#!/usr/bin/env bash\nenv | grep '^KAFKA_LISTENER_NAME_'\n")
    run_script.chmod(0o755)
    env = {
        "PATH": "/usr/bin:/bin",
        "KAFKA_RUN": str(run_script),
        "BROKER_PASSWORD": "broker-" + PASSWORD,
        "ADMIN_PASSWORD": "admin-" + PASSWORD,
    }
    ran = run("broker.sh", env)
    assert ran.returncode == 0, ran.stderr
    properties = {
        property_of(k): v for k, v in (line.split("=", 1) for line in ran.stdout.splitlines())
    }
    plain = "org.apache.kafka.common.security.plain.PlainLoginModule required"
    broker = f'username="kafka-broker" password="{env["BROKER_PASSWORD"]}" user_kafka-broker="{env["BROKER_PASSWORD"]}"'
    assert properties == {
        "listener.name.controller.plain.sasl.jaas.config": f"{plain} {broker};",
        "listener.name.broker.plain.sasl.jaas.config": (
            f'{plain} {broker} user_kafka-admin="{env["ADMIN_PASSWORD"]}";'
        ),
        "listener.name.client.scram-sha-512.sasl.jaas.config": (
            "org.apache.kafka.common.security.scram.ScramLoginModule required;"
        ),
    }
    missing = run("broker.sh", {k: v for k, v in env.items() if k != "BROKER_PASSWORD"})
    assert (
        missing.returncode == 1
        and "BROKER_PASSWORD is not set in secrets/kafka.env" in missing.stderr
    )

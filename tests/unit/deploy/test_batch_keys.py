"""The batch keys in the deployments: a secret every API and worker reads, whose placeholder
a deployment cannot start with."""

from __future__ import annotations

import pytest

from services.ingest.errors import BatchKeyError
from services.ingest.signing import parse_batch_keys
from tests.unit.deploy.project import (
    COMPOSE_DIR,
    compose_env,
    container_env,
    containers,
    ontrack_services,
    ontrack_workloads,
    read_env_file,
    secret_examples,
)

SETTING = "ONTRACK_BATCH_KEYS"


@pytest.mark.parametrize("name", ["api", "worker"])
def test_compose_gives_every_api_and_worker_the_keys_from_the_secrets_file(name: str) -> None:
    assert SETTING in compose_env(ontrack_services()[name])
    assert SETTING not in read_env_file(COMPOSE_DIR / "ontrack.env")  # not with the settings
    assert SETTING in read_env_file(COMPOSE_DIR / "secrets/ontrack.env.example")


@pytest.mark.parametrize("command", ["api", "worker"])
def test_k8s_gives_every_api_and_worker_the_keys_from_the_secret(command: str) -> None:
    (main,) = containers(ontrack_workloads()[command])
    assert SETTING in container_env(main)
    assert SETTING in secret_examples()["ontrack-secrets"]


@pytest.mark.parametrize(
    "placeholder",
    [
        read_env_file(COMPOSE_DIR / "secrets/ontrack.env.example")[SETTING],
        secret_examples()["ontrack-secrets"][SETTING],
    ],
)
def test_the_placeholder_is_refused_rather_than_used(placeholder: str) -> None:
    with pytest.raises(BatchKeyError, match="is not base64"):
        parse_batch_keys(placeholder)

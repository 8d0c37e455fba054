"""Where the batch keys come from: the setting, the embedded stack's file, or a refusal."""

from __future__ import annotations

import base64
import stat
import threading
from pathlib import Path

import pytest
from pydantic import SecretStr

from services.ingest.errors import BatchKeyError
from services.ingest.keyring import (
    STACK_KEY_ID,
    load_batch_keys,
    make_stack_key,
    stack_key_path,
)
from services.settings import Settings, process_env

SECRET = base64.b64encode(b"s" * 32).decode()


def settings(stack_dir: Path, batch_keys: str | None = None) -> Settings:
    return Settings(
        stack_dir=stack_dir, batch_keys=SecretStr(batch_keys) if batch_keys is not None else None
    )


def test_the_setting_is_used_when_set(tmp_path: Path) -> None:
    make_stack_key(tmp_path)
    keys = load_batch_keys(settings(tmp_path, f"k2:{SECRET},k1:{SECRET}"))
    assert (keys.signer, keys.ids) == ("k2", ("k2", "k1"))


def test_without_the_setting_the_stack_key_is_used(tmp_path: Path) -> None:
    assert make_stack_key(tmp_path) is True
    assert make_stack_key(tmp_path) is False  # made once, kept
    path = stack_key_path(tmp_path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    first = load_batch_keys(settings(tmp_path))
    again = load_batch_keys(settings(tmp_path))
    assert first.ids == (STACK_KEY_ID,) and first == again
    assert len(first.secrets[STACK_KEY_ID]) == 32
    assert list(tmp_path.iterdir()) == [path]  # no temporary file left behind


def test_each_stack_gets_a_key_of_its_own(tmp_path: Path) -> None:
    make_stack_key(tmp_path / "a")
    make_stack_key(tmp_path / "b")
    a, b = (load_batch_keys(settings(tmp_path / n)) for n in "ab")
    assert a.secrets[STACK_KEY_ID] != b.secrets[STACK_KEY_ID]


def test_without_setting_or_stack_key_the_process_refuses_saying_how(tmp_path: Path) -> None:
    with pytest.raises(BatchKeyError) as err:
        load_batch_keys(settings(tmp_path))
    message = str(err.value)
    assert message.startswith("no batch key: set ONTRACK_BATCH_KEYS=<id>:<base64 secret>")
    assert "`ontrack stack up` makes one" in message and "\n" not in message


def test_a_malformed_setting_is_refused_even_with_a_stack_key(tmp_path: Path) -> None:
    make_stack_key(tmp_path)
    with pytest.raises(BatchKeyError, match="ONTRACK_BATCH_KEYS: the secret of key k1 is not"):
        load_batch_keys(settings(tmp_path, "k1:CHANGE-ME"))


def test_racing_makers_write_one_key(tmp_path: Path) -> None:
    made: list[bool] = []
    threads = [
        threading.Thread(target=lambda: made.append(make_stack_key(tmp_path))) for _ in range(8)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(made) == [False] * 7 + [True]
    assert load_batch_keys(settings(tmp_path)).ids == (STACK_KEY_ID,)


def test_processes_started_beside_this_one_hold_the_same_keys(tmp_path: Path) -> None:
    env = process_env(settings(tmp_path, f"k1:{SECRET}"))
    assert env["ONTRACK_BATCH_KEYS"] == f"k1:{SECRET}"
    assert env["ONTRACK_STACK_DIR"] == str(tmp_path)
    assert "ONTRACK_BATCH_KEYS" not in process_env(settings(tmp_path))


@pytest.mark.parametrize("command", ["api", "worker", "run"])
def test_the_commands_refuse_to_start_without_a_key_in_one_line(
    command: str, tmp_path: Path
) -> None:
    from click.testing import CliRunner

    from services.cli import main

    env = {"ONTRACK_STACK_DIR": str(tmp_path), "ONTRACK_BATCH_KEYS": None}
    result = CliRunner().invoke(main, [command], env=env)
    assert result.exit_code == 1, result.output
    assert result.output.startswith("Error: no batch key: set ONTRACK_BATCH_KEYS=")
    assert result.output.count("\n") == 1 and "Traceback" not in result.output

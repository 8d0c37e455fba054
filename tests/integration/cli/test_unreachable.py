"""Every command that needs a server, pointed at ports where nothing listens: it ends within
3 s with one line naming the server, its address and what to do, exit code 3, no traceback.

Nothing of the embedded stack is used (the addresses are closed ports); the commands run as
processes, as a user runs them, and their wall time is measured.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.fixtures.paths import ROOT
from tests.fixtures.services import free_port

pytestmark = [pytest.mark.integration]

LIMIT = 3.0  # seconds, from start to exit, Python's own start included
DB, KAFKA, API = free_port(), free_port(), free_port()
DATABASE = f"the database at 127.0.0.1:{DB}"
BROKERS = f"Kafka at 127.0.0.1:{KAFKA}"
THE_API = f"the ontrack API at http://127.0.0.1:{API}"
FP = "0123456789abcdef"

# (arguments, the server it names first); each needs that server before anything else
COMMANDS: list[tuple[list[str], str]] = [
    (["targets"], DATABASE),
    (["series", "air.pm25", "qd-shinan-1"], DATABASE),
    (["db", "status"], DATABASE),
    (["db", "migrate"], DATABASE),
    (["keys", "list"], DATABASE),
    (["keys", "create", "--provider", "p", "--indicators", "air.*", "--sources", "*"], DATABASE),
    (["keys", "revoke", "abc"], DATABASE),
    (["alert", "list"], DATABASE),
    (["alert", "ack", FP, "--note", "on it"], DATABASE),
    (["alert", "resolve", FP, "--note", "fixed"], DATABASE),
    (["silence", "list"], DATABASE),
    (["silence", "add", "--match", "family=air", "--for", "1h", "--comment", "c"], DATABASE),
    (["silence", "expire", "1"], DATABASE),
    (["dashboards", "publish"], DATABASE),
    (["dashboards", "verify"], DATABASE),
    (["notify"], DATABASE),
    (["scenarios", "run", "pm25-drift"], DATABASE),
    (["backtest", "{history}", "--from", "2025-01-01", "--to", "2025-02-01"], DATABASE),
    (["demo", "--no-stack", "--until", "2023-01-10"], DATABASE),
    (["bench", "--quick"], DATABASE),
    (["api"], BROKERS),
    (["worker"], BROKERS),
    (["alerts"], BROKERS),
    (["run"], BROKERS),
    (["replay", "{history}", "--key", "otk_x"], THE_API),
]


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("history") / "history.csv"
    path.write_text(
        "indicator,source,ts,value,unit\nair.pm25,qd-shinan-1,2025-01-01T08:00:00+08:00,31,ug/m3\n",
        encoding="utf-8",
    )
    return path


def _env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ONTRACK_")}
    return env | {
        "PYTHONPATH": str(ROOT),
        "ONTRACK_DATABASE_URL": f"postgresql://ontrack:ontrack@127.0.0.1:{DB}/ontrack",
        "ONTRACK_KAFKA_BOOTSTRAP": f"127.0.0.1:{KAFKA}",
        "ONTRACK_API_URL": f"http://127.0.0.1:{API}",
        "ONTRACK_STACK_DIR": str(tmp_path / "stack"),
        "ONTRACK_BATCH_KEYS": "k1:" + "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWY=",
        "ONTRACK_NOTIFY_HOLD_UNCONFIGURED": "true",
        "ONTRACK_LANG": "en",
    }


@pytest.mark.parametrize(
    ("args", "server"), COMMANDS, ids=lambda v: " ".join(v) if isinstance(v, list) else ""
)
def test_a_command_whose_server_refuses_says_so_in_one_line_within_3_s(
    args: list[str], server: str, history: Path, tmp_path: Path
) -> None:
    argv = [a.format(history=history) for a in args]
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "services", *argv],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=_env(tmp_path),
        timeout=30,
        check=False,
    )
    took = time.monotonic() - started
    print(f"ontrack {' '.join(args)}: exit {done.returncode} in {took:.2f} s")
    errors = [line for line in done.stderr.splitlines() if line.startswith("Error:")]
    assert "Traceback" not in done.stderr + done.stdout, done.stderr
    assert done.returncode == 3, done.stderr
    assert len(errors) == 1 and done.stderr.rstrip().endswith(errors[0]), done.stderr
    assert errors[0].startswith(f"Error: cannot reach {server} ("), errors[0]
    assert "ontrack stack up" in errors[0] or "ONTRACK_API_URL" in errors[0]
    assert done.stdout == ""
    assert took < LIMIT, f"{took:.2f} s"

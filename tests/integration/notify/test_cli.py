"""``ontrack alert ack|resolve``, ``ontrack silence add|list|expire``, ``ontrack routes check``."""

from __future__ import annotations

import asyncio
from pathlib import Path

import psycopg
import pytest
from click.testing import CliRunner, Result

from services.cli import main
from services.settings import REPO_ROOT
from tests.integration.notify.helpers import fingerprint, insert_alert, new_run, snapshot

pytestmark = pytest.mark.integration


def ontrack(dsn: str, *args: str) -> Result:
    return CliRunner().invoke(main, ["--database-url", dsn, *args], catch_exceptions=False)


def _alert(dsn: str, run: str) -> str:
    a = snapshot(fingerprint(), run)

    async def insert() -> None:
        async with await psycopg.AsyncConnection.connect(dsn, autocommit=True) as conn:
            await insert_alert(conn, a)

    asyncio.run(insert())
    return a.fingerprint


def _one(dsn: str, query: str, *params: object) -> tuple[object, ...]:
    with psycopg.connect(dsn) as conn:
        found = conn.execute(query, list(params)).fetchone()
    assert found is not None
    return tuple(found)


def test_ack_and_resolve(test_dsn: str, tmp_path: Path) -> None:
    fp = _alert(test_dsn, new_run())
    acked = ontrack(test_dsn, "alert", "ack", fp, "--note", "looking at S1", "--actor", "li.wei")
    assert acked.exit_code == 0, acked.output
    assert f"alert {fp} (firing) acknowledged by li.wei" in acked.output
    assert _one(test_dsn, "SELECT acked_by, ack_note FROM alerts WHERE fingerprint = %s", fp) == (
        "li.wei",
        "looking at S1",
    )
    (tmp_path / "r.yaml").write_text(
        "receivers:\n  - name: duty\n    email: {to: [duty@example.org]}\nroute: {receiver: duty}\n"
    )
    done = ontrack(
        test_dsn, "alert", "resolve", fp, "--note", "recalibrated", "--routes", str(tmp_path)
    )
    assert done.exit_code == 0, done.output
    assert "is resolved (by" in done.output
    event = _one(
        test_dsn,
        "SELECT to_state, actor, note FROM alert_events WHERE fingerprint = %s ORDER BY at DESC",
        fp,
    )
    assert event[0] == "resolved" and event[2] == "recalibrated" and event[1]  # the OS user

    missing = ontrack(test_dsn, "alert", "ack", fingerprint(), "--note", "x")
    assert missing.exit_code == 1 and "no alert" in missing.output
    no_note = ontrack(test_dsn, "alert", "ack", fp)
    assert no_note.exit_code == 2 and "--note" in no_note.output


def test_silence_add_list_expire(test_dsn: str) -> None:
    run = new_run()
    fp = _alert(test_dsn, run)
    added = ontrack(
        test_dsn, "silence", "add", "--match", f"run={run}", "--match", "severity=page",
        "--for", "2h", "--comment", "maintenance of S1", "--actor", "li.wei",
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    silence_id = int(added.output.split()[1].rstrip(":"))
    assert f"matches 1 open alert(s) now: {fp}" in added.output
    listed = ontrack(test_dsn, "silence", "list")
    assert f"{silence_id:>5}  active" in listed.output and "maintenance of S1" in listed.output
    expired = ontrack(test_dsn, "silence", "expire", str(silence_id), "--actor", "wang.fang")
    assert expired.exit_code == 0 and f"silence {silence_id} expired (wang.fang" in expired.output
    assert f"{silence_id:>5}" not in ontrack(test_dsn, "silence", "list").output
    assert f"{silence_id:>5}  expired" in ontrack(test_dsn, "silence", "list", "--all").output

    for bad, says in (
        (["--match", "severity", "--for", "1h"], "is not a matcher"),
        (["--match", "a=b", "--for", "soon"], "is not a duration"),
        (["--match", "a=b"], "exactly one of --for and --until"),
        (["--match", "a=b", "--until", "2020-01-01T00:00:00+00:00"], "over before it starts"),
    ):
        refused = ontrack(test_dsn, "silence", "add", *bad, "--comment", "c")
        assert refused.exit_code == 2 and says in refused.output, refused.output


def test_routes_check(test_dsn: str, tmp_path: Path) -> None:
    ok = ontrack(test_dsn, "routes", "check", str(REPO_ROOT / "routes"))
    assert ok.exit_code == 0 and "routes OK: 3 receiver(s)" in ok.output
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "receivers:\n  - name: x\n    webhook: {url: 'ftp://x', secret: s}\nroute: {receiver: y}\n"
    )
    refused = ontrack(test_dsn, "routes", "check", str(bad))
    assert refused.exit_code == 1
    assert refused.output.startswith("Error: 4 problem(s) in the routes:\n")
    lines = refused.output.splitlines()[1:]
    assert [line.split(": ", 1)[0] for line in lines] == [
        f"{bad}:3:14",  # no secrets_env
        f"{bad}:3:20",  # not an http(s) URL
        f"{bad}:3:31",  # a secret written in the file
        f"{bad}:4:19",  # an undeclared receiver
    ]
    assert all("; fix: " in line for line in lines)

"""``ontrack alert ack|resolve``, ``ontrack silence add|list|expire``, ``ontrack routes check``."""

from __future__ import annotations

import asyncio
from pathlib import Path

import psycopg
import pytest
from click.testing import CliRunner, Result

from services.cli import main
from services.language import width
from tests.fixtures.paths import DATA
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
    ok = ontrack(test_dsn, "routes", "check", str(DATA / "routes"))
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


_STATUS = """
INSERT INTO target_status (target_id, scope, plan_id, indicator, family, kind, comparator,
    target_value, unit, deadline, status, actual, expected, gap_pct, projection_value,
    projection_low, projection_high, days_left, evaluated_at, status_since)
VALUES (%s, 'city', %s, %s, %s, %s, '>=', %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, now(), now())
"""


def _judged_targets(dsn: str, plan: str) -> None:
    """Two targets as the engine last judged them, in a plan of this test's own."""
    with psycopg.connect(dsn) as conn:
        conn.execute(_STATUS, [f"port.container_teu.{plan}", plan, "port.container_teu", "port",
                               "flow", 26_000_000, "TEU", "2025-12-31", "met", 32_433_072.0,
                               26_000_000.0, 24.7, None, None, None, 0])  # fmt: skip
        conn.execute(_STATUS, [f"telecom.5g.{plan}", plan, "telecom.5g_base_stations",
                               "telecom", "stock", 40_000, "stations", "2026-12-31", "off_track",
                               37_011.0, 39_415.5, -6.1, 37_954.7, 37_378.4, 38_492.5, 32])  # fmt: skip


def _cells(line: str) -> list[str]:
    return [c.strip() for c in line.split("  ") if c.strip()]


def test_targets_in_chinese_and_english(test_dsn: str) -> None:
    plan = f"test-{new_run()}"
    _judged_targets(test_dsn, plan)
    zh = ontrack(test_dsn, "targets", "--plan", plan, "--lang", "zh-CN")
    assert zh.exit_code == 0, zh.output
    header, teu, five_g = zh.output.splitlines()
    assert _cells(header) == [
        "目标",
        "名称",
        "状态",
        "实际",
        "当前应达",
        "差距",
        "预测",
        "剩余天数",
    ]
    assert _cells(teu) == [f"port.container_teu.{plan}", "2025年集装箱吞吐量", "已达标",
                           "3,243万标准箱", "2,600万标准箱", "+24.7%", "-", "0"]  # fmt: skip
    assert _cells(five_g)[1:7] == ["2026年5G基站数量", "落后进度", "3.7万个", "3.94万个",
                                   "-6.1%", "3.8万 [3.74万–3.85万]"]  # fmt: skip
    # the columns line up on a terminal, Chinese characters taking two columns each
    starts = {width(line[: line.index(word)]) for line, word in
              ((header, "状态"), (teu, "已达标"), (five_g, "落后进度"))}  # fmt: skip
    assert len(starts) == 1

    en = ontrack(test_dsn, "--lang", "en", "targets", "--plan", plan)
    assert en.exit_code == 0, en.output
    assert _cells(en.output.splitlines()[1])[1:5] == [
        "Port container throughput (2025)", "met", "32.4 million TEU", "26 million TEU",
    ]  # fmt: skip

    runner = CliRunner()
    by_env = runner.invoke(main, ["--database-url", test_dsn, "targets", "--plan", plan],
                           env={"ONTRACK_LANG": "zh-CN", "LANG": "en_US.UTF-8"})  # fmt: skip
    assert "2025年集装箱吞吐量" in by_env.output
    by_locale = runner.invoke(main, ["--database-url", test_dsn, "targets", "--plan", plan],
                              env={"ONTRACK_LANG": None, "LC_ALL": None, "LC_MESSAGES": None,
                                   "LANG": "zh_CN.UTF-8"})  # fmt: skip
    assert "2025年集装箱吞吐量" in by_locale.output
    refused = ontrack(test_dsn, "targets", "--lang", "fr")
    assert refused.exit_code == 2 and "language 'fr' is not one ontrack writes" in refused.output
    empty = ontrack(test_dsn, "targets", "--plan", "no-such-plan", "--lang", "zh-CN")
    assert "尚无研判结果" in empty.output


def test_alert_list_says_what_each_alert_fired_for(test_dsn: str) -> None:
    fp = _alert(test_dsn, new_run())
    zh = ontrack(test_dsn, "alert", "list", "--lang", "zh-CN")
    assert zh.exit_code == 0, zh.output
    header, *lines = zh.output.splitlines()
    assert _cells(header) == ["指纹", "状态", "级别", "起始", "触发原因"]
    mine = next(line for line in lines if line.startswith(fp))
    assert _cells(mine)[1:3] == ["告警中", "紧急"]
    assert mine.endswith("2025年细颗粒物（PM2.5）浓度落后进度轨迹17.3%")
    en = ontrack(test_dsn, "alert", "list", "--severity", "page")
    mine = next(line for line in en.output.splitlines() if line.startswith(fp))
    assert mine.endswith("PM2.5 concentration (2025) is 17.3% behind its trajectory")
    none = ontrack(test_dsn, "alert", "list", "--state", "pending", "--severity", "info")
    assert none.exit_code == 0

"""``ontrack backtest``: history replayed in a scratch database of its own, judged step by step
with only what had arrived, written out as the exact JSON the issue asks for."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import psycopg
import pytest
from click.testing import CliRunner

from services.cli import main
from services.indicators.city import CITY_TZ
from services.settings import Settings

pytestmark = pytest.mark.integration

PLAN = """id: backtest-test
title: Backtest test
title_zh: 回测测试
issuer: tests
date: 2022-12-31
source: backtest_test.txt
targets:
  - id: telecom.5g_base_stations.2025
    indicator: telecom.5g_base_stations
    comparator: ">="
    value: 34000
    unit: stations
    deadline: 2025-12-31
    kind: stock
    baseline: {value: 26000, unit: stations, date: 2022-12-31}
    trajectory: linear
    scope: city
    source_clause: test
    source_text: 到2025年累计建成5G基站3.4万个
  - id: port.china_europe_trains.2025
    indicator: port.china_europe_trains
    comparator: ">="
    value: 800
    unit: trains
    deadline: 2025-12-31
    kind: flow
    baseline: {value: 700, unit: trains, date: 2022-12-31}
    trajectory: linear
    scope: city
    source_clause: test
    source_text: 开行中欧班列超过800列
"""


def _month_end(y: int, m: int) -> datetime:
    nxt = date(y + (m == 12), m % 12 + 1, 1)
    return datetime.combine(nxt - timedelta(days=1), datetime.min.time(), CITY_TZ).replace(hour=23)


@pytest.fixture
def history(tmp_path: Path) -> Path:
    """Monthly totals of one operator, on the path until a stall from March 2025; each
    reported five days after its month, and March's first figure revised a week later."""
    rows = ["indicator,ts,value,unit,source,received_at"]
    value = 26_000.0
    for y in (2023, 2024, 2025):
        for m in range(1, 13):
            value += 10.0 if (y, m) >= (2025, 3) else 240.0
            ts = _month_end(y, m)
            received = ts + timedelta(days=5)
            if (y, m) == (2025, 3):  # first reported too high, corrected a week later
                first = f"telecom.5g_base_stations,{ts.isoformat()},{value + 500:.0f},stations,op-a,{received.isoformat()}"
                rows.append(first)
                received += timedelta(days=7)
            rows.append(
                f"telecom.5g_base_stations,{ts.isoformat()},{value:.0f},stations,op-a,{received.isoformat()}"
            )
    path = tmp_path / "history.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    (tmp_path / "plans").mkdir()
    (tmp_path / "plans" / "test.yaml").write_text(PLAN, encoding="utf-8")
    return path


def _databases(dsn: str) -> set[str]:
    with psycopg.connect(dsn) as conn:
        return {r[0] for r in conn.execute("SELECT datname FROM pg_database").fetchall()}


def test_the_json_is_exactly_as_asked_and_the_scratch_database_is_gone(
    settings: Settings, history: Path, tmp_path: Path
) -> None:
    before = _databases(settings.dsn)
    out = tmp_path / "out.json"
    report = tmp_path / "report.html"
    result = CliRunner().invoke(
        main,
        [
            "--database-url", settings.dsn, "backtest", str(history),
            "--from", "2023-01-01", "--to", "2026-01-15", "--step", "7d",
            "--plans", str(tmp_path / "plans"), "--json", str(out), "--report", str(report),
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    doc = json.loads(out.read_text())
    assert set(doc) == {"alerts", "final", "evaluations"}
    # 1110 days: 2023-01-01 and every 7 days after it up to day 1106 (159), and the end
    assert doc["evaluations"] == 160
    for alert in doc["alerts"]:
        assert set(alert) == {
            "rule", "kind", "subject", "severity", "fired_at", "resolved_at", "reason"
        }  # fmt: skip
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", alert["fired_at"])
        assert alert["resolved_at"] is None or alert["resolved_at"].endswith("Z")
        assert alert["kind"] in ("target", "feed", "no_data")
    g5 = doc["final"]["telecom.5g_base_stations.2025"]
    assert set(g5) == {"status", "actual", "expected"}
    assert g5["status"] == "missed" and g5["actual"] == pytest.approx(26_000 + 26 * 240 + 10 * 10)
    # the stall is caught, and what the alert said is what it said when it fired
    stall = [a for a in doc["alerts"] if a["subject"] == "telecom.5g_base_stations.2025"]
    assert stall and stall[0]["kind"] == "target"
    first = datetime.fromisoformat(stall[0]["fired_at"].replace("Z", "+00:00"))
    assert datetime(2025, 3, 1, tzinfo=UTC) < first < datetime(2025, 7, 1, tzinfo=UTC)
    # the feed never connected is reported as such
    trains = [a for a in doc["alerts"] if a["subject"] == "port.china_europe_trains.2025"]
    assert [a["kind"] for a in trains] == ["no_data"]
    assert doc["final"]["port.china_europe_trains.2025"]["status"] == "no_data"
    assert "<svg" in report.read_text() and "telecom.5g_base_stations.2025" in report.read_text()
    assert _databases(settings.dsn) == before  # the scratch database was dropped


def test_only_what_had_arrived_is_judged(settings: Settings, history: Path, tmp_path: Path) -> None:
    """Judged on 2025-04-03, the March figure first reported (500 too high) had arrived,
    its correction had not: the actual is the first report."""
    out = tmp_path / "out.json"
    result = CliRunner().invoke(
        main,
        [
            "--database-url", settings.dsn, "backtest", str(history), "--from", "2025-01-01",
            "--to", "2025-04-08T00:00:00+08:00", "--plans", str(tmp_path / "plans"),
            "--json", str(out),
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    g5 = json.loads(out.read_text())["final"]["telecom.5g_base_stations.2025"]
    assert g5["actual"] == pytest.approx(26_000 + 26 * 240 + 10 + 500)


def test_bad_history_is_refused_line_by_line_and_missing_files_in_one_line(
    settings: Settings, tmp_path: Path, history: Path
) -> None:
    bad = tmp_path / "bad.ndjson"
    bad.write_text(
        '{"indicator": "telecom.5g_base_stations", "ts": "2024-01-31T23:00:00+08:00", '
        '"value": 30000, "unit": "stations", "source": "op-a"}\n'
        '{"indicator": "telecom.5g_base_stations", "ts": "2024-02-29T23:00:00+08:00", '
        '"value": 30200, "unit": "kg", "source": "op-a"}\n'
        "not json\n",
        encoding="utf-8",
    )
    runner = CliRunner()
    args = ["--database-url", settings.dsn, "backtest", "--from", "2024-01-01", "--to",
            "2024-03-01", "--plans", str(tmp_path / "plans")]  # fmt: skip
    result = runner.invoke(main, [*args[:3], str(bad), *args[3:]])
    assert result.exit_code == 0, result.output
    assert f"{bad}:2: unit" in result.output and f"{bad}:3: not JSON" in result.output
    missing = runner.invoke(main, [*args[:3], str(tmp_path / "nope.csv"), *args[3:]])
    assert missing.exit_code != 0 and "no such file" in missing.output
    assert "Traceback" not in missing.output

"""``ontrack replay FILE`` back-fills CSV and NDJSON through the API: progress, summary, retries."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import orjson
import pytest

from services.settings import Settings
from tests.fixtures.keys import MakeKey
from tests.fixtures.services import Running, service_env, wait_for
from tests.integration.ingest.conftest import Limited
from tests.integration.ingest.helpers import count_rows, day, hours, reading, rows

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def _replay(settings: Settings, url: str, key: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "services", "replay", *args, "--api", url, "--key", key],
        env=service_env(settings),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_replay_csv_reports_bad_lines_by_their_line_in_the_file(
    pipeline: Running, settings: Settings, api_key: str, tmp_path: Path
) -> None:
    lines = ["indicator,ts,value,unit,source,id"]
    for i, ts in enumerate(hours(day(15), 30)):
        unit = "kg" if i in (6, 21) else "µg/m³"  # file lines 8 and 23
        lines.append(f"air.pm25,{ts.isoformat()},{i},{unit},rp-csv,rp-{i}")
    lines.insert(12, "")  # a blank line: the ones below move down by one
    path = tmp_path / "history.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    done = _replay(settings, pipeline.api_url, api_key, str(path), "--batch", "4")
    assert done.returncode == 1, done.stderr  # some readings were rejected
    assert "sent 30, accepted 28, rejected 2" in done.stderr
    assert re.search(r"line 8, unit: unit \"kg\" is not accepted for air.pm25", done.stderr)
    assert re.search(r"line 24, unit: unit \"kg\"", done.stderr)
    assert "readings" in done.stderr  # the progress bar's label
    wait_for(lambda: count_rows(settings.dsn, "rp-csv") == 28, 60, "28 rows")
    assert sorted(r[7] for r in rows(settings.dsn, "rp-csv")) == sorted(
        f"rp-{i}" for i in range(30) if i not in (6, 21)
    )


def test_replay_ndjson_twice_stores_it_once(
    pipeline: Running, settings: Settings, api_key: str, tmp_path: Path
) -> None:
    path = tmp_path / "history.ndjson"
    records = [reading("rp-nd", ts, 5 + i) for i, ts in enumerate(hours(day(16), 50))]
    path.write_bytes(b"\n".join(orjson.dumps(r) for r in records) + b"\n")
    for _ in range(2):
        done = _replay(settings, pipeline.api_url, api_key, str(path), "--batch", "20")
        assert done.returncode == 0, done.stderr
        assert "sent 50, accepted 50, rejected 0" in done.stderr
    wait_for(lambda: count_rows(settings.dsn, "rp-nd") == 50, 60, "50 rows")
    assert [r[2] for r in rows(settings.dsn, "rp-nd")] == [5.0 + i for i in range(50)]


def test_replay_waits_out_429_and_counts_the_retries(
    limited: Limited, settings: Settings, make_key: MakeKey, tmp_path: Path
) -> None:
    path = tmp_path / "lots.jsonl"
    records = [reading("rp-rate", ts, 1) for ts in hours(day(17), 80)]
    path.write_bytes(b"\n".join(orjson.dumps(r) for r in records))
    done = _replay(settings, limited.url, make_key("rp-rate"), str(path), "--batch", "20")
    assert done.returncode == 0, done.stderr
    assert "sent 80, accepted 80, rejected 0" in done.stderr
    retries = int(re.search(r"(\d+) retries", done.stderr)[1])  # type: ignore[index]
    assert retries >= 1  # 80 readings at 20/s with bursts of 30 cannot go through without
    wait_for(lambda: count_rows(settings.dsn, "rp-rate") == 80, 60, "80 rows")


def test_replay_refuses_a_bad_key_and_an_unknown_format(
    pipeline: Running, settings: Settings, tmp_path: Path, api_key: str
) -> None:
    path = tmp_path / "x.txt"
    path.write_text("indicator,ts,value,unit,source\n")
    bad = _replay(settings, pipeline.api_url, "otk_nope", str(path))
    assert bad.returncode == 1 and "the API refused the key (HTTP 401)" in bad.stderr
    unknown = _replay(settings, pipeline.api_url, api_key, str(path))
    assert unknown.returncode == 1 and "name it .csv or .ndjson, or --format" in unknown.stderr

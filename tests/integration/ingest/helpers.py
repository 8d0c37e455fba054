"""Helpers of the ingest tests: what is stored, what a process logged, how to post."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import psycopg

from tests.fixtures.services import Proc


def post(url: str, token: str | None, body: Any = None, **kw: Any) -> httpx.Response:
    headers = dict(kw.pop("headers", {}))
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    if body is not None:
        kw["json"] = body
    return httpx.post(url + "/v1/readings", headers=headers, timeout=30, **kw)


def reading(source: str, ts: datetime, value: object = 30, **over: Any) -> dict[str, Any]:
    rec = {
        "indicator": "air.pm25",
        "source": source,
        "ts": ts.isoformat(),
        "value": value,
        "unit": "µg/m³",
    }
    rec.update(over)
    return rec


def hours(start: datetime, n: int) -> list[datetime]:
    return [start + timedelta(hours=i) for i in range(n)]


def day(d: int, month: int = 10) -> datetime:
    return datetime(2026, month, d, tzinfo=UTC)


def count_rows(dsn: str, source: str) -> int:
    with psycopg.connect(dsn) as conn:
        row = conn.execute(
            "SELECT count(*) FROM observations WHERE source = %s", [source]
        ).fetchone()
    assert row is not None
    return int(row[0])


def rows(dsn: str, source: str) -> list[tuple[object, ...]]:
    with psycopg.connect(dsn) as conn:
        return conn.execute(
            "SELECT indicator, ts, value, raw_value, raw_unit, region, labels, reading_id "
            "FROM observations WHERE source = %s ORDER BY indicator, ts",
            [source],
        ).fetchall()


def log_of(proc: Proc) -> str:
    return Path(proc.log).read_text(errors="replace")

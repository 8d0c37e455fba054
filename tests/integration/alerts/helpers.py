"""Plan and rule files for the alert engine's integration tests, and database reads."""

from __future__ import annotations

import asyncio
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import psycopg

from services.api import create_app
from services.settings import Settings

PLAN_HEAD = """\
id: it-alerts
title: Alert engine integration test
title_zh: 告警引擎测试
issuer: ontrack tests
date: 2026-01-01
source: 003_c9fd408649e50223.txt

targets:
"""

G5_TARGET = """\
  - id: {id}
    indicator: telecom.5g_base_stations
    comparator: ">="
    value: 4万
    unit: stations
    deadline: 2027-12-31
    kind: stock
    baseline: {{value: 20000, unit: stations, date: 2026-01-01}}
    trajectory: linear
    scope: city
    source_clause: 003_c9fd408649e50223.txt · 二（五）
    source_text: 到2027年,全市5G基站数量突破4万个。
"""


def write_plans(directory: Path, *targets: str) -> Path:
    """A plans directory holding one plan with ``targets`` (YAML list items)."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "it.yaml").write_text(PLAN_HEAD + "".join(targets), encoding="utf-8")
    return directory


def write_rules(directory: Path, text: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "rules.yaml").write_text(text, encoding="utf-8")
    return directory


def events(dsn: str, fingerprint: str) -> list[tuple[datetime, str, str, float | None, str]]:
    """The transitions of one alert, oldest first: (at, from, to, value, reason)."""
    with psycopg.connect(dsn) as conn:
        rows = conn.execute(
            "SELECT at, from_state, to_state, value, reason FROM v_alert_events "
            "WHERE fingerprint = %s ORDER BY at, array_position("
            "ARRAY['pending', 'firing', 'resolved', 'inactive'], to_state)",
            [fingerprint],
        ).fetchall()
    return [(r[0], r[1], r[2], r[3], r[4]) for r in rows]


def one(dsn: str, query: str, *params: Any) -> tuple[Any, ...] | None:
    with psycopg.connect(dsn) as conn:
        return conn.execute(query, list(params)).fetchone()  # type: ignore[arg-type]


def api_get(settings: Settings, *paths: str) -> dict[str, httpx.Response]:
    """GET ``paths`` from the API built by ``create_app``."""
    app = create_app(settings)

    async def get() -> dict[str, httpx.Response]:
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://api") as client:
                return {path: await client.get(path) for path in paths}

    return asyncio.run(get())

"""``/v1/alerts/{fp}/ack|resolve`` and ``/v1/silences`` with real API keys and the database."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import httpx
import pytest
from fastapi import FastAPI
from psycopg_pool import AsyncConnectionPool
from pydantic import SecretStr

from services.alerts.notify.delivery.enqueue import enqueue_for_transitions
from services.alerts.notify.routing.tree import WebhookTarget
from services.api import actions as actions_api
from services.api.auth import key_cache
from services.auth.keys import Scope, new_key
from services.settings import Settings
from services.storage.api_keys import insert_key
from tests.integration.notify.helpers import (
    Clock,
    fingerprint,
    fired,
    insert_alert,
    new_run,
    routes_for,
    snapshot,
)

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]


@dataclass
class Api:
    client: httpx.AsyncClient
    run: str
    clock: Clock
    operator: dict[str, str]
    feeder: dict[str, str]


async def _key(pool: AsyncConnectionPool, provider: str, roles: list[str]) -> dict[str, str]:
    made = new_key()
    async with pool.connection() as conn:
        await insert_key(conn, made.id, made.hash, provider, Scope(("*",), ("*",)), roles)
    return {"Authorization": f"Bearer {made.token}"}


@pytest.fixture
async def api(pool: AsyncConnectionPool, test_dsn: str, tmp_path: Path) -> AsyncIterator[Api]:
    run, clock = new_run(), Clock()
    (tmp_path / "routes.yaml").write_text(
        "version: 1\nreceivers:\n  - name: hook\n    webhook: {url: 'http://127.0.0.1:9/', secrets_env: [X]}\n"
        "route:\n  receiver: hook\n  group_by: [alertname]\n"
    )
    app = FastAPI()
    app.include_router(actions_api.router, tags=["on-call"])
    app.state.ontrack = SimpleNamespace(
        keys=key_cache(lambda: pool, 0.0),
        pool=pool,
        now=clock,
        settings=Settings(database_url=SecretStr(test_dsn), routes_dir=tmp_path),
    )
    operator = await _key(pool, "plan-office-duty", ["operator"])
    feeder = await _key(pool, "station-feed", ["ingest"])
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://api.test") as client:
        yield Api(client, run, clock, operator, feeder)


async def test_auth(api: Api, pool: AsyncConnectionPool) -> None:
    fp = fingerprint()
    none = await api.client.post(f"/v1/alerts/{fp}/ack", json={"note": "x"})
    assert none.status_code == 401 and none.headers["WWW-Authenticate"].startswith("Bearer")
    wrong = await api.client.post(f"/v1/alerts/{fp}/ack", json={"note": "x"}, headers=api.feeder)
    assert wrong.status_code == 403 and "needs operator" in wrong.json()["detail"]
    listed = await api.client.get("/v1/silences", headers=api.feeder)
    assert listed.status_code == 403


async def test_ack_and_resolve(api: Api, pool: AsyncConnectionPool) -> None:
    a = snapshot(fingerprint(), api.run)
    async with pool.connection() as conn:
        await insert_alert(conn, a)
        async with conn.cursor() as cur:
            routes = routes_for(
                api.run, {"hook": WebhookTarget(url="http://127.0.0.1:9/", secrets_env=())}
            )
            await enqueue_for_transitions(cur, [(a, fired(a))], routes, api.clock())
    api.clock.advance(minutes=5)
    acked = await api.client.post(
        f"/v1/alerts/{a.fingerprint}/ack", json={"note": "on it"}, headers=api.operator
    )
    assert acked.status_code == 200, acked.text
    assert acked.json()["acked_by"] == "plan-office-duty" and acked.json()["state"] == "firing"
    api.clock.advance(minutes=5)
    done = await api.client.post(
        f"/v1/alerts/{a.fingerprint}/resolve", json={"note": "feed fixed"}, headers=api.operator
    )
    assert done.status_code == 200, done.text
    assert done.json()["state"] == "resolved" and done.json()["notified"] == ["hook"]
    async with pool.connection() as conn:
        cur = await conn.execute(
            "SELECT to_state, actor, note FROM alert_events WHERE fingerprint = %s ORDER BY at",
            [a.fingerprint],
        )
        assert await cur.fetchall() == [
            ("firing", "plan-office-duty", "on it"),
            ("resolved", "plan-office-duty", "feed fixed"),
        ]
        cur = await conn.execute(
            "SELECT kind FROM notifications WHERE fingerprint = %s ORDER BY id", [a.fingerprint]
        )
        assert [r[0] for r in await cur.fetchall()] == ["firing", "resolved"]

    again = await api.client.post(
        f"/v1/alerts/{a.fingerprint}/ack", json={"note": "late"}, headers=api.operator
    )
    assert again.status_code == 409 and "only a pending or firing alert" in again.json()["detail"]
    missing = await api.client.post(
        f"/v1/alerts/{fingerprint()}/resolve", json={"note": "x"}, headers=api.operator
    )
    assert missing.status_code == 404
    no_note = await api.client.post(
        f"/v1/alerts/{a.fingerprint}/ack", json={"note": ""}, headers=api.operator
    )
    assert no_note.status_code == 422
    bad_fp = await api.client.post("/v1/alerts/nope/ack", json={"note": "x"}, headers=api.operator)
    assert bad_fp.status_code == 422


async def test_silences(api: Api, pool: AsyncConnectionPool) -> None:
    a = snapshot(fingerprint(), api.run)
    async with pool.connection() as conn:
        await insert_alert(conn, a)
    start = api.clock()
    body = {
        "matchers": [f"run={api.run}", 'family=~"air|water"'],
        "ends_at": (start + timedelta(hours=2)).isoformat(),
        "comment": "station maintenance",
    }
    made = await api.client.post("/v1/silences", json=body, headers=api.operator)
    assert made.status_code == 201, made.text
    silence = made.json()
    assert silence["state"] == "active" and silence["created_by"] == "plan-office-duty"
    assert silence["matchers"] == [f"run={api.run}", 'family=~"air|water"']
    assert silence["alerts"] == [a.fingerprint]

    window = {**body, "starts_at": (start + timedelta(days=1)).isoformat(),
              "ends_at": (start + timedelta(days=1, hours=4)).isoformat()}  # fmt: skip
    planned = await api.client.post("/v1/silences", json=window, headers=api.operator)
    assert planned.json()["state"] == "pending"

    listed = (await api.client.get("/v1/silences", headers=api.operator)).json()
    assert {s["id"] for s in listed["silences"]} == {silence["id"], planned.json()["id"]}
    gone = await api.client.delete(f"/v1/silences/{silence['id']}", headers=api.operator)
    assert gone.status_code == 200 and gone.json()["state"] == "expired"
    assert gone.json()["expired_by"] == "plan-office-duty"
    listed = (await api.client.get("/v1/silences", headers=api.operator)).json()
    assert [s["id"] for s in listed["silences"]] == [planned.json()["id"]]
    everything = (await api.client.get("/v1/silences?all=true", headers=api.operator)).json()
    assert everything["count"] == 2
    missing = await api.client.delete("/v1/silences/999999999", headers=api.operator)
    assert missing.status_code == 404


@pytest.mark.parametrize(
    ("change", "says"),
    [
        ({"matchers": ["severity"]}, "is not a matcher"),
        ({"ends_at": "2026-03-02T10:00:00"}, "has no time zone"),
        ({"ends_at": "2026-03-02T07:00:00+00:00"}, "must end after it starts"),
        ({"matchers": []}, "matchers"),
        ({"comment": ""}, "comment"),
    ],
)
async def test_invalid_silences(api: Api, change: dict[str, object], says: str) -> None:
    body = {
        "matchers": ["severity=page"],
        "ends_at": "2026-03-02T10:00:00+00:00",
        "comment": "c",
        **change,
    }
    answer = await api.client.post("/v1/silences", json=body, headers=api.operator)
    assert answer.status_code == 422 and says in str(answer.json()["detail"])

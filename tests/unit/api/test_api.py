"""``POST /v1/readings`` in process, with the broker and the key store faked: the answers that
the real stack cannot easily be made to give (broker or key store down, exact Retry-After)."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest
from fastapi import FastAPI

from services.api.app import create_app
from services.api.contract.problem_types import PROBLEM_TYPES
from services.api.state import ApiState
from services.auth.cache import KeyCache
from services.auth.errors import AuthUnavailable
from services.auth.keys import ApiKey, Scope, new_key
from services.auth.ratelimit import RateLimiter
from services.indicators.columns import ReadingColumns
from services.ingest.errors import BrokerUnavailable
from services.settings import Settings

NOW = datetime(2026, 11, 21, tzinfo=UTC)
MADE = new_key()
KEY = ApiKey(MADE.id, MADE.hash, "grid", Scope(("power.*",), ("grid-*",)), ("ingest",), NOW)
AUTH = {"authorization": f"Bearer {MADE.token}"}
GOOD = {
    "indicator": "power.total_capacity",
    "ts": "2026-11-20T00:00:00Z",
    "value": "1.2",
    "unit": "万千瓦",
    "source": "grid-qd",
}


class Producer:
    def __init__(self) -> None:
        self.sent = ReadingColumns()
        self.down = False

    async def reachable(self, within: float = 2.0) -> bool:
        return not self.down

    async def send(self, readings: ReadingColumns, received_at: datetime) -> int:
        if self.down:
            raise BrokerUnavailable("the broker did not acknowledge the batch: timeout")
        self.sent.extend(readings)
        return 1


class Clock:
    t = 0.0

    def __call__(self) -> float:
        return self.t


class Env:
    def __init__(self, settings: Settings | None = None) -> None:
        self.app: FastAPI = create_app(settings or Settings(), now=lambda: NOW)
        self.state: ApiState = self.app.state.ontrack
        self.producer = Producer()
        self.state.producer = self.producer  # type: ignore[assignment]
        self.store_down = False
        self.clock = Clock()
        self.state.limiter = RateLimiter(10, 20, clock=self.clock)

        async def fetch(key_id: str) -> ApiKey | None:
            if self.store_down:
                raise AuthUnavailable("the API keys cannot be checked right now; retry")
            return KEY if key_id == KEY.id else None

        async def touch(key_id: str) -> None:
            return None

        self.state.keys = KeyCache(fetch, touch, ttl=0)

    def client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(transport=httpx.ASGITransport(app=self.app), base_url="http://api")


@pytest.fixture
def env() -> Env:
    return Env()


async def test_accepted_readings_are_normalised_and_counted_by_provider(env: Env) -> None:
    async with env.client() as http:
        resp = await http.post("/v1/readings", json=[GOOD, {**GOOD, "unit": "kg"}], headers=AUTH)
        metrics = (await http.get("/metrics")).text
    assert resp.status_code == 202
    assert resp.json()["accepted"] == 1 and resp.json()["errors"][0]["field"] == "unit"
    sent = env.producer.sent
    assert list(zip(sent.value, sent.raw_value, sent.raw_unit, strict=True)) == [
        (12000.0, 1.2, "万千瓦")
    ]
    assert (
        'ontrack_readings_accepted_total{indicator="power.total_capacity",provider="grid"} 1.0'
        in metrics
    )


async def test_broker_down_is_503_and_nothing_is_claimed(env: Env) -> None:
    env.producer.down = True
    async with env.client() as http:
        resp = await http.post("/v1/readings", json=[GOOD], headers=AUTH)
    assert resp.status_code == 503 and resp.headers["retry-after"] == "5"
    assert resp.headers["content-type"] == "application/problem+json"
    assert "nothing from this batch was accepted: retry it as it is" in resp.json()["detail"]
    assert resp.json()["type"] == "/problems/broker-unavailable"
    assert "accepted" not in resp.json()


async def test_key_store_down_is_503_not_401(env: Env) -> None:
    env.store_down = True
    async with env.client() as http:
        resp = await http.post("/v1/readings", json=[GOOD], headers=AUTH)
    assert resp.status_code == 503 and resp.headers["retry-after"] == "5"
    assert "cannot be checked right now" in resp.json()["detail"]


async def test_rate_limit_answers_when_to_come_back(env: Env) -> None:
    async with env.client() as http:
        assert (await http.post("/v1/readings", json=[GOOD] * 15, headers=AUTH)).status_code == 202
        resp = await http.post("/v1/readings", json=[GOOD] * 15, headers=AUTH)
        assert resp.status_code == 429 and resp.headers["retry-after"] == "1"
        too_long = await http.post("/v1/readings", json=[GOOD] * 21, headers=AUTH)
        env.clock.t = 1.0
        again = await http.post("/v1/readings", json=[GOOD] * 15, headers=AUTH)
    assert (
        too_long.status_code == 413 and "may send at most 20 at once" in too_long.json()["detail"]
    )
    assert again.status_code == 202


async def test_framework_errors_are_problem_details_too(env: Env) -> None:
    async with env.client() as http:
        missing = await http.get("/v1/nothing")
        wrong_method = await http.get("/v1/readings")
    assert (
        missing.status_code == 404 and missing.headers["content-type"] == "application/problem+json"
    )
    assert missing.json()["type"] == "/problems/not-found"
    assert wrong_method.status_code == 405 and wrong_method.json()["title"] == "method not allowed"
    assert wrong_method.headers["allow"] == "POST"


async def test_key_self(env: Env) -> None:
    async with env.client() as http:
        me = (await http.get("/v1/keys/self", headers={"x-api-key": MADE.token})).json()
        anonymous = await http.get("/v1/keys/self")
    assert (
        me["provider"] == "grid" and me["indicators"] == ["power.*"] and me["sources"] == ["grid-*"]
    )
    assert anonymous.status_code == 401


READS = ["/v1/series/air.pm25/qd-1", "/v1/targets", "/v1/alerts", "/v1/alerts/0123456789abcdef"]


@pytest.mark.parametrize("public", [True, False])
async def test_reads_need_a_key_only_when_they_are_not_public(public: bool) -> None:
    env = Env(Settings(public_reads=public))
    async with env.client() as http:
        for path in READS:
            anonymous = await http.get(path)
            forged = await http.get(path, headers={"authorization": "Bearer ot_x.forged"})
            keyed = await http.get(path, headers=AUTH)  # no database here: 503, not 401
            if public:
                assert anonymous.status_code not in (401, 403), path
            else:
                assert anonymous.status_code == 401, path
                assert anonymous.headers["www-authenticate"] == 'Bearer realm="ontrack"'
                assert "application/problem+json" in anonymous.headers["content-type"]
                assert forged.status_code == 401, path
            assert keyed.status_code not in (401, 403), (path, keyed.text)


async def test_allow_names_every_method_of_a_path(env: Env) -> None:
    async with env.client() as http:
        resp = await http.put("/v1/silences")
    assert resp.status_code == 405 and resp.headers["allow"] == "GET, HEAD, POST"
    assert resp.json()["type"] == "/problems/method-not-allowed"


async def test_a_body_that_is_not_json_is_400_not_500(env: Env) -> None:
    async with env.client() as http:
        resp = await http.post(
            "/v1/silences", content=b"\xff{", headers={**AUTH, "content-type": "application/json"}
        )
    assert resp.status_code == 400 and resp.json()["type"] == "/problems/unreadable-body"


async def test_liveness_readiness_and_health_are_apart(env: Env) -> None:
    async with env.client() as http:
        assert (await http.get("/livez")).json() == {"status": "alive"}
        ready = await http.get("/readyz")
        health = await http.get("/healthz")  # no database here
        env.producer.down = True
        not_ready = await http.get("/readyz")
        still_alive = await http.get("/livez")
    assert ready.status_code == 200 and ready.json()["checks"] == {"kafka": True}
    assert health.status_code == 503
    assert health.json()["checks"] == {"kafka": True, "database": False}
    assert not_ready.status_code == 503 and not_ready.json()["status"] == "not ready"
    assert still_alive.status_code == 200


@pytest.mark.parametrize("slug", sorted(PROBLEM_TYPES))
async def test_every_problem_type_has_a_page(env: Env, slug: str) -> None:
    async with env.client() as http:
        page = await http.get(f"/problems/{slug}")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert PROBLEM_TYPES[slug].title.replace("'", "&#x27;") in page.text


async def test_an_unknown_problem_type_is_404(env: Env) -> None:
    async with env.client() as http:
        page = await http.get("/problems/nothing-like-it")
    assert page.status_code == 404 and "unreadable-body" in page.json()["detail"]

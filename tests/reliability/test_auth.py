"""Bad actors against the running API: every endpoint that needs a key refuses a request
without one, with a malformed, unknown, forged or revoked one, and with a key of the wrong
role; every write outside a key's scope (another provider's series, another indicator) is
refused whole; nothing a refused request carried is stored or done.

Every operation of the OpenAPI document must be listed in ``ENDPOINTS`` with what it needs,
so a new endpoint cannot slip in unclassified. Reads of series, targets and alerts are open
by design (the links in notifications and Alertmanager's generatorURL open them); there is
no administration endpoint over HTTP (keys are made and revoked with ``ontrack keys``,
which needs the database).
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest

from services.settings import Settings
from tests.fixtures.keys import MakeKey
from tests.fixtures.services import Proc, service_env, start_api, start_service, wait_for
from tests.integration.notify.helpers import fingerprint, insert_alert, new_run, snapshot

pytestmark = [pytest.mark.integration, pytest.mark.slow]

PUBLIC, ANY_KEY, INGEST, OPERATOR = "public", "any key", "ingest", "operator"
ENDPOINTS = {
    ("post", "/v1/readings"): INGEST,
    ("get", "/v1/keys/self"): ANY_KEY,
    ("get", "/v1/series/{indicator}/{source}"): PUBLIC,
    ("get", "/v1/targets"): PUBLIC,
    ("get", "/v1/alerts"): PUBLIC,
    ("get", "/v1/alerts/{fingerprint}"): PUBLIC,
    ("post", "/v1/alerts/{fingerprint}/ack"): OPERATOR,
    ("post", "/v1/alerts/{fingerprint}/resolve"): OPERATOR,
    ("get", "/v1/silences"): OPERATOR,
    ("post", "/v1/silences"): OPERATOR,
    ("delete", "/v1/silences/{silence_id}"): OPERATOR,
    ("get", "/healthz"): PUBLIC,
    ("get", "/livez"): PUBLIC,
    ("get", "/readyz"): PUBLIC,
    ("get", "/metrics"): PUBLIC,
    ("get", "/problems/{slug}"): PUBLIC,
}
ROUTES = """\
version: 1
receivers:
  - name: nowhere
    webhook: {url: 'http://127.0.0.1:9/', secrets_env: [AUTH_TEST_SECRET]}
route:
  receiver: nowhere
  group_by: [alertname]
"""


@dataclass
class Keys:
    ingest: str  # provider a: air.* from a-*
    other: str  # provider b: air.* from b-*
    operator: str
    admin: str
    revoked: str
    no_role: str


def forged(token: str) -> str:
    """The same key id with another secret."""
    return token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")


BAD_CREDENTIALS: list[tuple[str, Callable[[Keys], dict[str, str]]]] = [
    ("no key", lambda k: {}),
    ("bearer without a token", lambda k: {"Authorization": "Bearer"}),
    ("basic auth", lambda k: {"Authorization": "Basic dXNlcjpwdw=="}),
    ("malformed", lambda k: {"Authorization": "Bearer otk_nonsense"}),
    ("unknown", lambda k: {"Authorization": "Bearer otk_0123456789abcdef_" + "x" * 43}),
    ("forged secret", lambda k: {"Authorization": f"Bearer {forged(k.operator)}"}),
    ("forged X-API-Key", lambda k: {"X-API-Key": forged(k.ingest)}),
    ("revoked", lambda k: {"Authorization": f"Bearer {k.revoked}"}),
    ("SQL in the key", lambda k: {"Authorization": "Bearer otk_' OR '1'='1"}),
]


def reading(source: str, **over: Any) -> dict[str, Any]:
    ts = datetime(2022, 6, 1, tzinfo=UTC) + timedelta(minutes=hash(source) % 10_000)
    rec = {"indicator": "air.pm25", "source": source, "ts": ts.isoformat(), "value": 30}
    return {**rec, "unit": "µg/m³", **over}


def request(
    http: httpx.Client, method: str, path: str, fp: str, silence: int, headers: dict[str, str]
) -> httpx.Response:
    """A well-formed request to the endpoint, so that only the credentials decide."""
    concrete = (
        path.replace("{fingerprint}", fp)
        .replace("{silence_id}", str(silence))
        .replace("{indicator}", "air.pm25")
        .replace("{source}", "a-1")
    )
    body: Any = None
    if path == "/v1/readings":
        body = [reading("a-auth")]
    elif path.endswith(("/ack", "/resolve")):
        body = {"note": "auth test"}
    elif path == "/v1/silences" and method == "post":
        ends = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
        body = {"matchers": [f"run={fp}"], "ends_at": ends, "comment": "auth test"}
    return http.request(method.upper(), concrete, json=body, headers=headers)


def test_every_endpoint_refuses_bad_credentials_and_wrong_roles(
    settings: Settings,
    spawn: Callable[..., Proc],
    make_key: MakeKey,
    tmp_path: Path,
    record: Callable[[object], None],
) -> None:
    (tmp_path / "routes.yaml").write_text(ROUTES)
    env = service_env(settings, ONTRACK_KEY_CACHE_SECONDS="1", ONTRACK_ROUTES_DIR=str(tmp_path))
    url, api = start_api(spawn, env, name="api-auth")
    start_service(spawn, "worker-auth", ["worker"], env)  # stores whatever gets through
    keys = Keys(
        ingest=make_key("provider-a", indicators=["air.*"], sources=["a-*"]),
        other=make_key("provider-b", indicators=["air.*"], sources=["b-*"]),
        operator=make_key("duty-officer", roles=["operator"]),
        admin=make_key("ops-admin", roles=["admin"]),
        revoked=make_key("provider-gone", roles=["ingest", "operator"]),
        no_role=make_key("nobody", roles=[]),
    )
    run = new_run()
    alert = snapshot(fingerprint(), run)

    async def setup() -> None:
        async with await psycopg.AsyncConnection.connect(settings.dsn, autocommit=True) as conn:
            await insert_alert(conn, alert)

    asyncio.run(setup())
    http = httpx.Client(base_url=url, timeout=30)
    bearer = {
        name: {"Authorization": f"Bearer {getattr(keys, name)}"} for name in Keys.__annotations__
    }
    # the revoked key worked once (so it is cached), then it is revoked
    assert request(http, "get", "/v1/keys/self", "", 0, bearer["revoked"]).status_code == 200
    with psycopg.connect(settings.dsn, autocommit=True) as conn:
        conn.execute(
            "UPDATE api_keys SET revoked_at = now() WHERE id = %s", [keys.revoked.split("_")[1]]
        )
    time.sleep(1.2)  # past the key cache (1 s here)

    operations = {
        (method, path)
        for path, ops in http.get("/openapi.json").json()["paths"].items()
        for method in ops
    }
    assert operations == set(ENDPOINTS), "classify every endpoint in ENDPOINTS"

    refused: Counter[str] = Counter()
    wrong: list[str] = []

    def expect(what: str, answer: httpx.Response, status: int) -> None:
        if answer.status_code != status:
            wrong.append(f"{what}: {answer.status_code} (want {status}) {answer.text[:160]}")
        elif status in (401, 403):
            refused[str(status)] += 1
            problem = answer.json()
            if not (problem.get("title") and problem.get("detail")):
                wrong.append(f"{what}: the refusal does not say why: {answer.text[:160]}")
            if status == 401 and not answer.headers.get("www-authenticate", "").startswith(
                "Bearer"
            ):
                wrong.append(f"{what}: 401 without WWW-Authenticate")

    fp, silence = alert.fingerprint, 999_999_999
    for (method, path), needs in ENDPOINTS.items():
        if needs == PUBLIC:
            continue
        for name, credential in BAD_CREDENTIALS:
            answer = request(http, method, path, fp, silence, credential(keys))
            expect(f"{method} {path} with {name}", answer, 401)
        wrong_roles = {
            INGEST: ["operator", "admin", "no_role"],
            OPERATOR: ["ingest", "other", "no_role"],
        }
        for name in wrong_roles.get(needs, []):
            answer = request(http, method, path, fp, silence, bearer[name])
            expect(f"{method} {path} with the {name} key", answer, 403)

    # without a key and with a bad body too: refused either way (FastAPI checks the body's
    # shape before the handler looks at the key), never done
    for method, path, body in [
        ("post", "/v1/alerts/nope/ack", {"note": "x"}),
        ("post", f"/v1/alerts/{fp}/ack", {"note": ""}),
        ("post", f"/v1/alerts/{fp}/resolve", ["not", "an", "object"]),
        ("post", "/v1/silences", {"matchers": []}),
        ("delete", "/v1/silences/not-a-number", None),
        ("post", "/v1/readings", "{"),
    ]:
        answer = http.request(method.upper(), path, json=body)
        if answer.status_code not in (401, 422):
            wrong.append(f"{method} {path} with a bad body and no key: {answer.status_code}")

    # writes outside a key's scope: refused whole, whoever's series it names
    scope_cases = [
        ("another provider's source", keys.ingest, [reading("a-ok"), reading("b-1")]),
        ("the other way round", keys.other, [reading("b-ok"), reading("a-2")]),
        ("another indicator", keys.ingest, [reading("a-3", indicator="port.container_teu",
                                                     unit="TEU", value=5)]),
        ("a source like a pattern", keys.ingest, [reading("a*"), reading("*")]),
    ]  # fmt: skip
    for what, token, batch in scope_cases:
        answer = http.post("/v1/readings", json=batch, headers={"Authorization": f"Bearer {token}"})
        expect(f"write of {what}", answer, 403)
        assert "nothing of this batch was accepted" in answer.json()["detail"]

    # the right keys work: the refusals above were about the credentials, nothing else
    for name, method, path, status in [
        ("ingest", "post", "/v1/readings", 202),
        ("ingest", "get", "/v1/keys/self", 200),
        ("operator", "get", "/v1/silences", 200),
        ("admin", "post", "/v1/alerts/{fingerprint}/ack", 200),
        ("operator", "post", "/v1/alerts/{fingerprint}/resolve", 200),
        ("operator", "delete", "/v1/silences/{silence_id}", 404),  # no such silence: authorised
        (None, "get", "/v1/alerts/{fingerprint}", 200),
        (None, "get", "/v1/series/{indicator}/{source}", 200),
        (None, "get", "/v1/targets", 200),
    ]:
        answer = request(http, method, path, fp, silence, bearer[name] if name else {})
        expect(f"{method} {path} with the {name or 'no'} key", answer, status)
    http.close()
    assert not wrong, "\n".join(wrong)

    # nothing a refused request carried was stored or done (the authorised one is, after it)
    wait_for(lambda: _stored(settings.dsn, "a-auth"), 60, "the authorised reading stored")
    with psycopg.connect(settings.dsn) as conn:
        sources = {
            r[0]
            for r in conn.execute(
                "SELECT source FROM observations WHERE source IN ('a-ok', 'b-ok', 'b-1', 'a-2',"
                " 'a-3', 'a*', '*', 'a-auth')"
            )
        }
        silences = conn.execute(
            "SELECT count(*) FROM silences WHERE comment = 'auth test'"
        ).fetchone()
        history = conn.execute(
            "SELECT actor, reason FROM alert_events WHERE fingerprint = %s ORDER BY at", [fp]
        ).fetchall()
    assert sources == {"a-auth"}, sources
    assert silences == (0,)
    assert [actor for actor, _ in history] == ["ops-admin", "duty-officer"], history
    assert api.popen.poll() is None
    record(
        AuthResult(
            endpoints=len(ENDPOINTS),
            protected=sum(1 for n in ENDPOINTS.values() if n != PUBLIC),
            refused_401=refused["401"],
            refused_403=refused["403"],
            let_through=0,
        )
    )


def _stored(dsn: str, source: str) -> bool:
    with psycopg.connect(dsn) as conn:
        return (
            conn.execute("SELECT 1 FROM observations WHERE source = %s", [source]).fetchone()
            is not None
        )


@dataclass
class AuthResult:
    endpoints: int
    protected: int
    refused_401: int
    refused_403: int
    let_through: int

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)

    def line(self) -> str:
        return (
            f"auth: {self.endpoints} endpoints ({self.protected} need a key): "
            f"{self.refused_401} requests refused 401, {self.refused_403} refused 403, "
            f"{self.let_through} let through"
        )

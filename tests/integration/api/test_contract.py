"""The API against its own OpenAPI document: schemathesis, every check, on the real process.

The API runs as a process on the test stack (a database of this module's own, with targets
judged by the real alert engine and a few alerts, and private topics). schemathesis runs
twice, with an admin key and with an ingest-only key scoped to some indicators and sources:
every check, every phase (examples, coverage, fuzzing, stateful); no failure, no error, no
5xx, no part of the schema it had to skip.

The one exception allowed (tests/integration/api/schemathesis.toml): a request the schema
admits may be refused for a reason no schema can state, and only where that refusal is
documented on the operation. ``postReadings`` answers 422 no-reading-accepted when every
reading is refused for the catalogue (unknown indicator, a unit it does not take, an
implausible value: the catalogue is the deployment's) or the clock (a time in the future);
``createSilence`` answers 422 invalid-silence for a silence ending before now or a regex
matcher that does not compile.

``ONTRACK_SCHEMATHESIS_EXAMPLES`` raises the examples per operation (default 12, about 20 s
a run); ``ONTRACK_SCHEMATHESIS_SEED`` picks the seed (default: a fixed one).
"""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import orjson
import psycopg
import pytest
from pydantic import SecretStr

from services.settings import Settings
from tests.fixtures.keys import key_in
from tests.fixtures.services import Proc, service_env, start_api, start_service, wait_for
from tests.fixtures.stack import fresh_database
from tests.integration.notify.helpers import fingerprint, insert_alert, new_run, snapshot

pytestmark = [pytest.mark.integration, pytest.mark.slow]

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
EXAMPLES = int(os.environ.get("ONTRACK_SCHEMATHESIS_EXAMPLES", "12"))
SEED = os.environ.get("ONTRACK_SCHEMATHESIS_SEED", "20261206")
SCHEMA_ERRORS = ("unsupported_regex", "unresolvable_reference", "missing_deserializer")


@pytest.fixture(scope="module")
def api(
    embedded_stack: Settings,
    private_topics: Callable[..., Settings],
    module_spawn: Callable[..., Proc],
) -> Iterator[tuple[str, str]]:
    """The API's URL and its database, with judged targets and two alerts in it."""
    with fresh_database(embedded_stack.dsn, f"ontrack_contract_{os.getpid()}") as dsn:
        settings = private_topics(embedded_stack, database_url=SecretStr(dsn))
        env = service_env(settings, ONTRACK_EVAL_INTERVAL="3600")
        engine = start_service(module_spawn, "alerts", ["alerts"], env, timeout=90)
        wait_for(lambda: _count(dsn, "target_status") > 0, 60, "the engine to judge the targets")
        engine.stop()
        _add_alerts(dsn)
        url, _ = start_api(module_spawn, env, name="api-contract")
        yield url, dsn


def _count(dsn: str, table: str) -> int:
    with psycopg.connect(dsn) as conn:
        row = conn.execute(f"SELECT count(*) FROM {table}").fetchone()  # noqa: S608 - a constant
    return int(row[0]) if row else 0


def _add_alerts(dsn: str) -> None:
    async def add() -> None:
        async with await psycopg.AsyncConnection.connect(dsn, autocommit=True) as conn:
            run = new_run()
            for state in ("firing", "resolved"):
                alert = snapshot(fingerprint(), run, severity="ticket")
                await insert_alert(conn, alert, state)
                await conn.execute(
                    "INSERT INTO alert_events (fingerprint, at, from_state, to_state, value, reason)"
                    " VALUES (%s, %s, 'pending', 'firing', 17.3, 'behind its trajectory')",
                    [alert.fingerprint, alert.fired_at],
                )

    asyncio.run(add())


def _schemathesis(url: str, token: str, tmp: Path) -> dict[str, Any]:
    report = tmp / "schemathesis.json"
    st = Path(sys.executable).with_name("st")
    command = [
        str(st),
        "--config-file",
        str(HERE / "schemathesis.toml"),
        "run",
        f"{url}/openapi.json",
        "--checks",
        "all",
        "--header",
        f"Authorization: Bearer {token}",
        "--max-examples",
        str(EXAMPLES),
        "--seed",
        SEED,
        "--report",
        "json",
        "--report-json-path",
        str(report),
    ]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(  # noqa: S603 - our own command line
        command, capture_output=True, text=True, env=env, timeout=300, cwd=tmp
    )
    assert report.exists(), f"schemathesis wrote no report:\n{done.stdout[-4000:]}\n{done.stderr}"
    result: dict[str, Any] = orjson.loads(report.read_bytes())
    result["output"] = done.stdout
    summary = {k: result[k] for k in ("exit_code", "operations", "test_cases", "running_time")}
    print(f"\n[schemathesis] {summary}")
    return result


def _assert_clean(result: dict[str, Any]) -> None:
    tail = result["output"][-6000:]
    assert result["exit_code"] == 0 and not result["failures"] and not result["errors"], tail
    assert result["test_cases"]["with_failures"] == 0, tail
    assert result["operations"]["tested"] == result["operations"]["total"], tail
    assert all(p["status"] == "success" for p in result["phases"].values()), result["phases"]
    for warning in SCHEMA_ERRORS:
        assert not result["warnings"][warning], (warning, result["warnings"][warning])


def test_schemathesis_with_an_admin_key(api: tuple[str, str], tmp_path: Path) -> None:
    url, dsn = api
    token = key_in(dsn, "contract-admin", roles=["admin", "operator", "ingest"])
    result = _schemathesis(url, token, tmp_path)
    _assert_clean(result)
    assert result["test_cases"]["generated"] >= 200


def test_schemathesis_with_an_ingest_only_key(api: tuple[str, str], tmp_path: Path) -> None:
    url, dsn = api
    token = key_in(dsn, "contract-emc", indicators=["air.*"], sources=["qd-*"])
    result = _schemathesis(url, token, tmp_path)
    _assert_clean(result)
    # the on-call operations refuse this key: 403, as documented, never a 5xx
    assert result["test_cases"]["generated"] >= 200


def test_docs_and_redoc_load_everything_from_the_api(api: tuple[str, str]) -> None:
    url, _ = api
    with httpx.Client(base_url=url, timeout=10) as http:
        for page in ("/docs", "/redoc"):
            html = http.get(page)
            assert html.status_code == 200 and html.headers["content-type"].startswith("text/html")
            # src=, href=, ReDoc's spec-url= and Swagger UI's url: '...' (the document)
            links = re.findall(
                r"""(?:src|href|spec-url)\s*=\s*["']([^"']+)["']|url:\s*'([^']+)'""", html.text
            )
            assets = [a or b for a, b in links]
            assert len(assets) >= 3 and "/openapi.json" in assets, (page, assets)
            for asset in assets:
                assert asset.startswith("/") and not asset.startswith("//"), (page, asset)
                fetched = http.get(asset)
                assert fetched.status_code == 200 and fetched.content, (page, asset)
            assert not re.search(r"https?://", html.text), f"{page} names another host"
        spec = http.get("/openapi.json").json()
    assert spec["info"]["title"] == "ontrack"


def test_the_engine_port_has_liveness_and_readiness(
    api: tuple[str, str], embedded_stack: Settings, private_topics: Callable[..., Settings],
    module_spawn: Callable[..., Proc],
) -> None:  # fmt: skip
    _, dsn = api
    env = service_env(private_topics(embedded_stack, database_url=SecretStr(dsn)))
    engine = start_service(module_spawn, "alerts-probes", ["alerts"], env, timeout=90)
    base = f"http://127.0.0.1:{engine.port}"
    assert httpx.get(base + "/livez", timeout=5).json() == {"status": "alive"}
    ready = httpx.get(base + "/readyz", timeout=5)
    assert ready.status_code == 200 and ready.json()["checks"] == {"database": True}
    engine.stop()

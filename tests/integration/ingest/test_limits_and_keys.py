"""Limits (413, 429 with Retry-After) and the life of a key made, listed and revoked by the CLI."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator

import psycopg
import pytest

from services.settings import Settings
from tests.fixtures.services import service_env, wait_for
from tests.integration.ingest.conftest import Limited
from tests.integration.ingest.helpers import count_rows, day, hours, post, reading

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def _small(source: str, n: int) -> list[dict[str, object]]:
    return [reading(source, ts, 1) for ts in hours(day(13), n)]


def test_a_body_over_the_limit_is_413(limited: Limited, fresh_key: str) -> None:
    resp = post(
        limited.url,
        fresh_key,
        content=b"[" + b" " * 9000 + b"]",
        headers={"content-type": "application/json"},
    )
    assert resp.status_code == 413
    assert resp.json()["title"] == "body too large"
    assert "the limit is 8192 bytes: split it" in resp.json()["detail"]


def test_a_chunked_body_over_the_limit_is_413(limited: Limited, fresh_key: str) -> None:
    def chunks() -> Iterator[bytes]:
        yield b"["
        for _ in range(20):
            yield b" " * 1000
        yield b"]"

    resp = post(
        limited.url, fresh_key, content=chunks(), headers={"content-type": "application/json"}
    )
    assert resp.status_code == 413
    assert "at least" in resp.json()["detail"]


def test_a_batch_over_the_limit_is_413(limited: Limited, fresh_key: str) -> None:
    resp = post(limited.url, fresh_key, _small("lim-batch", 26))
    assert resp.status_code == 413
    assert resp.json()["title"] == "batch too long"
    assert "send at most 25 per request" in resp.json()["detail"]


def test_too_many_readings_is_429_with_retry_after(
    limited: Limited, settings: Settings, fresh_key: str
) -> None:
    assert post(limited.url, fresh_key, _small("lim-rate", 25)).status_code == 202
    resp = post(limited.url, fresh_key, _small("lim-rate", 25))
    assert resp.status_code == 429
    assert resp.headers["content-type"] == "application/problem+json"
    wait = int(resp.headers["retry-after"])
    assert 1 <= wait <= 2
    assert "20 readings per second" in resp.json()["detail"]
    time.sleep(wait)
    assert post(limited.url, fresh_key, _small("lim-rate", 25)).status_code == 202
    wait_for(lambda: count_rows(settings.dsn, "lim-rate") == 25, 60, "the rows, once")


def _cli(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "services", "keys", *args],
        env=service_env(settings),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_a_key_is_made_listed_used_and_revoked_with_the_cli(
    limited: Limited, settings: Settings
) -> None:
    made = _cli(
        settings, "create", "--provider", "telecom-a", "--indicators", "telecom.*",
        "--sources", "unicom-*,mobile-*", "--note", "ticket 42",
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    token = made.stdout.strip()
    _, key_id, secret = token.split("_", 2)  # the secret may hold "_" too
    assert "shown only now" in made.stderr

    with psycopg.connect(settings.dsn) as conn:
        stored = conn.execute(
            "SELECT provider, indicators, sources, roles, hash, row_to_json(k)::text "
            "FROM api_keys k WHERE id = %s",
            [key_id],
        ).fetchone()
    assert stored is not None
    assert stored[:4] == ("telecom-a", ["telecom.*"], ["unicom-*", "mobile-*"], ["ingest"])
    assert len(stored[4]) == 32 and len(secret) == 43 and secret not in stored[5]  # a hash

    stations = {
        "indicator": "telecom.5g_base_stations",
        "source": "unicom-qd",
        "ts": "2026-10-31T00:00:00+08:00",
        "value": 120,
        "unit": "stations",
        "labels": {"arrives_as": "increment"},
    }
    assert post(limited.url, token, [stations]).status_code == 202
    listed = _cli(settings, "list", "--provider", "telecom-a")
    assert key_id in listed.stdout and "telecom.*" in listed.stdout

    def used() -> bool:
        with psycopg.connect(settings.dsn) as conn:
            row = conn.execute(
                "SELECT last_used_at FROM api_keys WHERE id = %s", [key_id]
            ).fetchone()
        return row is not None and row[0] is not None

    wait_for(used, 10, "last_used_at to be set")

    revoked = _cli(settings, "revoke", key_id)
    assert revoked.returncode == 0, revoked.stderr
    assert f"revoked key {key_id} of telecom-a" in revoked.stderr
    time.sleep(1.2)  # the API's key cache lives 1 s here (5 s by default)
    resp = post(limited.url, token, [stations])
    assert resp.status_code == 401
    assert "was revoked" in resp.json()["detail"]
    assert key_id not in _cli(settings, "list").stdout
    assert key_id in _cli(settings, "list", "--all").stdout
    again = _cli(settings, "revoke", key_id)
    assert again.returncode == 1 and "no active key" in again.stderr


def test_the_cli_refuses_a_scope_that_matches_nothing(settings: Settings) -> None:
    made = _cli(
        settings, "create", "--provider", "x", "--indicators", "air.pm2.5", "--sources", "*"
    )
    assert made.returncode == 2
    assert "matches no indicator of the catalogue" in made.stderr
    assert made.stdout == ""

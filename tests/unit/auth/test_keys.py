"""Tokens, hashes and scopes of API keys."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.auth.keys import (
    ApiKey,
    Scope,
    hash_token,
    key_id_of,
    new_key,
    pattern_problem,
    token_matches,
)


def test_a_new_key_is_a_token_whose_hash_alone_is_kept() -> None:
    made = new_key()
    assert made.token.startswith(f"otk_{made.id}_")
    assert key_id_of(made.token) == made.id
    assert made.hash == hash_token(made.token) and len(made.hash) == 32
    assert token_matches(made.token, made.hash)
    assert not token_matches(made.token[:-1] + ("A" if made.token[-1] != "A" else "B"), made.hash)
    assert new_key().id != made.id


@pytest.mark.parametrize(
    ("token", "key_id"),
    [
        ("otk_0123456789abcdef_" + "a" * 43, "0123456789abcdef"),
        ("otk_0123456789abcdef_" + "a-_Z9" * 8 + "abc", "0123456789abcdef"),
        ("otk_0123456789ABCDEF_" + "a" * 43, None),  # ids are lower-case hex
        ("otk_0123456789abcde_" + "a" * 43, None),
        ("otk_0123456789abcdef_" + "a" * 42, None),
        ("otk_0123456789abcdef_" + "a" * 42 + "!", None),
        ("Bearer otk_0123456789abcdef_" + "a" * 43, None),
        ("", None),
    ],
)
def test_key_id_of(token: str, key_id: str | None) -> None:
    assert key_id_of(token) == key_id


SCOPE = Scope(("air.*", "port.container_teu"), ("qd-station-*", "emc"))


@pytest.mark.parametrize(
    ("indicator", "allowed"),
    [
        ("air.pm25", True),
        ("air.o3", True),
        ("port.container_teu", True),
        ("port.container_teu_x", False),
        ("water.nearshore_good_quality_ratio", False),
        ("airport.passengers", False),  # "air.*" is not "air*"
        ("AIR.PM25", False),
    ],
)
def test_indicator_scope(indicator: str, allowed: bool) -> None:
    assert SCOPE.allows_indicator(indicator) is allowed


@pytest.mark.parametrize(
    ("source", "allowed"),
    [
        ("qd-station-01", True),
        ("qd-station-", True),
        ("emc", True),
        ("emc-2", False),
        ("QD-STATION-1", False),
    ],
)
def test_source_scope(source: str, allowed: bool) -> None:
    assert SCOPE.allows_source(source) is allowed


@pytest.mark.parametrize(
    ("kind", "pattern", "ok"),
    [
        ("indicators", "air.*", True),
        ("indicators", "*", True),
        ("indicators", "Air.*", False),
        ("indicators", "air pm25", False),
        ("sources", "qd-*", True),
        ("sources", "青岛-*", True),
        ("sources", "a b", False),
        ("sources", "", False),
    ],
)
def test_pattern_problem(kind: str, pattern: str, ok: bool) -> None:
    assert (pattern_problem(kind, pattern) is None) is ok


def test_roles_and_revocation() -> None:
    key = ApiKey("0" * 16, b"x" * 32, "port", SCOPE, ("ingest",), datetime(2026, 1, 1, tzinfo=UTC))
    assert key.active and key.has_role("ingest") and not key.has_role("admin")

"""API keys, the pure part: token format, hashing, and what a key may write.

A token is ``otk_<id>_<secret>``: ``id`` is 16 hex digits that name the key (shown by
``ontrack keys list``, used to revoke it), ``secret`` 256 random bits. Only the SHA-256 of
the whole token is stored; a slow KDF would add nothing for a 256-bit random secret.
Hashes are compared in constant time.

A key's scope is two lists of patterns (``*`` any run of characters, ``?`` one): the
indicators it may write (``air.*``) and the sources (``qd-station-*``). Roles say which
endpoints it may use: ``ingest`` (push readings); ``operator`` and ``admin`` are reserved
for the alert and administration endpoints.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from fnmatch import fnmatchcase
from functools import lru_cache
from typing import Final

__all__ = [
    "ROLES",
    "ApiKey",
    "NewKey",
    "Scope",
    "hash_token",
    "key_id_of",
    "new_key",
    "pattern_problem",
    "token_matches",
]

ROLES: Final = ("ingest", "operator", "admin")
_PREFIX: Final = "otk"
_TOKEN_RE: Final = re.compile(r"^otk_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$")
_INDICATOR_PATTERN_RE: Final = re.compile(r"^[a-z0-9_.*?]{1,64}$")
_SOURCE_PATTERN_RE: Final = re.compile(r"^[^\s\x00-\x1f\x7f]{1,128}$")


@dataclass(frozen=True, slots=True)
class NewKey:
    """A freshly made key: the token is shown once, only ``hash`` is stored."""

    id: str
    token: str
    hash: bytes


def new_key() -> NewKey:
    key_id = secrets.token_hex(8)
    token = f"{_PREFIX}_{key_id}_{secrets.token_urlsafe(32)}"
    return NewKey(key_id, token, hash_token(token))


def hash_token(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


def key_id_of(token: str) -> str | None:
    """The key id a token names, or None when the text is not shaped like a token."""
    match = _TOKEN_RE.match(token)
    return match[1] if match else None


def token_matches(token: str, stored_hash: bytes) -> bool:
    return hmac.compare_digest(hash_token(token), stored_hash)


def pattern_problem(kind: str, pattern: str) -> str | None:
    """Why an indicator or source pattern cannot be used, or None when it can."""
    regex = _INDICATOR_PATTERN_RE if kind == "indicators" else _SOURCE_PATTERN_RE
    if regex.match(pattern):
        return None
    if kind == "indicators":
        return (
            f'indicator pattern "{pattern}" may hold only a-z, 0-9, _, ., * and ? '
            "(e.g. air.* or port.container_teu)"
        )
    return f'source pattern "{pattern}" must be 1 to 128 characters without spaces (e.g. qd-*)'


@dataclass(frozen=True, slots=True)
class Scope:
    """What a key may write: indicator and source patterns."""

    indicators: tuple[str, ...]
    sources: tuple[str, ...]

    def allows_indicator(self, indicator: str) -> bool:
        return _allows_indicator(indicator, self.indicators)

    def allows_source(self, source: str) -> bool:
        return _any_match(source, self.sources)

    def describe(self) -> str:
        return f"indicators {', '.join(self.indicators)}; sources {', '.join(self.sources)}"


def _any_match(value: str, patterns: Iterable[str]) -> bool:
    if "*" in patterns:  # matches every text: no pattern to run per record
        return True
    return any(fnmatchcase(value, p) for p in patterns)


@lru_cache(maxsize=4096)
def _allows_indicator(indicator: str, patterns: tuple[str, ...]) -> bool:
    """Checked for every record: the catalogue's few indicators, once per key scope."""
    return _any_match(indicator, patterns)


@dataclass(frozen=True, slots=True)
class ApiKey:
    """A stored key (never the token)."""

    id: str
    hash: bytes
    provider: str
    scope: Scope
    roles: tuple[str, ...]
    created_at: datetime
    revoked_at: datetime | None = None
    last_used_at: datetime | None = None
    note: str | None = None

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    def has_role(self, role: str) -> bool:
        return role in self.roles

"""Authentication through the key cache: answers, TTL, revocation, last use."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from services.auth.cache import KeyCache
from services.auth.errors import AuthUnavailable, Forbidden, Unauthenticated
from services.auth.keys import ApiKey, Scope, new_key

MADE = new_key()
KEY = ApiKey(
    MADE.id,
    MADE.hash,
    "port",
    Scope(("port.*",), ("*",)),
    ("ingest",),
    datetime(2026, 1, 1, tzinfo=UTC),
)


class Store:
    def __init__(self, key: ApiKey | None) -> None:
        self.key = key
        self.fetches = 0
        self.touched: list[str] = []
        self.down = False

    async def fetch(self, key_id: str) -> ApiKey | None:
        self.fetches += 1
        if self.down:
            raise AuthUnavailable("the key store is down; retry")
        return self.key if self.key is not None and self.key.id == key_id else None

    async def touch(self, key_id: str) -> None:
        self.touched.append(key_id)


class Clock:
    t = 0.0

    def __call__(self) -> float:
        return self.t


def _cache(store: Store, clock: Clock) -> KeyCache:
    return KeyCache(store.fetch, store.touch, ttl=5, clock=clock, touch_every=60)


async def test_a_good_key_is_looked_up_once_per_ttl_and_touched_once_a_minute() -> None:
    store, clock = Store(KEY), Clock()
    cache = _cache(store, clock)
    for _ in range(3):
        assert await cache.authenticate(MADE.token, "ingest") == KEY
    await cache.drain()
    assert (store.fetches, store.touched) == (1, [KEY.id])
    clock.t = 5.1
    await cache.authenticate(MADE.token, "ingest")
    await cache.drain()
    assert (store.fetches, store.touched) == (2, [KEY.id])
    clock.t = 61
    await cache.authenticate(MADE.token, None)
    await cache.drain()
    assert store.touched == [KEY.id, KEY.id]


@pytest.mark.parametrize(
    ("token", "reason", "words"),
    [
        (None, "missing", "no API key"),
        ("", "missing", "no API key"),
        ("secret", "malformed", "malformed"),
        (MADE.token[:-1] + ("x" if MADE.token[-1] != "x" else "y"), "invalid", "not valid"),
        (new_key().token, "invalid", "not valid"),
    ],
)
async def test_bad_tokens(token: str | None, reason: str, words: str) -> None:
    with pytest.raises(Unauthenticated, match=words) as caught:
        await _cache(Store(KEY), Clock()).authenticate(token, "ingest")
    assert caught.value.reason == reason and caught.value.status == 401


async def test_a_revoked_key_stops_working_when_the_cache_entry_expires() -> None:
    store, clock = Store(KEY), Clock()
    cache = _cache(store, clock)
    await cache.authenticate(MADE.token, "ingest")
    store.key = replace(KEY, revoked_at=datetime(2026, 2, 1, tzinfo=UTC))
    clock.t = 4.9
    await cache.authenticate(MADE.token, "ingest")  # still cached: the documented delay
    clock.t = 5.0
    with pytest.raises(Unauthenticated, match="was revoked at 2026-02-01"):
        await cache.authenticate(MADE.token, "ingest")


async def test_a_missing_role_is_forbidden() -> None:
    with pytest.raises(Forbidden, match="not admin") as caught:
        await _cache(Store(KEY), Clock()).authenticate(MADE.token, "admin")
    assert caught.value.status == 403


async def test_the_store_down_is_unavailable_not_unauthenticated() -> None:
    store = Store(KEY)
    store.down = True
    with pytest.raises(AuthUnavailable) as caught:
        await _cache(store, Clock()).authenticate(MADE.token, "ingest")
    assert caught.value.status == 503 and caught.value.retriable


async def test_a_failing_touch_never_fails_the_request() -> None:
    async def broken(key_id: str) -> None:
        raise OSError("gone")

    store = Store(KEY)
    cache = KeyCache(store.fetch, broken, ttl=5, clock=Clock())
    assert await cache.authenticate(MADE.token, "ingest") == KEY
    await cache.drain()
    await asyncio.sleep(0)


async def test_a_known_key_outlives_a_store_outage_for_a_while() -> None:
    store, clock = Store(KEY), Clock()
    cache = KeyCache(store.fetch, store.touch, ttl=5, clock=clock, stale_for=60)
    await cache.authenticate(MADE.token, "ingest")
    store.down = True
    seen = []
    for t in (6, 7, 10.9, 11.1, 59.9):  # (time, fetches so far): one try per ttl while down,
        clock.t = t  # in the background after the first
        assert await cache.authenticate(MADE.token, "ingest") == KEY
        await cache.drain()
        seen.append((t, store.fetches))
    assert seen == [(6, 2), (7, 2), (10.9, 2), (11.1, 3), (59.9, 4)]
    clock.t = 60  # checked last a minute ago: no longer vouched for
    with pytest.raises(AuthUnavailable):
        await cache.authenticate(MADE.token, "ingest")


async def test_only_a_key_known_good_is_kept_through_an_outage() -> None:
    store, clock = Store(KEY), Clock()
    cache = KeyCache(store.fetch, store.touch, ttl=5, clock=clock, stale_for=60)
    stranger = new_key()
    with pytest.raises(Unauthenticated):
        await cache.authenticate(stranger.token, "ingest")  # unknown, remembered as such
    store.down = True
    clock.t = 6
    with pytest.raises(AuthUnavailable):  # not "unknown": it may have been made since
        await cache.authenticate(stranger.token, "ingest")
    with pytest.raises(AuthUnavailable):  # never seen: cannot be checked
        await cache.authenticate(MADE.token, "ingest")


async def test_requests_never_wait_for_a_store_known_down() -> None:
    store, clock = Store(KEY), Clock()
    cache = KeyCache(store.fetch, store.touch, ttl=5, clock=clock, stale_for=60)
    await cache.authenticate(MADE.token, "ingest")
    store.down, clock.t = True, 6
    await cache.authenticate(MADE.token, "ingest")  # finds it down
    release = asyncio.Event()

    async def hanging(key_id: str) -> ApiKey | None:
        await release.wait()
        raise AuthUnavailable("timed out")

    cache._fetch = hanging
    clock.t = 12
    assert await cache.authenticate(MADE.token, "ingest") == KEY  # the probe hangs, not us
    assert await cache.authenticate(MADE.token, "ingest") == KEY
    release.set()
    await cache.drain()


async def test_after_an_outage_the_store_decides_again() -> None:
    store, clock = Store(KEY), Clock()
    cache = KeyCache(store.fetch, store.touch, ttl=5, clock=clock, stale_for=60)
    await cache.authenticate(MADE.token, "ingest")
    store.down, clock.t = True, 6
    await cache.authenticate(MADE.token, "ingest")
    store.down, clock.t = False, 11.5
    store.key = replace(KEY, revoked_at=datetime(2026, 2, 1, tzinfo=UTC))
    await cache.authenticate(MADE.token, "ingest")  # served as last known; the probe learns
    await cache.drain()
    with pytest.raises(Unauthenticated, match="was revoked"):
        await cache.authenticate(MADE.token, "ingest")

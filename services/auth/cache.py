"""Check a token against the key store, with a short cache so auth costs no round trip.

A key looked up is remembered for ``ttl`` seconds, whatever the answer (found, unknown or
revoked). So a revoked key keeps working for at most ``ttl`` seconds in each API process,
and a new key works at once (its id was never looked up before). ``last_used_at`` is
written at most once every ``touch_every`` seconds per key, off the request's path.

While the key store cannot be reached, a key found valid within the last ``stale_for``
seconds keeps working (readings go on into Kafka during a database outage; a revocation
cannot be made then anyway). Once a lookup has found the store down, requests no longer
wait for it: it is asked again in the background, once every ``ttl`` seconds, until it
answers. A key not seen before is refused with AuthUnavailable (503, retry).
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from services.auth.errors import AuthUnavailable, Forbidden, Unauthenticated
from services.auth.keys import ApiKey, key_id_of, token_matches

__all__ = ["KeyCache"]

log = logging.getLogger(__name__)

Fetch = Callable[[str], Awaitable[ApiKey | None]]
Touch = Callable[[str], Awaitable[None]]

NO_KEY = (
    "no API key: send it as the header 'Authorization: Bearer otk_…' (or 'X-API-Key: otk_…'); "
    "the operator makes one with `ontrack keys create`"
)
MALFORMED = (
    "the API key is malformed: a key is otk_ followed by 16 hex digits, _ and 43 characters; "
    "copy it whole"
)
NOT_VALID = "the API key is not valid: copy it whole, or ask the operator for a new one"


class KeyCache:
    def __init__(
        self,
        fetch: Fetch,
        touch: Touch,
        *,
        ttl: float,
        clock: Callable[[], float] = time.monotonic,
        touch_every: float = 60.0,
        max_entries: int = 10_000,
        stale_for: float = 900.0,
    ) -> None:
        self._fetch = fetch
        self._touch = touch
        self.ttl = ttl
        self.stale_for = stale_for
        self._clock = clock
        self._touch_every = touch_every
        self._max_entries = max_entries
        self._entries: dict[str, tuple[ApiKey | None, float]] = {}  # key, when checked
        self._store_down = False
        self._probing = False
        self._last_probe = -math.inf
        self._touched: dict[str, float] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    async def authenticate(self, token: str | None, role: str | None) -> ApiKey:
        """The key a token belongs to, if it is valid (and has ``role``); else an AuthError."""
        if not token:
            raise Unauthenticated(NO_KEY, "missing")
        key_id = key_id_of(token)
        if key_id is None:
            raise Unauthenticated(MALFORMED, "malformed")
        key = await self._lookup(key_id)
        if key is None or not token_matches(token, key.hash):
            raise Unauthenticated(NOT_VALID, "invalid")
        if key.revoked_at is not None:
            when = key.revoked_at.isoformat(timespec="seconds")
            raise Unauthenticated(
                f"the API key {key.id} of {key.provider} was revoked at {when}; "
                "ask the operator for a new one",
                "revoked",
            )
        if role is not None and not key.has_role(role):
            raise Forbidden(
                f"the API key {key.id} of {key.provider} has the role(s) "
                f"{', '.join(key.roles) or 'none'}, not {role}; ask the operator for a key with it"
            )
        self._maybe_touch(key.id)
        return key

    def forget(self, key_id: str) -> None:
        self._entries.pop(key_id, None)

    async def _lookup(self, key_id: str) -> ApiKey | None:
        now = self._clock()
        entry = self._entries.get(key_id)
        age = math.inf if entry is None else now - entry[1]
        if entry is not None and age < self.ttl:
            return entry[0]
        stale = entry[0] if entry is not None and age < self.stale_for else None
        if stale is not None and self._store_down:
            self._probe(key_id, now)
            return stale
        try:
            key = await self._fetch(key_id)
        except AuthUnavailable as exc:
            if stale is None:
                raise
            self._store_down, self._last_probe = True, now
            log.warning(
                "the key store is unavailable (%s); keys checked in the last %.0f s stay valid "
                "until it is back (key %s of %s was checked %.0f s ago)",
                exc,
                self.stale_for,
                stale.id,
                stale.provider,
                age,
            )
            return stale
        self._remember(key_id, key, now)
        return key

    def _remember(self, key_id: str, key: ApiKey | None, now: float) -> None:
        self._store_down = False
        if len(self._entries) >= self._max_entries:
            self._evict(now)
        self._entries[key_id] = (key, now)

    def _probe(self, key_id: str, now: float) -> None:
        """While the store is down, ask it again in the background, once per ``ttl``."""
        if self._probing or now - self._last_probe < self.ttl:
            return
        self._probing, self._last_probe = True, now

        async def probe() -> None:
            try:
                key = await self._fetch(key_id)
            except AuthUnavailable:
                return
            finally:
                self._probing = False
            self._remember(key_id, key, self._clock())

        self._spawn(probe())

    def _evict(self, now: float) -> None:
        stale = [k for k, (_, at) in self._entries.items() if now - at >= self.ttl]
        for k in stale or list(self._entries)[: self._max_entries // 10 or 1]:
            del self._entries[k]

    def _maybe_touch(self, key_id: str) -> None:
        now = self._clock()
        last = self._touched.get(key_id)
        if last is not None and now - last < self._touch_every:
            return
        self._touched[key_id] = now
        self._spawn(self._touch_quietly(key_id))

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _touch_quietly(self, key_id: str) -> None:
        try:
            await self._touch(key_id)
        except Exception as exc:  # noqa: BLE001 - last_used_at is best effort, never fails a request
            log.warning("could not record the use of API key %s: %s", key_id, exc)

    async def drain(self) -> None:
        """Wait for pending ``last_used_at`` writes and store probes (at shutdown)."""
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

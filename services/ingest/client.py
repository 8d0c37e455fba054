"""A client of ``POST /v1/readings`` that retries what may be retried (used by replay and MQTT).

A batch answered 429 or 503, or lost to a connection error, is sent again, as it is, after
the server's ``Retry-After`` or an exponential backoff. Every other answer is final and is
returned (202, 422, 4xx), so the caller decides; since the API is idempotent on
(series, ts), sending a batch again never duplicates anything.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import orjson

from services.errors import OntrackError, Unreachable

__all__ = ["Answer", "ClientError", "IngestClient"]

RETRIED = frozenset({429, 502, 503, 504})
_START_API = "start it (`ontrack api`, or `ontrack run`), or point ONTRACK_API_URL (--api) at it"


class ClientError(OntrackError):
    """The API cannot be used (refused key, gave up retrying, stopped); the message says why."""


@dataclass(frozen=True, slots=True)
class Answer:
    status: int
    body: dict[str, Any]

    @property
    def errors(self) -> list[dict[str, Any]]:
        return list(self.body.get("errors") or [])

    @property
    def detail(self) -> str:
        return str(self.body.get("detail") or self.body.get("title") or f"HTTP {self.status}")


def _decode(resp: httpx.Response) -> dict[str, Any]:
    try:
        doc = orjson.loads(resp.content)
    except orjson.JSONDecodeError:
        return {"detail": resp.text[:500]}
    return doc if isinstance(doc, dict) else {"detail": str(doc)[:500]}


class IngestClient:
    def __init__(
        self,
        url: str,
        key: str,
        *,
        timeout: float = 60.0,
        give_up_after: float | None = 900.0,
        max_backoff: float = 30.0,
        on_retry: Callable[[str, float], None] = lambda reason, wait: None,
        should_stop: Callable[[], bool] = lambda: False,
        sleep: Callable[[float], None] = time.sleep,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self._http = httpx.Client(
            base_url=url.rstrip("/"),
            timeout=timeout,
            headers={"authorization": f"Bearer {key}"},
            transport=transport,
        )
        self.give_up_after = give_up_after
        self.max_backoff = max_backoff
        self.on_retry = on_retry
        self.should_stop = should_stop
        self._sleep = sleep
        self.retries = 0

    def close(self) -> None:
        self._http.close()

    def key_info(
        self, give_up_after: float | None = 30.0, *, wait_for_api: bool = True
    ) -> dict[str, Any]:
        """What the key is and may write; a ClientError saying why when it cannot be used.

        ``wait_for_api`` off: an API that refuses the connection is Unreachable at once (a
        command run by hand), instead of being tried again until ``give_up_after``."""
        answer = self._send(
            lambda: self._http.get("/v1/keys/self"), give_up_after, retry_refused=wait_for_api
        )
        if answer.status != 200:
            raise ClientError(f"the API refused the key (HTTP {answer.status}): {answer.detail}")
        return answer.body

    def post(self, body: bytes, content_type: str) -> Answer:
        """Send one batch until it gets a final answer."""
        return self._send(
            lambda: self._http.post(
                "/v1/readings", content=body, headers={"content-type": content_type}
            ),
            self.give_up_after,
        )

    def _send(
        self,
        request: Callable[[], httpx.Response],
        give_up_after: float | None,
        *,
        retry_refused: bool = True,
    ) -> Answer:
        started = time.monotonic()
        delay = 0.5
        while True:
            if self.should_stop():
                raise ClientError("stopped before the batch was answered")
            lost: httpx.TransportError | None = None
            try:
                resp = request()
            except httpx.ConnectError as exc:
                if not retry_refused:
                    raise Unreachable(
                        "the ontrack API", str(self._http.base_url), str(exc), _START_API
                    ) from None
                lost, reason, wait = exc, f"connection ({type(exc).__name__}: {exc})", delay
            except httpx.TransportError as exc:
                lost, reason, wait = exc, f"connection ({type(exc).__name__}: {exc})", delay
            else:
                if resp.status_code not in RETRIED:
                    return Answer(resp.status_code, _decode(resp))
                reason, wait = f"HTTP {resp.status_code}", _retry_after(resp, delay)
            if give_up_after is not None and time.monotonic() - started + wait > give_up_after:
                if lost is not None:
                    raise Unreachable(
                        "the ontrack API",
                        str(self._http.base_url),
                        f"no answer for {time.monotonic() - started:.0f} s; last: {reason}",
                        _START_API,
                    )
                raise ClientError(
                    f"gave up on {self._http.base_url} after {time.monotonic() - started:.0f} s; "
                    f"last: {reason}"
                )
            self.retries += 1
            self.on_retry(reason, wait)
            self._sleep(wait)
            delay = min(delay * 2, self.max_backoff)


def _retry_after(resp: httpx.Response, fallback: float) -> float:
    header = resp.headers.get("retry-after", "")
    if header.isdigit():
        return min(float(header), 300.0) + random.uniform(0, 0.25)
    return fallback + random.uniform(0, fallback / 4)

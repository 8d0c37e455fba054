"""Signed webhooks: a JSON POST whose ``Ontrack-Signature`` header proves who sent it.

The signature is Stripe's scheme: ``Ontrack-Signature: t=<unix seconds>,v1=<hex>[,v1=<hex>]``
where each ``v1`` is HMAC-SHA256 over ``"<t>." + raw body`` with one active secret. During
a rotation the sender lists both secrets, so a receiver holding either one verifies; the
receiver refuses a timestamp older (or newer) than its tolerance, which stops replays.
Receivers verify with :func:`verify` (or the same few lines in their own language).
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

import httpx
import orjson

from services.alerts.notify.errors import DeliveryError, SignatureError
from services.alerts.notify.message import Message, Notification
from services.alerts.notify.render import subject
from services.alerts.notify.routing import WebhookTarget
from services.alerts.notify.story import Voice, story_of

__all__ = ["HEADER", "WebhookSender", "body_of", "sign", "verify"]

HEADER = "Ontrack-Signature"
_PART = re.compile(r"^\s*(t|v1|v0)=([0-9a-fA-F]+)\s*$")


def sign(body: bytes, secrets: Sequence[str], ts: int) -> str:
    """The header value: ``t=<ts>`` and one ``v1=`` per secret, in the order given."""
    if not secrets:
        raise ValueError("a webhook signature needs at least one secret")
    return ",".join([f"t={ts}", *(f"v1={_mac(body, s, ts)}" for s in secrets)])


def verify(
    body: bytes, header: str | None, secrets: Sequence[str], now: int, tolerance: int
) -> int:
    """Check a signature header against the raw body; returns its timestamp.

    Raises :class:`SignatureError` (``reason``: missing, malformed, expired, mismatch) when
    no ``v1`` matches any of ``secrets``, or the timestamp is more than ``tolerance``
    seconds away from ``now``.
    """
    if not header:
        raise SignatureError(f"no {HEADER} header", "missing")
    ts: int | None = None
    signatures: list[str] = []
    for part in header.split(","):
        found = _PART.match(part)
        if not found:
            raise SignatureError(f"{HEADER} part {part.strip()!r} is not k=v", "malformed")
        key, value = found.groups()
        if key == "t":
            ts = int(value)
        elif key == "v1":
            signatures.append(value.lower())
    if ts is None or not signatures:
        raise SignatureError(f"{HEADER} needs t= and at least one v1=", "malformed")
    if abs(now - ts) > tolerance:
        raise SignatureError(
            f"timestamp {ts} is {now - ts} s from now (tolerance {tolerance} s)", "expired"
        )
    expected = [_mac(body, secret, ts) for secret in secrets]
    if not any(hmac.compare_digest(e, s) for e in expected for s in signatures):
        raise SignatureError("no v1 signature matches the body with any known secret", "mismatch")
    return ts


def _mac(body: bytes, secret: str, ts: int) -> str:
    return hmac.new(secret.encode(), f"{ts}.".encode() + body, hashlib.sha256).hexdigest()


def body_of(message: Message, sent_at: datetime, voice: Voice | None = None) -> bytes:
    """The JSON body: the message and each notification, with its dedup key.

    The machine fields are the notification's own (labels, annotations as the alert fired,
    explanation, times, value); ``title`` and each notification's ``summary`` and
    ``description`` are written for people, in the receiver's ``language``, and ``url``
    is the alert's full explanation.
    """
    voice = voice or Voice()
    document: dict[str, Any] = {
        "version": 1,
        "message_id": message.id,
        "receiver": message.receiver,
        "group_key": message.group_key,
        "status": message.status,
        "digest": message.digest,
        "language": voice.lang.value,
        "title": subject(message, voice),
        "sent_at": sent_at.isoformat(),
        "notifications": [_notification(n, voice) for n in message.notifications],
    }
    return orjson.dumps(document)


def _notification(n: Notification, voice: Voice) -> dict[str, Any]:
    story = story_of(n, voice)
    return {
        **n.payload(),
        "summary": story.headline,
        "description": story.description(),
        "url": story.link,
    }


def _wall_clock() -> datetime:
    return datetime.now(UTC)


class WebhookSender:
    """POSTs messages to one webhook, signed with every one of its secrets.

    The signature's timestamp is the wall clock's (``wall_clock``), not the dispatcher's
    scheduling clock: the receiver compares it with its own clock.
    """

    def __init__(
        self,
        name: str,
        target: WebhookTarget,
        secrets: Sequence[str],
        client: httpx.AsyncClient,
        *,
        voice: Voice | None = None,
        wall_clock: Callable[[], datetime] = _wall_clock,
    ) -> None:
        self.name = name
        self.voice = voice or Voice()
        self._target = target
        self._secrets = tuple(secrets)
        self._client = client
        self._wall_clock = wall_clock

    async def send(self, message: Message, now: datetime) -> None:
        sent_at = self._wall_clock()
        body = body_of(message, sent_at, self.voice)
        headers = {
            "Content-Type": "application/json",
            HEADER: sign(body, self._secrets, int(sent_at.timestamp())),
            "Ontrack-Message-Id": message.id,
            "User-Agent": "ontrack-notify/1",
        }
        try:
            answer = await self._client.post(
                self._target.url,
                content=body,
                headers=headers,
                timeout=self._target.timeout.total_seconds(),
            )
        except httpx.HTTPError as exc:
            raise DeliveryError(f"webhook {self._target.url}: {type(exc).__name__}: {exc}") from exc
        if answer.is_success:
            return
        retriable = answer.status_code in (408, 409, 425, 429) or answer.status_code >= 500
        raise DeliveryError(
            f"webhook {self._target.url} answered HTTP {answer.status_code}: {answer.text[:200]}",
            retriable=retriable,
        )

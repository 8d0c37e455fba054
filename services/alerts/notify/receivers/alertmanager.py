"""Alertmanager's v2 API: our alerts become its alerts, for its grouping, inhibition and silences.

Each notification is posted as an alert with the alert's labels (plus ``alertname`` = the
rule id and ``severity``), its annotations (``summary`` and ``description`` written for
people in the receiver's language, as e-mails are; the rest as the alert has them), ``startsAt`` = when the episode fired and
``endsAt`` = when it resolved, or — while firing — ``ttl`` ahead of now: Alertmanager
resolves an alert nobody re-sends, so firing alerts are repeated more often than ``ttl``.
Alertmanager deduplicates by labels, so sending the same alert twice is harmless.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from services.alerts.notify.errors import DeliveryError
from services.alerts.notify.message import Kind, Message, Notification
from services.alerts.notify.routing import AlertmanagerTarget
from services.alerts.notify.story import Voice, story_of
from services.language import plain

__all__ = ["AlertmanagerSender", "alerts_of"]

_BAD = re.compile(r"[^a-zA-Z0-9_]")


def alerts_of(
    message: Message, now: datetime, ttl: timedelta, voice: Voice
) -> list[dict[str, Any]]:
    """The body of ``POST /api/v2/alerts`` for a message."""
    return [_alert(n, now, ttl, voice) for n in message.notifications]


def _alert(n: Notification, now: datetime, ttl: timedelta, voice: Voice) -> dict[str, Any]:
    labels = {_label(k): str(v) for k, v in n.routing_labels.items()}
    annotations = {_label(k): str(v) for k, v in n.annotations.items()}
    story = story_of(n, voice)
    annotations.update(summary=story.headline, description=story.description())
    annotations.update(ontrack_reason=n.reason, ontrack_dedup_key=n.dedup_key)
    if n.value is not None:
        annotations["ontrack_value"] = plain(n.value)
    ends = n.at if n.kind is Kind.RESOLVED else now + ttl
    alert: dict[str, Any] = {
        "labels": labels,
        "annotations": annotations,
        "startsAt": _iso(n.episode_at),
        "endsAt": _iso(ends),
    }
    if story.link:
        alert["generatorURL"] = story.link
    return alert


def _label(name: str) -> str:
    cleaned = _BAD.sub("_", name)
    return cleaned if not cleaned[:1].isdigit() else f"_{cleaned}"


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


class AlertmanagerSender:
    def __init__(
        self, name: str, target: AlertmanagerTarget, url: str, client: httpx.AsyncClient,
        voice: Voice | None = None,
    ) -> None:  # fmt: skip
        self.name = name
        self._target = target
        self._url = url.rstrip("/") + "/api/v2/alerts"
        self._client = client
        self.voice = voice or Voice()

    async def send(self, message: Message, now: datetime) -> None:
        body = alerts_of(message, now, self._target.ttl, self.voice)
        try:
            answer = await self._client.post(
                self._url, json=body, timeout=self._target.timeout.total_seconds()
            )
        except httpx.HTTPError as exc:
            raise DeliveryError(f"alertmanager {self._url}: {type(exc).__name__}: {exc}") from exc
        if not answer.is_success:
            raise DeliveryError(
                f"alertmanager {self._url} answered HTTP {answer.status_code}: {answer.text[:200]}",
                retriable=answer.status_code >= 500 or answer.status_code == 429,
            )

"""What is sent: a :class:`Notification` per alert change, and a :class:`Message` per delivery.

A notification is built from an alert (:class:`AlertSnapshot`) and one of its transitions
(pending → firing, firing → resolved) or, for an alert still firing, a repeat. Its dedup
key is stable: ``sha256(fingerprint, kind, fired_at)`` — the same change of the same
firing episode always has the same key, however often it is enqueued or retried, so a
receiver can drop repeats. A repeat adds its number (how many repeat intervals since the
alert fired). A message carries one or more notifications (one group of one receiver, or
a digest) and its own id, derived from their keys.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from types import MappingProxyType
from typing import Any

from services.alerts.engine import AlertState, State, Transition

__all__ = [
    "AlertSnapshot",
    "Kind",
    "Message",
    "Notification",
    "dedup_key",
    "from_transition",
    "repeat_of",
]


class Kind(StrEnum):
    FIRING = "firing"
    RESOLVED = "resolved"
    REPEAT = "repeat"
    DIGEST = "digest"


def _frozen(value: Mapping[str, Any] | None = None) -> Mapping[str, Any]:
    return MappingProxyType(dict(value or {}))


@dataclass(frozen=True, kw_only=True)
class AlertSnapshot:
    """What notifications need to know of an alert (the engine's row, or state + rule).

    ``fired_at`` starts the firing episode the notification belongs to; ``explanation``
    is the engine's account of the numbers (scalars are listed in messages; an optional
    ``chart`` entry is drawn, see :mod:`services.alerts.notify.chart`).
    """

    fingerprint: str
    rule_id: str
    severity: str
    labels: Mapping[str, str] = field(default_factory=_frozen)
    annotations: Mapping[str, str] = field(default_factory=_frozen)
    explanation: Mapping[str, Any] = field(default_factory=_frozen)
    fired_at: datetime | None = None
    acked_by: str | None = None

    @classmethod
    def of(
        cls,
        state: AlertState,
        severity: str,
        *,
        annotations: Mapping[str, str] | None = None,
        explanation: Mapping[str, Any] | None = None,
    ) -> AlertSnapshot:
        """From the lifecycle's state (after the transitions), severity and what it says."""
        return cls(
            fingerprint=state.fingerprint,
            rule_id=state.rule_id,
            severity=str(severity),
            labels=_frozen(state.labels),
            annotations=_frozen(annotations),
            explanation=_frozen(explanation),
            fired_at=state.fired_at,
            acked_by=state.acked_by,
        )

    @property
    def routing_labels(self) -> dict[str, str]:
        """The labels routes and silences match: the alert's, ``alertname`` and ``severity``."""
        return {**self.labels, "alertname": self.rule_id, "severity": self.severity}


def dedup_key(fingerprint: str, kind: str, episode: datetime, number: int | None = None) -> str:
    """sha256 of the fingerprint, the kind and the episode's start (and a repeat's number)."""
    parts: list[object] = [fingerprint, kind, _utc(episode)]
    if number is not None:
        parts.append(number)
    return hashlib.sha256(json.dumps(parts).encode()).hexdigest()


@dataclass(frozen=True, kw_only=True)
class Notification:
    """One alert change to tell people about; ``payload()`` is what the outbox stores."""

    dedup_key: str
    kind: Kind
    fingerprint: str
    rule_id: str
    severity: str
    labels: Mapping[str, str] = field(default_factory=_frozen)
    annotations: Mapping[str, str] = field(default_factory=_frozen)
    explanation: Mapping[str, Any] = field(default_factory=_frozen)
    episode_at: datetime
    at: datetime
    value: float | None = None
    reason: str = ""
    actor: str | None = None

    @property
    def routing_labels(self) -> dict[str, str]:
        return {**self.labels, "alertname": self.rule_id, "severity": self.severity}

    @property
    def status(self) -> str:
        """``resolved`` or ``firing`` (a repeat is about an alert still firing)."""
        return "resolved" if self.kind is Kind.RESOLVED else "firing"

    @property
    def summary(self) -> str:
        return self.annotations.get("summary") or f"{self.rule_id} {_identity(self.labels)}"

    def payload(self) -> dict[str, Any]:
        return {
            "dedup_key": self.dedup_key,
            "kind": self.kind.value,
            "fingerprint": self.fingerprint,
            "rule_id": self.rule_id,
            "severity": self.severity,
            "labels": dict(self.labels),
            "annotations": dict(self.annotations),
            "explanation": dict(self.explanation),
            "episode_at": _utc(self.episode_at),
            "at": _utc(self.at),
            "value": self.value,
            "reason": self.reason,
            "actor": self.actor,
        }

    @classmethod
    def from_payload(cls, data: Mapping[str, Any]) -> Notification:
        return cls(
            dedup_key=data["dedup_key"],
            kind=Kind(data["kind"]),
            fingerprint=data["fingerprint"],
            rule_id=data["rule_id"],
            severity=data["severity"],
            labels=_frozen(data.get("labels")),
            annotations=_frozen(data.get("annotations")),
            explanation=_frozen(data.get("explanation")),
            episode_at=datetime.fromisoformat(data["episode_at"]),
            at=datetime.fromisoformat(data["at"]),
            value=data.get("value"),
            reason=data.get("reason") or "",
            actor=data.get("actor"),
        )


def from_transition(alert: AlertSnapshot, change: Transition) -> Notification | None:
    """The notification of a transition: firing, or resolved after firing; else None."""
    if change.fingerprint != alert.fingerprint:
        raise ValueError(f"transition of {change.fingerprint} given with alert {alert.fingerprint}")
    if change.to_state is State.FIRING:
        kind = Kind.FIRING
    elif change.to_state is State.RESOLVED and change.from_state is State.FIRING:
        kind = Kind.RESOLVED
    else:
        return None
    episode = alert.fired_at or change.at
    return _build(alert, kind, dedup_key(alert.fingerprint, kind, episode), episode, change.at,
                  value=change.value, reason=change.reason, actor=change.actor)  # fmt: skip


def repeat_of(
    alert: AlertSnapshot, number: int, now: datetime, value: float | None
) -> Notification:
    """The ``number``-th repeat of an alert still firing (``number`` repeat intervals in)."""
    if alert.fired_at is None:
        raise ValueError(f"alert {alert.fingerprint} has no fired_at: it is not firing")
    key = dedup_key(alert.fingerprint, Kind.REPEAT, alert.fired_at, number)
    reason = f"still firing since {_utc(alert.fired_at)}"
    return _build(alert, Kind.REPEAT, key, alert.fired_at, now, value=value, reason=reason)


def _build(
    alert: AlertSnapshot,
    kind: Kind,
    key: str,
    episode: datetime,
    at: datetime,
    *,
    value: float | None,
    reason: str,
    actor: str | None = None,
) -> Notification:
    return Notification(
        dedup_key=key,
        kind=kind,
        fingerprint=alert.fingerprint,
        rule_id=alert.rule_id,
        severity=alert.severity,
        labels=_frozen(alert.labels),
        annotations=_frozen(alert.annotations),
        explanation=_frozen(alert.explanation),
        episode_at=episode,
        at=at,
        value=value,
        reason=reason,
        actor=actor,
    )


@dataclass(frozen=True)
class Message:
    """One delivery to one receiver: a group's notifications, or a digest of several groups.

    ``id`` is sha256 of the receiver and the sorted dedup keys: a retried message keeps it.
    Notifications are in reading order: pages first, then by time (firing before resolved).
    """

    receiver: str
    group_key: str
    notifications: tuple[Notification, ...]
    digest: bool = False

    @classmethod
    def of(
        cls, receiver: str, group_key: str, items: Iterable[Notification], *, digest: bool = False
    ) -> Message:
        ordered = sorted(items, key=lambda n: (n.severity != "page", n.at, n.kind, n.dedup_key))
        return cls(receiver, group_key, tuple(ordered), digest)

    @property
    def id(self) -> str:
        keys = sorted(n.dedup_key for n in self.notifications)
        return hashlib.sha256(json.dumps([self.receiver, keys]).encode()).hexdigest()

    @property
    def status(self) -> str:
        """``firing`` if any notification is about a firing alert, else ``resolved``."""
        return "firing" if any(n.status == "firing" for n in self.notifications) else "resolved"

    @property
    def dedup_keys(self) -> Sequence[str]:
        return [n.dedup_key for n in self.notifications]


def _identity(labels: Mapping[str, str]) -> str:
    shown = ", ".join(f"{k}={v}" for k, v in sorted(labels.items()))
    return f"({shown})" if shown else ""


def _utc(moment: datetime) -> str:
    if moment.utcoffset() is None:
        raise ValueError(f"naive datetime {moment.isoformat()}: give it a timezone")
    return moment.astimezone(UTC).isoformat()

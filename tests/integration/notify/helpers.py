"""Helpers of the notify integration tests: alert rows, a clock, receivers, routes."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from psycopg import AsyncConnection
from psycopg.types.json import Jsonb

from services.alerts.engine.lifecycle import State, Transition
from services.alerts.notify.message import AlertSnapshot, Message
from services.alerts.notify.routing.matchers import parse_matcher
from services.alerts.notify.routing.tree import (
    RateLimit,
    Receiver,
    Route,
    RouteConfig,
    Target,
    WebhookTarget,
)
from services.language import Language

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
SINK = "elsewhere"


class Clock:
    """A clock the test moves."""

    def __init__(self, now: datetime = T0) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


def new_run() -> str:
    """A label value that only this test's alerts carry."""
    return uuid.uuid4().hex[:10]


def fingerprint() -> str:
    return uuid.uuid4().hex[:16]


def routes_for(
    run: str,
    receivers: Mapping[str, Target],
    *,
    group_by: Sequence[str] = ("alertname",),
    group_wait: timedelta = timedelta(0),
    group_interval: timedelta = timedelta(0),
    repeat_interval: timedelta = timedelta(hours=4),
    rate_limit: RateLimit | None = None,
    languages: Mapping[str, Language] | None = None,
) -> RouteConfig:
    """Alerts labelled ``run=<run>`` go to every receiver given (in its language of
    ``languages``); others to a sink nobody reads (the session database may hold other
    tests' alerts)."""
    children = tuple(
        Route(receiver=name, matchers=(parse_matcher(f"run={run}"),), continue_=True)
        for name in receivers
    )
    root = Route(
        receiver=SINK,
        group_by=tuple(group_by),
        group_wait=group_wait,
        group_interval=group_interval,
        repeat_interval=repeat_interval,
        routes=children,
    )
    limit = rate_limit or RateLimit(burst=100, every=timedelta(seconds=1))
    languages = languages or {}
    declared = {
        name: Receiver(name=name, target=target, rate_limit=limit, language=languages.get(name))
        for name, target in receivers.items()
    }
    declared[SINK] = Receiver(
        name=SINK, target=WebhookTarget(url="http://127.0.0.1:9/", secrets_env=())
    )
    return RouteConfig(root, declared)


def snapshot(
    fp: str,
    run: str,
    *,
    fired_at: datetime = T0,
    severity: str = "page",
    rule: str = "off-trajectory-page",
    **labels: str,
) -> AlertSnapshot:
    return AlertSnapshot(
        fingerprint=fp,
        rule_id=rule,
        severity=severity,
        labels={"target": "air.pm25.2025", "family": "air", "run": run, **labels},
        annotations={
            "summary": f"air.pm25.2025 is 17.3 % behind its trajectory ({fp[:6]})",
            "description": "PM2.5 annual mean so far is 38.2 µg/m³ where 32.6 is expected.",
        },
        explanation={
            "summary": "air.pm25.2025 is off track",
            "target": {
                "id": "air.pm25.2025",
                "indicator": "air.pm25",
                "kind": "level-mean",
                "comparator": "<=",
                "unit": "µg/m³",
                "value": 30.0,
                "deadline": "2025-12-31",
                "plan": "qingdao-2023-2025-action-plan",
            },  # fmt: skip
            "status": "off_track",
            "rule": {"id": rule, "kind": "off_trajectory", "defined_at": "/srv/rules.yaml:29"},
            "actual": {
                "value": 38.2,
                "unit": "µg/m³",
                "as_of": (fired_at - timedelta(days=1)).isoformat(),
            },
            "expected": 32.6,
            "gap": {"pct": 17.3, "behind": True, "shortfall_pct": 17.3},
            "projection": {
                "value": 34.0,
                "low": 31.5,
                "high": 36.8,
                "at": datetime(2026, 12, 31, 16, tzinfo=UTC).isoformat(),
            },
        },
        fired_at=fired_at,
    )


def fired(alert: AlertSnapshot, at: datetime | None = None) -> Transition:
    return Transition(
        fingerprint=alert.fingerprint,
        from_state=State.PENDING,
        to_state=State.FIRING,
        at=at or alert.fired_at or T0,
        value=17.3,
        reason="behind trajectory by 17.3 % (tolerance 15 %)",
    )


def recovered(alert: AlertSnapshot, at: datetime) -> Transition:
    return Transition(
        fingerprint=alert.fingerprint,
        from_state=State.FIRING,
        to_state=State.RESOLVED,
        at=at,
        value=4.0,
        reason="shortfall 4.0 % is under 10 %",
    )


async def insert_alert(
    conn: AsyncConnection[Any], alert: AlertSnapshot, state: str = "firing"
) -> None:
    """An ``alerts`` row as the engine writes it (columns of migration 0004)."""
    await conn.execute(
        "INSERT INTO alerts (fingerprint, rule_id, kind, severity, subject, labels, annotations,"
        " state, since, active_at, fired_at, last_value, last_eval, breaching, explanation)"
        " VALUES (%s, %s, 'off_trajectory', %s, %s, %s, %s, %s, %s, %s, %s, 17.3, %s, true, %s)",
        [
            alert.fingerprint,
            alert.rule_id,
            alert.severity,
            alert.labels.get("target", ""),
            Jsonb(dict(alert.labels)),
            Jsonb(dict(alert.annotations)),
            state,
            alert.fired_at,
            alert.fired_at,
            alert.fired_at,
            alert.fired_at,
            Jsonb(dict(alert.explanation)),
        ],
    )


@dataclass
class Recorder:
    """An in-memory receiver: keeps every message; can be switched off."""

    name: str
    up: bool = True
    messages: list[Message] = field(default_factory=list)

    async def send(self, message: Message, now: datetime) -> None:
        from services.alerts.notify.errors import DeliveryError

        if not self.up:
            raise DeliveryError(f"{self.name} is down")
        self.messages.append(message)

    @property
    def keys(self) -> Counter[str]:
        return Counter(n.dedup_key for m in self.messages for n in m.notifications)

"""The bodies of the API's successful answers, as the OpenAPI document states them.

The handlers build these bodies as plain dicts and render them with orjson (a list of
thousands of alerts stays cheap); the models say what they hold, and the schemathesis
test holds the answers to them.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

__all__ = [
    "Alert",
    "AlertActionResult",
    "AlertDetail",
    "AlertList",
    "AlertResolved",
    "Health",
    "KeySelf",
    "Liveness",
    "Observation",
    "Readiness",
    "Series",
    "SilenceCreated",
    "SilenceInfo",
    "SilenceList",
    "Target",
    "TargetList",
]

StatusName = Literal["on_track", "at_risk", "off_track", "met", "missed", "no_data"]
AlertStateName = Literal["inactive", "pending", "firing", "resolved"]


class KeySelf(BaseModel):
    id: str = Field(description="The key's public id (the part of the token after otk_)")
    provider: str
    indicators: list[str] = Field(description="Indicator patterns the key may write")
    sources: list[str] = Field(description="Source patterns the key may write")
    roles: list[Literal["ingest", "operator", "admin"]]
    created_at: datetime


class Observation(BaseModel):
    ts: datetime
    value: float = Field(description="In the indicator's canonical unit")
    region: str | None
    labels: dict[str, str]
    id: str | None = Field(description="The provider's id of the reading, if it gave one")
    raw_value: float | None = Field(description="The value as sent, in raw_unit")
    raw_unit: str | None
    received_at: datetime
    stored_at: datetime


class Series(BaseModel):
    indicator: str
    source: str
    unit: str = Field(description="The indicator's canonical unit")
    observations: list[Observation] = Field(description="Oldest first")


class Projection(BaseModel):
    value: float
    low: float | None
    high: float | None
    at: datetime | None
    method: str | None
    probability_met: float | None


class Pace(BaseModel):
    needed: float | None
    recent: float | None
    text: str


class Target(BaseModel):
    id: str
    plan: str
    indicator: str
    family: str
    kind: str
    scope: str
    comparator: Literal[">=", "<="]
    value: float
    unit: str
    deadline: date
    status: StatusName
    status_since: datetime | None
    actual: float | None
    expected: float | None
    gap: float | None
    gap_pct: float | None
    shortfall_pct: float | None
    projection: Projection | None
    pace: Pace
    days_left: int
    basis: str
    as_of: datetime | None
    last_seen: datetime | None
    summary: str
    contributors: list[Any]


class TargetList(BaseModel):
    count: int = Field(ge=0)
    targets: list[Target]


class Ack(BaseModel):
    by: str
    at: datetime | None
    note: str | None


class Alert(BaseModel):
    fingerprint: str
    rule: str
    kind: str
    severity: str
    state: AlertStateName
    subject: str
    target: str | None
    series: str | None
    labels: dict[str, str]
    annotations: dict[str, str] = Field(
        description="What the alert said when it fired, kept as it was (while pending: now)."
    )
    latest_annotations: dict[str, str] = Field(description="What the latest evaluation says of it.")
    since: datetime
    active_at: datetime | None
    fired_at: datetime | None
    resolved_at: datetime | None
    value: float | None
    last_evaluated: datetime | None
    ack: Ack | None


class AlertList(BaseModel):
    count: int = Field(ge=0)
    alerts: list[Alert]


class Transition(BaseModel):
    at: datetime
    from_state: str
    to_state: str
    value: float | None
    reason: str
    actor: str | None
    note: str | None


class AlertDetail(Alert):
    explanation: dict[str, Any] = Field(description="Why it fired, as the engine judged it")
    history: list[Transition] = Field(description="Every transition, oldest first")


class AlertActionResult(BaseModel):
    fingerprint: str
    state: AlertStateName
    acked_by: str | None
    acked_at: datetime | None
    ack_note: str | None
    resolved_at: datetime | None
    resolved_by: str | None


class AlertResolved(AlertActionResult):
    notified: list[str] = Field(description="Receivers sent the resolved notification")


class SilenceInfo(BaseModel):
    id: int
    matchers: list[str]
    starts_at: datetime
    ends_at: datetime
    created_by: str
    comment: str
    expired_at: datetime | None
    expired_by: str | None
    state: Literal["pending", "active", "expired"]


class SilenceCreated(SilenceInfo):
    alerts: list[str] = Field(description="Fingerprints of the open alerts it matched")


class SilenceList(BaseModel):
    count: int = Field(ge=0)
    silences: list[SilenceInfo]


class Health(BaseModel):
    status: Literal["ok", "degraded"]
    checks: dict[str, bool] = Field(description="Each dependency: does it answer")


class Liveness(BaseModel):
    status: Literal["alive"]


class Readiness(BaseModel):
    status: Literal["ready", "not ready"]
    checks: dict[str, bool] = Field(description="What the readiness depends on: does it answer")

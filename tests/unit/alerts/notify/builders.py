"""Alerts, transitions and notifications for the notify tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from services.alerts.engine.lifecycle import State, Transition
from services.alerts.notify.message import AlertSnapshot, Notification, from_transition

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def alert(
    fp: str = "a1b2c3d4e5f60718", *, severity: str = "page", fired: float = 0, **labels: str
) -> AlertSnapshot:
    return AlertSnapshot(
        fingerprint=fp,
        rule_id="off-trajectory-page",
        severity=severity,
        labels={"target": "air.pm25.2025", "family": "air", **labels},
        annotations={
            "summary": "air.pm25.2025 is 17.3 % behind its trajectory",
            "description": "PM2.5 is 38.2 µg/m³ where 32.6 is expected.",
        },  # fmt: skip
        explanation={
            "summary": "behind",
            "status": "off_track",
            "days_left": 304,
            "gap": {"pct": -17.3, "behind": True},
            "contributors": [{"source": "S1"}],
        },  # fmt: skip
        fired_at=at(fired),
    )


def firing(a: AlertSnapshot, minutes: float = 0) -> Notification:
    change = Transition(fingerprint=a.fingerprint, from_state=State.PENDING, to_state=State.FIRING,
                        at=at(minutes), value=17.3, reason="behind trajectory by 17.3 %")  # fmt: skip
    found = from_transition(a, change)
    assert found is not None
    return found


def resolved(a: AlertSnapshot, minutes: float) -> Notification:
    change = Transition(fingerprint=a.fingerprint, from_state=State.FIRING, to_state=State.RESOLVED,
                        at=at(minutes), value=4.0, reason="shortfall 4.0 % is under 10 %")  # fmt: skip
    found = from_transition(a, change)
    assert found is not None
    return found

"""Alerts, transitions and notifications for the notify tests.

The explanations are the engine's, as ``ontrack demo`` stores them (trimmed to a few
contributors): a rule with the file it is defined in, the feed, the signal, numbers as
floats — everything a message must not dump.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from services.alerts.engine.lifecycle import State, Transition
from services.alerts.notify.message import AlertSnapshot, Notification, from_transition
from services.language import Glossary, TargetFacts

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
RULES_FILE = "/srv/ontrack/rules/default.yaml"

PLAN_ACTION = "qingdao-2023-2025-action-plan"
PLAN_SIX = "qingdao-six-cities-2026"
NAMES = Glossary(
    indicators={
        "air.pm25": ("PM2.5 concentration", "细颗粒物（PM2.5）浓度"),
        "telecom.5g_base_stations": ("5G base stations built", "5G基站数量"),
    },
    plans={
        PLAN_ACTION: (
            "Qingdao three-year action plan (2023-2025)",
            "青岛市深化新旧动能转换推动绿色低碳高质量发展三年行动计划（2023—2025年）",
        ),
        PLAN_SIX: ("Opinions on building the six cities", "关于聚力打造“六个城市”的意见"),
    },
    targets={
        "air.pm25.2025": TargetFacts(
            "air.pm25",
            PLAN_ACTION,
            datetime(2025, 12, 31).date(),
            None,
            "001_82608513a9e9ca77.txt · 五（四）57.持续深入打好蓝天保卫战",
            "到2025年，细颗粒物（PM2.5）浓度控制在30微克/立方米以内，基本消除重污染天气。",
        ),
        "telecom.5g_base_stations.2026": TargetFacts(
            "telecom.5g_base_stations",
            PLAN_SIX,
            datetime(2026, 12, 31).date(),
            None,
            "003_0f3e.txt · 二（五）建设全国数字经济发展高地",
            "到2026年,全市5G基站数量突破4万个。",
        ),
    },
)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def _feed(seconds: float, cadence: str = "1h") -> dict[str, Any]:
    return {
        "stale": seconds > 3 * 3600,
        "cadence": cadence,
        "last_seen": (T0 - timedelta(seconds=seconds)).isoformat(),
        "silent_for": "41d1h",
        "silent_seconds": seconds,
    }


PM25_EXPLANATION: dict[str, Any] = {
    "summary": "air.pm25.2025 is off track: 38.2 µg/m³ against 32.6 µg/m³ expected (+17.3 %)",
    "target": {
        "id": "air.pm25.2025", "plan": PLAN_ACTION, "indicator": "air.pm25", "family": "air",
        "kind": "level-mean", "comparator": "<=", "value": 30.0, "unit": "µg/m³",
        "deadline": "2025-12-31", "scope": "city", "source": "001_82608513a9e9ca77.txt",
        "clause": "001_82608513a9e9ca77.txt · 五（四）57.持续深入打好蓝天保卫战",
        "text": "到2025年，细颗粒物（PM2.5）浓度控制在30微克/立方米以内，基本消除重污染天气。",
    },
    "status": "off_track",
    "actual": {"value": 38.2, "unit": "µg/m³", "basis": "mean of 2025 so far", "as_of": "2025-03-01T00:00:00+08:00"},
    "expected": 32.6,
    "gap": {"value": 5.6, "pct": 17.3, "behind": True, "shortfall": 5.6, "shortfall_pct": 17.3},
    "projection": {
        "value": 33.1, "low": 31.0, "high": 35.4, "at": "2026-01-01T00:00:00+08:00",
        "method": "theil-sen", "points": 60, "probability_met": 0.0000442,
    },
    "pace": {"needed": 28.7, "recent": 41.26, "text": "at most 28.7 µg/m³ on average for the rest of 2025"},
    "days_left": 304,
    "contributors": [
        {"source": "qd-pingdu-1", "value": 47.5, "share": None, "change": None, "effect": -0.85,
         "text": "qd-pingdu-1: 47.5 µg/m³ on average since 2025-01-01"},
        {"source": "qd-laixi-1", "value": 44.0, "share": None, "change": None, "effect": -0.53,
         "text": "qd-laixi-1: 44.0 µg/m³"},
        {"source": "qd-jiaozhou-1", "value": 41.0, "share": None, "change": None, "effect": -0.26,
         "text": "qd-jiaozhou-1: 41.0 µg/m³"},
        {"source": "qd-jimo-1", "value": 40.0, "share": None, "change": None, "effect": -0.16,
         "text": "qd-jimo-1: 40.0 µg/m³"},
        {"source": "qd-shinan-1", "value": 30.0, "share": None, "change": None, "effect": 0.75,
         "text": "qd-shinan-1: 30.0 µg/m³"},
    ],
    "feed": _feed(3600.0),
    "rule": {
        "id": "off-trajectory-page", "kind": "off_trajectory", "severity": "page",
        "defined_at": f"{RULES_FILE}:29", "for": "7d", "recover_for": "3d",
        "tolerance_pct": 15.0, "recover_pct": 10.0,
    },
    "signal": {"value": 17.3, "reason": "behind trajectory by 17.3 % (tolerance 15 %)",
               "breaching": True, "recovered": False},
}  # fmt: skip

FIVE_G_EXPLANATION: dict[str, Any] = {
    "target": {
        "id": "telecom.5g_base_stations.2026", "plan": PLAN_SIX,
        "indicator": "telecom.5g_base_stations", "family": "telecom", "kind": "stock",
        "comparator": ">=", "value": 40000.0, "unit": "stations", "deadline": "2026-12-31",
        "scope": "city", "source": "003_0f3e.txt",
        "clause": "003_0f3e.txt · 二（五）建设全国数字经济发展高地",
        "text": "到2026年,全市5G基站数量突破4万个。",
    },
    "status": "off_track",
    "actual": {"value": 37011.0, "unit": "stations", "basis": "latest value", "as_of": "2026-11-01T00:00:00+08:00"},
    "expected": 39415.46885694729,
    "gap": {"value": -2404.47, "pct": -6.100317785572874, "behind": True, "shortfall": 2404.47,
            "shortfall_pct": 6.100317785572874},
    "projection": {
        "value": 37954.68918918919, "low": 37378.366434176096, "high": 38492.52721064419,
        "at": "2027-01-01T00:00:00+08:00", "method": "theil-sen", "points": 23,
        "probability_met": 4.419748767059417e-05,
    },
    "pace": {"needed": 2842.99435546875, "recent": 100.24318614130475,
             "text": "+2,843 stations/month needed, +100/month recently"},
    "days_left": 32,
    "contributors": [
        {"source": "laixi:cmcc", "value": 2425.0, "share": 0.0655210613060982, "change": 13.0,
         "effect": -43.506870120248884, "text": "laixi:cmcc: 2,425 stations"},
        {"source": "pingdu:cmcc", "value": 2297.0, "share": 0.062062630028910326, "change": 12.0,
         "effect": -41.5242394499842, "text": "pingdu:cmcc: 2,297 stations"},
        {"source": "jiaozhou:cmcc", "value": 2169.0, "share": 0.05860419875172246, "change": 11.0,
         "effect": -39.54160877971951, "text": "jiaozhou:cmcc: 2,169 stations"},
        {"source": "jimo:cmcc", "value": 2042.0, "share": 0.055172786468887625, "change": 11.0,
         "effect": -36.58227991156627, "text": "jimo:cmcc: 2,042 stations"},
    ],
    "feed": _feed(2509200.0, "31d"),
    "rule": {
        "id": "burn-rate-slow", "kind": "burn_rate", "severity": "ticket",
        "defined_at": f"{RULES_FILE}:96", "for": "0s", "recover_for": "14d", "short": "30d",
        "long": "90d", "factor": 1.25, "recover_factor": 1.1,
    },
    "signal": {"value": 1.2934, "reason": "burn rate 1.29 / 1.26 over 30d / 90d", "breaching": True,
               "recovered": False},
}  # fmt: skip

STALE_EXPLANATION: dict[str, Any] = {
    "series": {"key": "air.pm25/qd-pingdu-1", "indicator": "air.pm25", "source": "qd-pingdu-1",
               "family": "air", "unit": "µg/m³", "scope": "city"},
    "latest": {},
    "feed": _feed(3546000.0),
    "rule": {"id": "stale-feed-air-stations", "kind": "stale_feed", "severity": "ticket",
             "defined_at": f"{RULES_FILE}:164", "after": "6h", "multiplier": 3.0, "for": "0s",
             "recover_for": "0s"},
    "signal": {"value": 3546000.0, "reason": "no data for 41d1h (limit 6h)", "breaching": True,
               "recovered": False},
}  # fmt: skip

THRESHOLD_EXPLANATION: dict[str, Any] = {
    "series": {"key": "air.pm25/qd-chengyang-1", "indicator": "air.pm25",
               "source": "qd-chengyang-1", "family": "air", "unit": "µg/m³", "scope": "city"},
    "latest": {"hour": {"max": 181.5, "last": 181.5, "mean": 181.5, "bucket": T0.isoformat()}},
    "feed": _feed(3600.0),
    "rule": {"id": "pm25-heavy-pollution", "kind": "threshold", "severity": "ticket",
             "defined_at": f"{RULES_FILE}:178", "unit": "ug/m3", "above": 150.0, "below": None,
             "bucket": "1h", "aggregate": "mean", "for": "1h", "recover_below": 115.0,
             "recover_above": None, "recover_for": "0s"},
    "signal": {"value": 181.5, "reason": "181.5 ug/m3 > 150", "breaching": True,
               "recovered": False},
}  # fmt: skip


def alert(
    fp: str = "a1b2c3d4e5f60718", *, severity: str = "page", fired: float = 0, **labels: str
) -> AlertSnapshot:
    """PM2.5 off its trajectory (a level-mean target, a ceiling)."""
    return AlertSnapshot(
        fingerprint=fp,
        rule_id="off-trajectory-page",
        severity=severity,
        labels={"target": "air.pm25.2025", "family": "air", **labels},
        annotations={
            "summary": "air.pm25.2025 is 17.3 % behind its trajectory",
            "description": "PM2.5 is 38.2 µg/m³ where 32.6 is expected.",
        },  # fmt: skip
        explanation=PM25_EXPLANATION,
        fired_at=at(fired),
    )


def five_g(fp: str = "0123456789abcdef", *, fired: float = 0) -> AlertSnapshot:
    """5G base stations progressing too slowly (a stock, a floor, contributors with shares)."""
    return AlertSnapshot(
        fingerprint=fp,
        rule_id="burn-rate-slow",
        severity="ticket",
        labels={"target": "telecom.5g_base_stations.2026", "family": "telecom", "kind": "stock"},
        annotations={"summary": "telecom.5g_base_stations.2026 progresses slower than it needs"},
        explanation=FIVE_G_EXPLANATION,
        fired_at=at(fired),
    )


def stale(fp: str = "fedcba9876543210", *, fired: float = 0) -> AlertSnapshot:
    """An air station silent for 41 days and an hour, its rule with a runbook of its own."""
    return AlertSnapshot(
        fingerprint=fp,
        rule_id="stale-feed-air-stations",
        severity="ticket",
        labels={"series": "air.pm25/qd-pingdu-1", "family": "air", "station": "qd-pingdu-1"},
        annotations={
            "summary": "air station qd-pingdu-1 silent for 41d1h",
            "runbook": "Call the operator of station qd-pingdu-1.",
            "runbook_zh": "请联系qd-pingdu-1站点的运维单位。",
            "runbook_url": "https://wiki.example.org/runbooks/air-station-silent",
        },
        explanation=STALE_EXPLANATION,
        fired_at=at(fired),
    )


def threshold(fp: str = "00ff00ff00ff00ff", *, fired: float = 0) -> AlertSnapshot:
    """An hour of heavy PM2.5 pollution at one station."""
    return AlertSnapshot(
        fingerprint=fp,
        rule_id="pm25-heavy-pollution",
        severity="ticket",
        labels={"series": "air.pm25/qd-chengyang-1", "family": "air", "station": "qd-chengyang-1"},
        annotations={"summary": "heavy PM2.5 pollution at qd-chengyang-1: 182 µg/m³"},
        explanation=THRESHOLD_EXPLANATION,
        fired_at=at(fired),
    )


def firing(a: AlertSnapshot, minutes: float = 0, value: float | None = None) -> Notification:
    signal = a.explanation.get("signal")
    fired_with = value if value is not None else (signal["value"] if signal else 17.3)
    change = Transition(fingerprint=a.fingerprint, from_state=State.PENDING, to_state=State.FIRING,
                        at=at(minutes), value=fired_with, reason="behind trajectory by 17.3 %")  # fmt: skip
    found = from_transition(a, change)
    assert found is not None
    return found


def resolved(a: AlertSnapshot, minutes: float) -> Notification:
    change = Transition(fingerprint=a.fingerprint, from_state=State.FIRING, to_state=State.RESOLVED,
                        at=at(minutes), value=4.0, reason="shortfall 4.0 % is under 10 %")  # fmt: skip
    found = from_transition(a, change)
    assert found is not None
    return found

"""What a backtest found: every firing episode with what it said when it fired, and each
target's final status — read back from the scratch database, written as JSON or a table.

The JSON (``--json FILE``) is exactly::

    {"alerts": [{"rule", "kind", "subject", "severity", "fired_at", "resolved_at", "reason"}],
     "final": {TARGET_ID: {"status", "actual", "expected"}},
     "evaluations": N}

``kind``: ``target`` for judgements of a target, ``feed`` for alerts about one series (stale,
silent, or a threshold on its values), ``no_data`` for a target without data. Instants are
UTC RFC 3339; ``resolved_at`` is null while firing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, LiteralString

import orjson
import psycopg

__all__ = ["AlertEpisode", "BacktestResult", "Final", "KIND_OF_RULE", "read_result"]

KIND_OF_RULE: Mapping[str, str] = {
    "off_trajectory": "target",
    "projected_miss": "target",
    "burn_rate": "target",
    "stale_feed": "feed",
    "threshold": "feed",
    "no_data": "no_data",
}

# Transitions into and out of firing, oldest first: one episode per firing.
_EPISODES: LiteralString = """
SELECT a.fingerprint, a.rule_id, a.kind, a.subject, a.severity, e.at, e.to_state, e.reason
FROM alert_events e JOIN alerts a USING (fingerprint)
WHERE e.to_state IN ('firing', 'resolved', 'inactive')
ORDER BY e.at, a.fingerprint, e.to_state
"""
_FINAL: LiteralString = """
SELECT target_id, status, actual, expected FROM target_status ORDER BY target_id, scope
"""


@dataclass(frozen=True, slots=True)
class AlertEpisode:
    """One firing of one alert: from when it fired (with the reason it gave) to when it resolved."""

    rule: str
    kind: str
    subject: str
    severity: str
    fired_at: datetime
    resolved_at: datetime | None
    reason: str

    def json(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "kind": self.kind,
            "subject": self.subject,
            "severity": self.severity,
            "fired_at": _utc(self.fired_at),
            "resolved_at": _utc(self.resolved_at) if self.resolved_at else None,
            "reason": self.reason,
        }


@dataclass(frozen=True, slots=True)
class Final:
    status: str
    actual: float | None
    expected: float | None


@dataclass(frozen=True, slots=True)
class BacktestResult:
    alerts: Sequence[AlertEpisode] = ()
    final: Mapping[str, Final] = field(default_factory=dict)
    evaluations: int = 0

    def json(self) -> bytes:
        doc = {
            "alerts": [a.json() for a in self.alerts],
            "final": {
                tid: {"status": f.status, "actual": f.actual, "expected": f.expected}
                for tid, f in sorted(self.final.items())
            },
            "evaluations": self.evaluations,
        }
        return orjson.dumps(doc, option=orjson.OPT_INDENT_2)

    def table(self) -> str:
        """The alerts, then every target's final status, for people."""
        lines = [
            f"{'fired':<17} {'resolved':<17} {'severity':<8} {'rule':<26} {'subject':<36} reason"
        ]
        for a in self.alerts:
            lines.append(
                f"{_short(a.fired_at):<17} {_short(a.resolved_at):<17} {a.severity:<8} "
                f"{a.rule:<26} {a.subject:<36} {a.reason}"
            )
        if not self.alerts:
            lines.append("(no alert fired)")
        lines += ["", f"{'target':<44} {'status':<18} {'actual':>16} {'expected':>16}"]
        for tid, f in sorted(self.final.items()):
            lines.append(f"{tid:<44} {f.status:<18} {_n(f.actual):>16} {_n(f.expected):>16}")
        return "\n".join(lines)


def read_result(dsn: str, evaluations: int) -> BacktestResult:
    with psycopg.connect(dsn) as conn:
        rows = conn.execute(_EPISODES).fetchall()
        finals = conn.execute(_FINAL).fetchall()
    final: dict[str, Final] = {}
    for tid, status, actual, expected in finals:
        final.setdefault(str(tid), Final(str(status), _f(actual), _f(expected)))
    return BacktestResult(_episodes(rows), final, evaluations)


def _episodes(rows: Sequence[Sequence[Any]]) -> list[AlertEpisode]:
    out: list[AlertEpisode] = []
    open_: dict[str, int] = {}
    for fp, rule, kind, subject, severity, at, to_state, reason in rows:
        if to_state == "firing":
            open_[fp] = len(out)
            out.append(
                AlertEpisode(
                    str(rule), KIND_OF_RULE.get(str(kind), "target"), str(subject), str(severity),
                    at, None, str(reason),
                )
            )  # fmt: skip
        elif fp in open_:
            i = open_.pop(fp)
            a = out[i]
            out[i] = AlertEpisode(a.rule, a.kind, a.subject, a.severity, a.fired_at, at, a.reason)
    return out


def _f(value: object) -> float | None:
    return None if value is None else float(str(value))


def _utc(t: datetime) -> str:
    return t.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _short(t: datetime | None) -> str:
    return t.astimezone(UTC).strftime("%Y-%m-%d %H:%MZ") if t else "—"


def _n(v: float | None) -> str:
    return "—" if v is None else (f"{v:,.1f}" if abs(v) < 1e4 else f"{v:,.0f}")

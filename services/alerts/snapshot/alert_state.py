"""Alert state in TimescaleDB: load prior states, persist an evaluation in one transaction.

``target_status`` gets one row per target, ``alerts`` one per alert that ever left
``inactive``, ``alert_events`` one per transition (unique on fingerprint, instant and
new state, so writing the same outcome twice adds nothing). Callers run
``lock → load → evaluate → save`` in one transaction: the advisory lock serialises
engines sharing a database, so two of them never step the same alert from the same prior.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from types import MappingProxyType
from typing import Any, LiteralString

import orjson
from psycopg import AsyncConnection

from services.alerts.engine import AlertRecord, AlertState, Outcome, State, TargetStatus, Transition
from services.alerts.snapshot.shards import WHOLE, Shard

__all__ = ["LOCK_KEY", "count_alerts", "load_alerts", "lock", "save", "stored_subjects"]

Row = tuple[Any, ...]
LOCK_KEY = 0x6F6E747261636B01  # "ontrack" + 1: the alert engine's advisory lock

_LOAD: LiteralString = """
SELECT fingerprint, rule_id, kind, severity, subject, labels, annotations, state, since,
       active_at, fired_at, resolved_at, last_value, last_eval, recover_count, recovering_since,
       breaching, resolved_by, hold, acked_by, acked_at, ack_note, explanation,
       latest_annotations
FROM alerts
WHERE fingerprint = ANY(%(fingerprints)s)
   OR (%(open)s AND state IN ('pending', 'firing')
       AND (%(shard_count)s = 1 OR alert_shard(subject, %(shard_count)s) = %(shard_index)s))
"""

# The alerts of one shard (services.alerts.snapshot.shards)
_SUBJECTS: LiteralString = """
SELECT rule_id, subject FROM alerts
WHERE (%(shard_count)s = 1 OR alert_shard(subject, %(shard_count)s) = %(shard_index)s)
"""
_COUNT: LiteralString = """
SELECT count(*) FROM alerts
WHERE (%(shard_count)s = 1 OR alert_shard(subject, %(shard_count)s) = %(shard_index)s)
"""

_UPSERT_ALERT: LiteralString = """
INSERT INTO alerts (fingerprint, rule_id, kind, severity, subject, labels, annotations, state,
    since, active_at, fired_at, resolved_at, last_value, last_eval, recover_count,
    recovering_since, breaching, resolved_by, hold, acked_by, acked_at, ack_note, explanation,
    latest_annotations)
VALUES (%s, %s, %s, %s, %s, %s::jsonb, %s::jsonb, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s,
        %s, %s, %s, %s, %s::jsonb, %s::jsonb)
ON CONFLICT (fingerprint) DO UPDATE SET
    rule_id = EXCLUDED.rule_id, kind = EXCLUDED.kind, severity = EXCLUDED.severity,
    subject = EXCLUDED.subject, labels = EXCLUDED.labels, annotations = EXCLUDED.annotations,
    state = EXCLUDED.state, since = EXCLUDED.since, active_at = EXCLUDED.active_at,
    fired_at = EXCLUDED.fired_at, resolved_at = EXCLUDED.resolved_at,
    last_value = EXCLUDED.last_value, last_eval = EXCLUDED.last_eval,
    recover_count = EXCLUDED.recover_count, recovering_since = EXCLUDED.recovering_since,
    breaching = EXCLUDED.breaching, resolved_by = EXCLUDED.resolved_by, hold = EXCLUDED.hold,
    acked_by = EXCLUDED.acked_by, acked_at = EXCLUDED.acked_at, ack_note = EXCLUDED.ack_note,
    explanation = EXCLUDED.explanation, latest_annotations = EXCLUDED.latest_annotations,
    updated_at = now()
WHERE alerts.last_eval IS NULL OR alerts.last_eval <= EXCLUDED.last_eval
"""

_INSERT_EVENT: LiteralString = """
INSERT INTO alert_events (fingerprint, at, from_state, to_state, value, reason, actor)
VALUES (%s, %s, %s, %s, %s, %s, %s)
ON CONFLICT (fingerprint, at, to_state) DO NOTHING
"""

_UPSERT_STATUS: LiteralString = """
INSERT INTO target_status (target_id, scope, plan_id, indicator, family, kind, comparator,
    target_value, unit, deadline, status, actual, expected, gap, gap_pct, shortfall_pct,
    projection_value, projection_low, projection_high, projection_at, projection_method,
    probability_met, pace_needed, pace_recent, pace_text, days_left, basis, as_of, last_seen,
    stale, evaluated_at, status_since, explanation, first_evaluated_at)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s,
        %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s::jsonb, %s)
ON CONFLICT (target_id, scope) DO UPDATE SET
    plan_id = EXCLUDED.plan_id, indicator = EXCLUDED.indicator, family = EXCLUDED.family,
    kind = EXCLUDED.kind, comparator = EXCLUDED.comparator,
    target_value = EXCLUDED.target_value, unit = EXCLUDED.unit, deadline = EXCLUDED.deadline,
    status = EXCLUDED.status, actual = EXCLUDED.actual, expected = EXCLUDED.expected,
    gap = EXCLUDED.gap, gap_pct = EXCLUDED.gap_pct, shortfall_pct = EXCLUDED.shortfall_pct,
    projection_value = EXCLUDED.projection_value, projection_low = EXCLUDED.projection_low,
    projection_high = EXCLUDED.projection_high, projection_at = EXCLUDED.projection_at,
    projection_method = EXCLUDED.projection_method,
    probability_met = EXCLUDED.probability_met, pace_needed = EXCLUDED.pace_needed,
    pace_recent = EXCLUDED.pace_recent, pace_text = EXCLUDED.pace_text,
    days_left = EXCLUDED.days_left, basis = EXCLUDED.basis, as_of = EXCLUDED.as_of,
    last_seen = EXCLUDED.last_seen, stale = EXCLUDED.stale,
    evaluated_at = EXCLUDED.evaluated_at,
    status_since = CASE WHEN target_status.status = EXCLUDED.status
                        THEN target_status.status_since ELSE EXCLUDED.evaluated_at END,
    explanation = EXCLUDED.explanation,
    first_evaluated_at = coalesce(target_status.first_evaluated_at, EXCLUDED.first_evaluated_at)
WHERE target_status.evaluated_at <= EXCLUDED.evaluated_at
"""


def _json(value: object) -> str:
    return orjson.dumps(value, default=_plain, option=orjson.OPT_NON_STR_KEYS).decode()


def _plain(value: object) -> object:
    if isinstance(value, Mapping):
        return dict(value)
    if isinstance(value, tuple | set | frozenset):
        return list(value)
    raise TypeError(f"cannot store {type(value).__name__} as JSON")


async def lock(conn: AsyncConnection[Row], shard: Shard = WHOLE) -> None:
    """Serialise the evaluations of a shard's engines until the transaction ends."""
    await conn.execute("SELECT pg_advisory_xact_lock(%s)", [shard.key(LOCK_KEY)])


async def stored_subjects(
    conn: AsyncConnection[Row], shard: Shard = WHOLE
) -> frozenset[tuple[str, str]]:
    """The (rule id, subject) of every stored alert of ``shard`` (alerts are never deleted)."""
    cur = await conn.execute(_SUBJECTS, shard.params())
    return frozenset((str(rule), str(subject)) for rule, subject in await cur.fetchall())


async def count_alerts(conn: AsyncConnection[Row], shard: Shard = WHOLE) -> int:
    cur = await conn.execute(_COUNT, shard.params())
    row = await cur.fetchone()
    return int(row[0]) if row else 0


async def load_alerts(
    conn: AsyncConnection[Row],
    fingerprints: Iterable[str],
    *,
    open_too: bool = False,
    shard: Shard = WHOLE,
) -> dict[str, AlertRecord]:
    """The stored alerts among ``fingerprints`` (and, with ``open_too``, every open one of
    ``shard``)."""
    params = {"fingerprints": list(fingerprints), "open": open_too, **shard.params()}
    cur = await conn.execute(_LOAD, params)
    return {str(r[0]): _record(r) for r in await cur.fetchall()}


def _record(r: Sequence[Any]) -> AlertRecord:
    (fp, rule_id, kind, severity, subject, labels, annotations, state, since, active_at) = r[:10]
    (fired_at, resolved_at, last_value, last_eval, recover_count, recovering_since) = r[10:16]
    (breaching, resolved_by, hold, acked_by, acked_at, ack_note, explanation, latest) = r[16:]
    alert = AlertState(
        fingerprint=fp,
        rule_id=rule_id,
        labels=MappingProxyType(dict(labels)),
        state=State(state),
        since=since,
        active_at=active_at,
        fired_at=fired_at,
        resolved_at=resolved_at,
        last_value=last_value,
        last_eval=last_eval,
        recover_count=recover_count,
        recovering_since=recovering_since,
        breaching=breaching,
        resolved_by=resolved_by,
        hold=hold,
        acked_by=acked_by,
        acked_at=acked_at,
        ack_note=ack_note,
    )
    return AlertRecord(
        alert,
        kind,
        severity,
        subject,
        MappingProxyType(dict(annotations)),
        explanation,
        MappingProxyType(dict(latest or {})),
    )


def _alert_row(a: AlertRecord) -> tuple[object, ...]:
    s = a.state
    return (
        s.fingerprint,
        s.rule_id,
        a.kind,
        a.severity,
        a.subject,
        _json(s.labels),
        _json(a.annotations),
        str(s.state),
        s.since,
        s.active_at,
        s.fired_at,
        s.resolved_at,
        _finite(s.last_value),
        s.last_eval,
        s.recover_count,
        s.recovering_since,
        s.breaching,
        s.resolved_by,
        s.hold,
        s.acked_by,
        s.acked_at,
        s.ack_note,
        _json(a.explanation),
        _json(a.latest_annotations or a.annotations),
    )


def _finite(value: float | None) -> float | None:
    """NULL for unknown or infinite values (an infinite burn rate is stored as NULL)."""
    if value is None or value != value or value in (float("inf"), float("-inf")):
        return None
    return value


def _event_row(t: Transition) -> tuple[object, ...]:
    return (
        t.fingerprint,
        t.at,
        str(t.from_state),
        str(t.to_state),
        _finite(t.value),
        t.reason,
        t.actor,
    )


def _status_row(s: TargetStatus) -> tuple[object, ...]:
    t, a, p = s.target, s.assessment, s.assessment.projection
    no_data = a.actual is None
    return (
        t.id,
        t.scope,
        t.plan_id,
        t.indicator,
        s.family,
        t.kind,
        t.comparator,
        t.value,
        t.unit,
        t.deadline,
        a.status,
        _finite(a.actual),
        _finite(a.expected),
        _finite(a.gap),
        _finite(a.gap_pct),
        None if no_data else _finite(a.shortfall_pct),
        _finite(p.value) if p else None,
        _finite(p.low) if p else None,
        _finite(p.high) if p else None,
        p.at if p else None,
        p.method if p else None,
        _finite(a.probability_met),
        _finite(a.pace_needed),
        _finite(a.pace_recent),
        a.pace_text,
        a.days_left,
        a.basis,
        a.as_of,
        s.feed.last_seen,
        s.feed.stale,
        s.evaluated_at,
        s.evaluated_at,
        _json(s.explanation),
        s.evaluated_at,
    )


async def save(conn: AsyncConnection[Row], outcome: Outcome) -> None:
    """Write an evaluation's statuses, alerts and transitions (inside the caller's transaction)."""
    async with conn.cursor() as cur:
        if outcome.statuses:
            await cur.executemany(_UPSERT_STATUS, [_status_row(s) for s in outcome.statuses])
        if outcome.alerts:
            await cur.executemany(_UPSERT_ALERT, [_alert_row(a) for a in outcome.alerts])
        if outcome.transitions:
            await cur.executemany(_INSERT_EVENT, [_event_row(t) for t in outcome.transitions])

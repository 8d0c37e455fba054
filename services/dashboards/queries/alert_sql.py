"""The SQL of the panels about alerts, in a language: open now, open over time, every
transition. Targets are named from ``target_texts``; kinds, severities and states in the
language's words (services.dashboards.language.words)."""

from __future__ import annotations

from typing import LiteralString

from psycopg import sql

from services.dashboards.language.i18n import Speech
from services.dashboards.language.words import ALERT_KINDS, ALERT_STATES, SEVERITIES, words_in
from services.dashboards.queries.sql import compose, words_case

__all__ = ["history", "open_alerts", "subject", "timeline"]

_SUBJECT: LiteralString = """coalesce(
    x.label,
    CASE WHEN {a}.labels ? 'station' THEN (
        SELECT {name} FROM indicators i WHERE i.id = {a}.labels->>'indicator'
    ) || ' · ' || ({a}.labels->>'station') END,
    {a}.subject)"""


def subject(t: Speech, alias: LiteralString) -> sql.Composed:
    """What an alert is on, as people name it: the target's name in the language (``x`` is
    its target_texts row), or the series' indicator and station, else the subject itself."""
    name = "coalesce(nullif(i.name_zh, ''), i.name)" if t.zh else "i.name"
    return sql.SQL(_SUBJECT).format(a=sql.SQL(alias), name=sql.SQL(name))


def _words(t: Speech, column: LiteralString, table: str) -> sql.Composed:
    words = {"kind": ALERT_KINDS, "severity": SEVERITIES, "state": ALERT_STATES}[table]
    return words_case(column, words_in(words, t.lang), sql.SQL(column))


def _h(t: Speech, header: str) -> sql.Identifier:
    return sql.Identifier(t(header))


_OPEN: LiteralString = """
SELECT coalesce(a.fired_at, a.active_at, a.since) AS {h_since}, {severity} AS {h_severity},
       {state} AS {h_state}, {subject} AS {h_subject}, {kind} AS {h_kind}
       {details}
FROM v_alerts_open a
LEFT JOIN target_texts x ON x.target_id = a.target_id AND x.lang = {lang}
ORDER BY a.severity, 1
"""


def open_alerts(t: Speech, *, brief: bool = False) -> str:
    """Alerts pending or firing now: since when, how urgent, on what; with ``brief`` false
    also the rule, the value and who acknowledged it. In English, the engine's summary as
    it was when the alert fired (kept as it was) and as the latest evaluation says it."""
    details: list[sql.Composable] = []
    if not t.zh:
        details += [
            sql.SQL("a.annotations->>'summary' AS {}").format(_h(t, "when it fired")),
            sql.SQL("a.latest_annotations->>'summary' AS {}").format(_h(t, "now")),
        ]
    if not brief:
        details += [
            sql.SQL("a.rule_id AS {}").format(_h(t, "rule")),
            sql.SQL("a.last_value AS {}").format(_h(t, "value")),
        ]
    details.append(sql.SQL("a.acked_by AS {}").format(_h(t, "acknowledged by")))
    if not brief:
        details.append(sql.SQL("a.acked_at AS {}").format(_h(t, "acknowledged at")))
    return compose(
        _OPEN,
        literals={"lang": t.lang},
        severity=_words(t, "a.severity", "severity"),
        state=_words(t, "a.state", "state"),
        kind=_words(t, "a.kind", "kind"),
        subject=subject(t, "a"),
        details=sql.SQL("").join(sql.SQL(", {}").format(d) for d in details),
        h_since=_h(t, "since"),
        h_severity=_h(t, "severity"),
        h_state=_h(t, "state"),
        h_subject=_h(t, "on"),
        h_kind=_h(t, "alert"),
    )


_HISTORY: LiteralString = """
SELECT e.at AS {h_time}, {subject} AS {h_subject}, e.rule_id AS {h_rule},
       {severity} AS {h_severity},
       {from_state} || ' → ' || {to_state} AS {h_transition}, e.value AS {h_value},
       e.reason AS {h_reason}, e.actor AS {h_actor}, e.note AS {h_note}
FROM v_alert_events e
LEFT JOIN target_texts x ON x.target_id = e.labels->>'target' AND x.lang = {lang}
WHERE $__timeFilter(e.at)
ORDER BY e.at DESC, e.subject
LIMIT 1000
"""


def history(t: Speech) -> str:
    """Every transition in the time range, newest first, with its value and reason."""
    return compose(
        _HISTORY,
        literals={"lang": t.lang},
        severity=_words(t, "e.severity", "severity"),
        subject=subject(t, "e"),
        from_state=_words(t, "e.from_state", "state"),
        to_state=_words(t, "e.to_state", "state"),
        h_time=_h(t, "time"),
        h_subject=_h(t, "on"),
        h_rule=_h(t, "rule"),
        h_severity=_h(t, "severity"),
        h_transition=_h(t, "transition"),
        h_value=_h(t, "value"),
        h_reason=_h(t, "reason (as the engine wrote it)"),
        h_actor=_h(t, "by"),
        h_note=_h(t, "note"),
    )


_TIMELINE: LiteralString = """
SELECT "time", {severity} || ' ' || {state} AS metric, alerts AS value
FROM alert_timeline($__timeFrom(), $__timeTo(), '$__interval')
"""


def timeline(t: Speech) -> str:
    """Alerts pending or firing at each step, by severity and state."""
    return compose(
        _TIMELINE,
        severity=_words(t, "severity", "severity"),
        state=_words(t, "state", "state"),
    )

"""Alert history: what is open now, how many alerts were open over time, every transition."""

from __future__ import annotations

from grafana_foundation_sdk.models.dashboard import Dashboard

from services.dashboards.common import finish, new_dashboard
from services.dashboards.panels import stat_panel, table_panel, thresholds, timeseries_panel
from services.dashboards.sql import Sql

__all__ = ["UID", "alert_history"]

UID = "ontrack-alerts"

_OPEN = """
SELECT coalesce(fired_at, active_at, since) AS "since", severity, state, subject, rule_id AS "rule",
       annotations->>'summary' AS "summary", last_value AS "value",
       acked_by AS "acknowledged by", acked_at AS "acknowledged at"
FROM v_alerts_open
ORDER BY severity, since
"""

_HISTORY = """
SELECT at AS "time", subject, rule_id AS "rule", severity,
       from_state || ' → ' || to_state AS "transition", value, reason, actor, note
FROM v_alert_events
WHERE $__timeFilter(at)
ORDER BY at DESC, subject
LIMIT 1000
"""

_TIMELINE = """
SELECT "time", severity || ' ' || state AS metric, alerts AS value
FROM alert_timeline($__timeFrom(), $__timeTo(), '$__interval')
"""


def alert_history() -> Dashboard:
    board = new_dashboard(
        UID,
        "ontrack · alert history",
        "Alerts on plan targets and feeds: open now, open over time, and every lifecycle "
        "transition (pending, firing, resolved, acknowledged) with its reason.",
        time=("now-30d", "now"),
        refresh="5m",
    )
    counts = (
        ("Firing now", "SELECT count(*) FROM v_alerts_open WHERE state = 'firing'", "red"),
        ("Pending now", "SELECT count(*) FROM v_alerts_open WHERE state = 'pending'", "orange"),
        (
            "Fired in range",
            "SELECT count(*) FROM v_alert_events WHERE to_state = 'firing' AND $__timeFilter(at)",
            "purple",
        ),
        (
            "Resolved in range",
            "SELECT count(*) FROM v_alert_events WHERE to_state = 'resolved' AND $__timeFilter(at)",
            "green",
        ),
    )
    for title, query, colour in counts:
        board = board.with_panel(
            stat_panel(
                title, Sql(query).table(), steps=thresholds((None, colour)), decimals=0, span=6
            )
        )
    board = board.with_panel(
        timeseries_panel(
            "Open alerts over time",
            Sql(_TIMELINE),
            description="Alerts pending or firing at each moment, by severity.",
            stacked=True,
            span=24,
        )
    )
    board = board.with_panel(table_panel("Open now", Sql(_OPEN).table(), height=8))
    board = board.with_panel(
        table_panel(
            "Every transition",
            Sql(_HISTORY).table(),
            description="Newest first: what changed, the value that made it change, and why.",
            height=14,
        )
    )
    return finish(board)

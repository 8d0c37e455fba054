"""Alert history: what is open now, how many alerts were open over time, every transition."""

from __future__ import annotations

from grafana_foundation_sdk.models.dashboard import Dashboard

from services.dashboards.common import finish, new_dashboard
from services.dashboards.family import alert_annotations
from services.dashboards.language.i18n import Speech
from services.dashboards.panels import stat_panel, table_panel, thresholds, timeseries_panel
from services.dashboards.queries import alert_sql
from services.dashboards.queries.sql import Sql

__all__ = ["UID", "alert_history"]

UID = "ontrack-alerts"

_COUNTS = (
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


def alert_history(t: Speech) -> Dashboard:
    board = new_dashboard(
        t,
        UID,
        t("ontrack · alert history"),
        t(
            "Alerts on plan targets and feeds: open now, open over time, and every lifecycle "
            "transition (pending, firing, resolved, acknowledged) with its reason."
        ),
        time=("now-30d", "now"),
        refresh="5m",
    )
    for title, query, colour in _COUNTS:
        board = board.with_panel(
            stat_panel(
                t(title), Sql(query).table(), steps=thresholds((None, colour)), decimals=0, span=6
            )
        )
    board = board.with_panel(
        timeseries_panel(
            t("Open alerts over time"),
            Sql(alert_sql.timeline(t)),
            description=t(
                "Alerts pending or firing at each moment, by severity; alerts on targets that "
                "fired and resolved are marked."
            ),
            stacked=True,
            span=24,
        )
    )
    board = board.with_panel(
        table_panel(t("Open now"), Sql(alert_sql.open_alerts(t)).table(), height=8)
    )
    board = board.with_panel(
        table_panel(
            t("Every transition"),
            Sql(alert_sql.history(t)).table(),
            description=t("Newest first: what changed, the value that made it change, and why."),
            height=14,
        )
    )
    return finish(board, alert_annotations(t, None))

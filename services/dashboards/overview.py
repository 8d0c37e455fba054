"""City overview: every target with its status, actual against expected, and days left."""

from __future__ import annotations

from grafana_foundation_sdk.builders import stat
from grafana_foundation_sdk.models.dashboard import Dashboard

from services.dashboards.common import finish, new_dashboard
from services.dashboards.panels import (
    STATUS_COLOURS,
    stat_panel,
    status_mappings,
    table_panel,
    thresholds,
)
from services.dashboards.sql import Sql, compose

__all__ = ["UID", "overview"]

UID = "ontrack-overview"

_TARGETS = """
SELECT target_id AS "target", family, name AS "indicator", status,
       actual, expected, gap_pct AS "gap %", comparator AS "goal", target_value AS "target",
       unit, deadline, days_left AS "days left",
       100 * probability_met AS "chance of meeting it %", pace_text AS "what it takes",
       open_alerts AS "open alerts", as_of AS "as of"
FROM target_overview
ORDER BY severity_rank, deadline, target_id
"""

_OPEN_ALERTS = """
SELECT coalesce(fired_at, active_at, since) AS "since", severity, state, subject,
       annotations->>'summary' AS "summary", acked_by AS "acknowledged by"
FROM v_alerts_open
ORDER BY severity, since
"""


def _status_stat(status: str) -> stat.Panel:
    text, colour = STATUS_COLOURS[status]
    return stat_panel(
        text.capitalize(),
        Sql(
            compose(
                "SELECT targets FROM target_status_counts WHERE status = {status}",
                literals={"status": status},
            )
        ).table(),
        description=f"Targets whose status is {text} at the alert engine's last evaluation.",
        steps=thresholds((None, colour)),
        span=4,
        decimals=0,
    )


def overview() -> Dashboard:
    board = new_dashboard(
        UID,
        "ontrack · city overview",
        "Every plan target: where it stands (status), actual against what its trajectory "
        "expects today, and the days left to its deadline.",
        time=("now-7d", "now"),
        refresh="5m",
    )
    for status in STATUS_COLOURS:
        board = board.with_panel(_status_stat(status))
    board = board.with_panel(
        table_panel(
            "Every target",
            Sql(_TARGETS).table(),
            description=(
                "Worst first. Actual and expected are in the target's sense: year-to-date for "
                "yearly flows, the annual mean so far for levels, the latest value for stocks. "
                "Gap % is actual against expected; the chance of meeting it comes from the "
                "projection of recent data to the deadline."
            ),
            height=18,
            mappings=status_mappings(),
        )
    )
    board = board.with_panel(
        table_panel(
            "Open alerts",
            Sql(_OPEN_ALERTS).table(),
            description="Alerts pending or firing now (details in the alert history dashboard).",
            height=8,
        )
    )
    return finish(board)

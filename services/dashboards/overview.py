"""City overview: every target with its status and the data it rests on, the sources pulling
targets off, open alerts, and alerts over time with their firings and resolutions marked."""

from __future__ import annotations

from grafana_foundation_sdk.builders import stat
from grafana_foundation_sdk.models.dashboard import Dashboard

from services.dashboards.common import finish, new_dashboard
from services.dashboards.family import (
    alert_annotations,
    contributors_panel,
    target_status_panels,
)
from services.dashboards.language.i18n import Speech
from services.dashboards.language.words import STATUS_WORDS
from services.dashboards.panels import (
    STATUS_COLOURS,
    stat_panel,
    table_panel,
    thresholds,
    timeseries_panel,
)
from services.dashboards.queries import alert_sql
from services.dashboards.queries.sql import Sql, compose

__all__ = ["UID", "overview"]

UID = "ontrack-overview"


def _status_stat(t: Speech, status: str) -> stat.Panel:
    text = STATUS_WORDS[status][t.lang]
    return stat_panel(
        text[:1].upper() + text[1:],
        Sql(
            compose(
                "SELECT targets FROM target_status_counts WHERE status = {status}",
                literals={"status": status},
            )
        ).table(),
        description=t(
            "Targets whose status is “{status}” at the alert engine's last evaluation.",
            status=text,
        ),
        steps=thresholds((None, STATUS_COLOURS[status])),
        span=4,
        decimals=0,
    )


def overview(t: Speech) -> Dashboard:
    board = new_dashboard(
        t,
        UID,
        t("ontrack · city overview"),
        t(
            "Every plan target: where it stands (status) and on what data, actual against "
            "what its trajectory expects today, the days left to its deadline, and the "
            "sources pulling targets off."
        ),
        time=("now-90d", "now"),
        refresh="5m",
    )
    for status in STATUS_COLOURS:
        board = board.with_panel(_status_stat(t, status))
    for panel in target_status_panels(t, None):
        board = board.with_panel(panel)
    board = board.with_panel(contributors_panel(t, None))
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
        table_panel(
            t("Open alerts"),
            Sql(alert_sql.open_alerts(t, brief=True)).table(),
            description=t("Alerts pending or firing now (details in the alert history dashboard)."),
            height=8,
        )
    )
    return finish(board, alert_annotations(t, None))

"""What every ontrack dashboard shares: tags, links between them, time zone, panel ids."""

from __future__ import annotations

from grafana_foundation_sdk.builders import dashboard as dash
from grafana_foundation_sdk.models.dashboard import Dashboard, DashboardLinkType

from services.indicators.city import CITY_TZ_NAME

__all__ = ["TAG", "finish", "new_dashboard"]

TAG = "ontrack"


def new_dashboard(
    uid: str, title: str, description: str, *, time: tuple[str, str], refresh: str
) -> dash.Dashboard:
    """A dashboard with the shared settings, linked to every other ontrack dashboard."""
    return (
        dash.Dashboard(title)
        .uid(uid)
        .description(description)
        .tags([TAG])
        .timezone(CITY_TZ_NAME)
        .time(*time)
        .refresh(refresh)
        .readonly()
        .link(
            dash.DashboardLink("ontrack")
            .type(DashboardLinkType.DASHBOARDS)
            .tags([TAG])
            .as_dropdown(True)
            .include_vars(False)
            .keep_time(False)
        )
    )


def finish(builder: dash.Dashboard) -> Dashboard:
    """Build, numbering the panels 1, 2, … in layout order (Grafana needs unique ids)."""
    board = builder.build()
    for i, panel in enumerate(board.panels or (), start=1):
        panel.id_val = i
    return board

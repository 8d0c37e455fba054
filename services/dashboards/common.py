"""What every ontrack dashboard shares: tags, links between them and to the same dashboard in
the other language, time zone, panel ids, alert annotations."""

from __future__ import annotations

from collections.abc import Sequence

from grafana_foundation_sdk.builders import dashboard as dash
from grafana_foundation_sdk.models.dashboard import (
    AnnotationContainer,
    AnnotationQuery,
    Dashboard,
    DashboardLinkType,
    Panel,
    RowPanel,
)

from services.dashboards.language.i18n import Speech
from services.dashboards.language.words import Lang
from services.indicators.city import CITY_TZ_NAME

__all__ = ["TAG", "finish", "new_dashboard"]

TAG = "ontrack"
_OTHER: dict[Lang, tuple[Lang, str]] = {"en": ("zh-CN", "中文"), "zh-CN": ("en", "English")}


def new_dashboard(
    speech: Speech,
    uid: str,
    title: str,
    description: str,
    *,
    time: tuple[str, str],
    refresh: str,
) -> dash.Dashboard:
    """A dashboard with the shared settings in ``speech``'s language (uid and tags), linked
    to every other ontrack dashboard of that language and to itself in the other one."""
    other, other_name = _OTHER[speech.lang]
    other_uid = Speech(other).uid(uid)
    return (
        dash.Dashboard(title)
        .uid(speech.uid(uid))
        .description(description)
        .tags([TAG, speech.lang])
        .timezone(CITY_TZ_NAME)
        .time(*time)
        .refresh(refresh)
        .readonly()
        .link(
            dash.DashboardLink("ontrack")
            .type(DashboardLinkType.DASHBOARDS)
            .tags([TAG, speech.lang])
            .as_dropdown(True)
            .include_vars(False)
            .keep_time(False)
        )
        .link(
            dash.DashboardLink(other_name)
            .type(DashboardLinkType.LINK)
            .url(f"/d/{other_uid}")
            .include_vars(True)
            .keep_time(True)
            .icon("doc")
        )
    )


def finish(builder: dash.Dashboard, annotations: Sequence[AnnotationQuery] = ()) -> Dashboard:
    """Build, numbering the panels 1, 2, … in layout order, those of collapsed rows too
    (Grafana needs unique ids), with ``annotations`` (markers on every time series panel)."""
    board = builder.build()
    every = [p for panel in board.panels or () for p in (panel, *_inside(panel))]
    for i, panel in enumerate(every, start=1):
        panel.id_val = i
    if annotations:
        board.annotations = AnnotationContainer(list_val=list(annotations))
    return board


def _inside(panel: Panel | RowPanel | object) -> list[Panel]:
    """The panels a collapsed row holds (none for a panel, or an open row)."""
    return list(panel.panels) if isinstance(panel, RowPanel) else []

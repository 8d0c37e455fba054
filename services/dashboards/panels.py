"""Small constructors for the panels, queries and variables every dashboard uses.

A panel's data source follows from its queries: SQL (:class:`Sql`) reads TimescaleDB,
PromQL (:func:`prom`) reads Prometheus. The data sources are referred to by the uids the
provisioning files give them (deploy/grafana/provisioning/datasources/).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from grafana_foundation_sdk.builders import dashboard as dash
from grafana_foundation_sdk.builders import prometheus, stat, table, timeseries
from grafana_foundation_sdk.builders.common import StackingConfig, VizLegendOptions
from grafana_foundation_sdk.cog import builder as cogbuilder
from grafana_foundation_sdk.cog import variants as cogvariants
from grafana_foundation_sdk.models import common
from grafana_foundation_sdk.models.dashboard import (
    DashboardSpecialValueMapOptions,
    DataSourceRef,
    DynamicConfigValue,
    SpecialValueMap,
    SpecialValueMatch,
    Threshold,
    ThresholdsMode,
    ValueMap,
    ValueMapping,
    ValueMappingResult,
    VariableHide,
    VariableOption,
    VariableRefresh,
)

from services.dashboards.language.words import NOT_EVALUATED, STATUS_WORDS, Lang
from services.dashboards.queries.sql import TIMESCALEDB, Sql

__all__ = [
    "PROMETHEUS",
    "STATUS_COLOURS",
    "Query",
    "band",
    "dashed",
    "decimals_of",
    "prom",
    "sql_variable",
    "stat_panel",
    "status_mappings",
    "table_panel",
    "thresholds",
    "timeseries_panel",
    "unit_of",
    "word_mappings",
]

PROMETHEUS = DataSourceRef(type_val="prometheus", uid="ontrack-prometheus")

Query = cogbuilder.Builder[cogvariants.Dataquery]

STATUS_COLOURS: Mapping[str, str] = {
    "on_track": "green",
    "met": "blue",
    "at_risk": "orange",
    "off_track": "red",
    "missed": "dark-red",
    "no_data": "text",
    "insufficient_data": "text",
}


def prom(expr: str, legend: str = "", ref_id: str = "A") -> prometheus.Dataquery:
    """A PromQL range query (``$__rate_interval`` for rates, as Grafana recommends)."""
    q = prometheus.Dataquery().expr(expr).ref_id(ref_id).range()
    q = q.datasource(PROMETHEUS)
    return q.legend_format(legend) if legend else q


def _source(queries: Sequence[Query]) -> DataSourceRef:
    kinds = {isinstance(q, Sql) for q in queries}
    if len(kinds) != 1:
        raise ValueError("a panel's queries must all be SQL or all PromQL")
    return TIMESCALEDB if kinds == {True} else PROMETHEUS


def _ref_ids(queries: Sequence[Query]) -> list[Query]:
    out: list[Query] = []
    for i, q in enumerate(queries):
        ref = chr(ord("A") + i)
        if isinstance(q, Sql):
            out.append(q.ref_id(ref))
        elif isinstance(q, prometheus.Dataquery):
            out.append(q.ref_id(ref))
        else:
            out.append(q)
    return out


def timeseries_panel(
    title: str,
    *queries: Query,
    unit: str = "",
    description: str = "",
    span: int = 12,
    height: int = 8,
    bars: bool = False,
    stacked: bool = False,
) -> timeseries.Panel:
    p = (
        timeseries.Panel()
        .title(title)
        .description(description)
        .datasource(_source(queries))
        .targets(_ref_ids(queries))
        .span(span)
        .height(height)
        .legend(
            VizLegendOptions()
            .show_legend(True)
            .display_mode(common.LegendDisplayMode.LIST)
            .placement(common.LegendPlacement.BOTTOM)
        )
        .line_width(2)
        .fill_opacity(60 if bars else 8)
        .span_nulls(True)
    )
    if unit:
        p = p.unit(unit)
    if bars:
        p = p.draw_style(common.GraphDrawStyle.BARS)
    if stacked:
        p = p.stacking(StackingConfig().mode(common.StackingMode.NORMAL))
    return p


def stat_panel(
    title: str,
    *queries: Query,
    unit: str = "",
    description: str = "",
    span: int = 4,
    height: int = 4,
    mappings: Sequence[ValueMapping] = (),
    steps: dash.ThresholdsConfig | None = None,
    decimals: int | None = None,
) -> stat.Panel:
    p = (
        stat.Panel()
        .title(title)
        .description(description)
        .datasource(_source(queries))
        .targets(_ref_ids(queries))
        .span(span)
        .height(height)
        .graph_mode(common.BigValueGraphMode.NONE)
        .color_mode(common.BigValueColorMode.BACKGROUND)
    )
    if unit:
        p = p.unit(unit)
    if mappings:
        p = p.mappings(list(mappings))
    if steps is not None:
        p = p.thresholds(steps)
    if decimals is not None:
        p = p.decimals(decimals)
    return p


def table_panel(
    title: str,
    *queries: Query,
    description: str = "",
    span: int = 24,
    height: int = 10,
    mappings: Sequence[ValueMapping] = (),
) -> table.Panel:
    p = (
        table.Panel()
        .title(title)
        .description(description)
        .datasource(_source(queries))
        .targets(_ref_ids(queries))
        .span(span)
        .height(height)
        .filterable(True)
    )
    if mappings:
        p = p.mappings(list(mappings))
    return p


def thresholds(*steps: tuple[float | None, str]) -> dash.ThresholdsConfig:
    """Absolute thresholds: ``(None, "green"), (80, "red")`` — the first step has no value."""
    return (
        dash.ThresholdsConfig()
        .mode(ThresholdsMode.ABSOLUTE)
        .steps([Threshold(value=v, color=c) for v, c in steps])
    )


def status_mappings(lang: Lang) -> list[ValueMapping]:
    """Target statuses shown as words of ``lang`` in their colour; no status yet as "not
    evaluated"."""
    return [
        ValueMap(
            options={
                key: ValueMappingResult(text=STATUS_WORDS[key][lang], color=colour, index=i)
                for i, (key, colour) in enumerate(STATUS_COLOURS.items())
            }
        ),
        SpecialValueMap(
            options=DashboardSpecialValueMapOptions(
                match=SpecialValueMatch.NULL,
                result=ValueMappingResult(text=NOT_EVALUATED[lang], color="text"),
            )
        ),
    ]


def word_mappings(words: Mapping[str, tuple[str, str]]) -> list[ValueMapping]:
    """Values shown as other words in a colour: ``{value: (word, colour)}``."""
    return [
        ValueMap(
            options={
                value: ValueMappingResult(text=word, color=colour, index=i)
                for i, (value, (word, colour)) in enumerate(words.items())
            }
        )
    ]


def dashed(name: str) -> tuple[str, list[DynamicConfigValue]]:
    """An override drawing the series ``name`` dashed (a plan line rather than data)."""
    return name, [
        DynamicConfigValue(id_val="custom.lineStyle", value={"fill": "dash", "dash": [10, 10]}),
        DynamicConfigValue(id_val="custom.fillOpacity", value=0),
    ]


def band(high: str, low: str) -> tuple[str, list[DynamicConfigValue]]:
    """An override filling the area between the series ``high`` and ``low`` (an interval)."""
    return high, [
        DynamicConfigValue(id_val="custom.fillBelowTo", value=low),
        DynamicConfigValue(id_val="custom.fillOpacity", value=15),
    ]


def unit_of(column: str, unit: str) -> tuple[str, list[DynamicConfigValue]]:
    """An override giving the table column ``column`` a Grafana unit (``s``, ``percent``)."""
    return column, [DynamicConfigValue(id_val="unit", value=unit)]


def decimals_of(column: str, decimals: int) -> tuple[str, list[DynamicConfigValue]]:
    return column, [DynamicConfigValue(id_val="decimals", value=decimals)]


def sql_variable(
    name: str,
    label: str,
    query: str,
    *,
    multi: bool = False,
    include_all: bool = False,
) -> dash.QueryVariable:
    """A variable whose options come from a SQL query (``__value`` / ``__text`` columns).

    With ``include_all`` the variable starts on "All" (every option).
    """
    v = (
        dash.QueryVariable(name)
        .label(label)
        .datasource(TIMESCALEDB)
        .query(" ".join(query.split()))
        .refresh(VariableRefresh.ON_DASHBOARD_LOAD)
        .multi(multi)
        .include_all(include_all)
        .hide(VariableHide.DONT_HIDE)
    )
    if include_all:
        v = v.current(VariableOption(selected=True, text="All", value="$__all"))
    return v

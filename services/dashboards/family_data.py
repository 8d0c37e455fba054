"""Each family's own data, below its targets: the city values of its indicators and who
reports them (stations, terminals, companies, districts), in the language's units.

Air, port, power and 5G have panels of their own (the daily AQI, containers by terminal...);
every other family shows each of its indicators from the catalogue: the city value, and
per source when several sources make it. A family of more than ``MANY`` indicators (the
economy's 26, agriculture's 16, public services' 11) shows them in groups by what they
measure — totals, counts and capacities, shares and rates, levels, growth rates — each
group a section of its own (a collapsed row), so the dashboard stays readable and a
catalogued indicator finds its place without a list to keep.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import LiteralString

from grafana_foundation_sdk.builders.dashboard import FieldColor
from grafana_foundation_sdk.cog import builder as cogbuilder
from grafana_foundation_sdk.models import dashboard as model
from grafana_foundation_sdk.models.dashboard import FieldColorModeId
from psycopg import sql

from services.dashboards.language.i18n import Speech
from services.dashboards.language.words import data_unit
from services.dashboards.panels import stat_panel, thresholds, timeseries_panel
from services.dashboards.queries.sql import Sql, compose
from services.indicators.catalogue import Catalogue, Indicator
from services.language import Glossary, Language

__all__ = ["MANY", "DataPanels", "Section", "family_sections", "shown_indicators"]

PanelBuilder = cogbuilder.Builder[model.Panel]
DataPanels = Callable[[Speech, Catalogue], Sequence[PanelBuilder]]

MANY = 8  # a family with more indicators than this shows them in groups

# The groups of a family's many indicators, by kind, in the order they are shown.
_GROUPS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("flow",), "totals"),
    (("stock", "capacity"), "counts and capacities"),
    (("ratio",), "shares and rates"),
    (("level",), "levels"),
    (("growth",), "growth rates"),
)


@dataclass(frozen=True)
class Section:
    """The data panels under one row: a family's all, or one group of its indicators
    (``group`` the group's name in the language, ``count`` its indicators)."""

    panels: Sequence[PanelBuilder]
    group: str = ""
    count: int = 0


_BY_INTERVAL: LiteralString = "rollup_width($__interval_ms)"
_MONTHLY: LiteralString = "'month'"


def _name(speech: Speech) -> LiteralString:
    return "coalesce(nullif(name_zh, ''), name)" if speech.zh else "name"


def _city(
    speech: Speech, where: LiteralString, width: LiteralString = _BY_INTERVAL, scale: float = 1
) -> str:
    """City values of the indicators ``where`` selects, one series per indicator (named in
    the language), divided by ``scale``."""
    return compose(
        """
        SELECT bucket AS "time", {name} AS metric, value / {scale} AS value
        FROM city_rollups
        WHERE {where} AND width = {width} AND $__timeFilter(bucket)
        ORDER BY 1, 2
        """,
        where=where,
        width=width,
        name=_name(speech),
        scale=sql.Literal(scale),
    )


def _by_source(indicator: str, width: LiteralString = _BY_INTERVAL, scale: float = 1) -> str:
    """One series per source (station, terminal, district...) of ``indicator``."""
    return compose(
        """
        SELECT bucket AS "time", source AS metric, value / {scale} AS value
        FROM source_rollups
        WHERE indicator = {indicator} AND width = {width} AND $__timeFilter(bucket)
        ORDER BY 1, 2
        """,
        literals={"indicator": indicator},
        width=width,
        scale=sql.Literal(scale),
    )


def _suffix(unit: str) -> str:
    return f"suffix:{unit}" if unit else ""


def _air(t: Speech, catalogue: Catalogue) -> list[PanelBuilder]:
    aqi_steps = thresholds(
        (None, "green"), (51, "yellow"), (101, "orange"), (151, "red"), (201, "purple"),
        (301, "dark-red"),
    )  # fmt: skip
    _, ug = data_unit("µg/m³", t.lang)
    return [
        timeseries_panel(
            t("PM2.5, city mean"),
            Sql(_city(t, "indicator = 'air.pm25'")),
            unit=_suffix(ug),
            description=t("Mean of the stations' concentrations, per hour, day or month."),
        ),
        timeseries_panel(
            t("PM2.5 by station"),
            Sql(_by_source("air.pm25")),
            unit=_suffix(ug),
        ),
        timeseries_panel(
            t("Daily AQI, city"),
            Sql(
                compose(
                    """
                    SELECT day AS "time", aqi AS {aqi}
                    FROM air_quality_city WHERE $__timeFilter(day) ORDER BY 1
                    """,
                    aqi=sql.Identifier(t("AQI")),
                )
            ),
            bars=True,
            description=t("HJ 633-2012 daily AQI from the city's mean concentrations."),
            span=12,
        )
        .thresholds(aqi_steps)
        .color_scheme(FieldColor().mode(FieldColorModeId.THRESHOLDS)),
        stat_panel(
            t("Good-air days"),
            Sql("SELECT good_ratio FROM air_quality_summary($__timeFrom(), $__timeTo())").table(),
            unit="percent",
            description=t("Share of days in the time range with an AQI of 100 or less."),
            steps=thresholds((None, "red"), (80, "orange"), (88.8, "green")),
            decimals=1,
            span=4,
            height=8,
        ),
        stat_panel(
            t("Heavily polluted days"),
            Sql("SELECT heavy_days FROM air_quality_summary($__timeFrom(), $__timeTo())").table(),
            description=t("Days in the time range with an AQI above 200."),
            steps=thresholds((None, "green"), (1, "red")),
            decimals=0,
            span=4,
            height=8,
        ),
        stat_panel(
            t("Days measured"),
            Sql("SELECT days FROM air_quality_summary($__timeFrom(), $__timeTo())").table(),
            steps=thresholds((None, "blue")),
            decimals=0,
            span=4,
            height=8,
        ),
    ]


def _port(t: Speech, catalogue: Catalogue) -> list[PanelBuilder]:
    teu_scale, teu = data_unit("TEU", t.lang)
    ton_scale, tons = data_unit("t", t.lang)
    return [
        timeseries_panel(
            t("Container throughput per month"),
            Sql(
                _city(t, "family = 'port' AND kind = 'flow' AND unit = 'TEU'", _MONTHLY, teu_scale)
            ),
            unit=_suffix(teu),
            bars=True,
        ),
        timeseries_panel(
            t("Cargo throughput per month"),
            Sql(_city(t, "indicator = 'port.cargo_tonnes'", _MONTHLY, ton_scale)),
            unit=_suffix(tons),
            bars=True,
        ),
        timeseries_panel(
            t("Containers by terminal"),
            Sql(_by_source("port.container_teu", _MONTHLY, teu_scale)),
            unit=_suffix(teu),
            bars=True,
            stacked=True,
        ),
        timeseries_panel(
            t("Container routes"),
            Sql(
                _city(
                    t,
                    "indicator IN ('port.direct_container_routes', 'port.intl_container_routes')",
                    _MONTHLY,
                )
            ),
            unit=_suffix(data_unit("routes", t.lang)[1]),
            description=t("Direct and international container routes in service."),
        ),
    ]


def _power(t: Speech, catalogue: Catalogue) -> list[PanelBuilder]:
    scale, kw = data_unit("kW", t.lang)
    return [
        timeseries_panel(
            t("Installed capacity"),
            Sql(_city(t, "family = 'power' AND kind = 'capacity'", _MONTHLY, scale)),
            unit=_suffix(kw),
            description=t("Month-end installed capacity, summed over the companies reporting it."),
        ),
        timeseries_panel(
            t("Renewable capacity by source"),
            Sql(_by_source("power.renewable_capacity", _MONTHLY, scale)),
            unit=_suffix(kw),
            stacked=True,
        ),
        timeseries_panel(
            t("New-energy share of installed capacity"),
            Sql(_city(t, "indicator = 'power.new_energy_share'", _MONTHLY)),
            unit="percent",
        ),
    ]


def _telecom(t: Speech, catalogue: Catalogue) -> list[PanelBuilder]:
    stations = _suffix(data_unit("stations", t.lang)[1])
    return [
        timeseries_panel(
            t("5G base stations, city"),
            Sql(_city(t, "indicator = 'telecom.5g_base_stations'", _MONTHLY)),
            unit=stations,
            description=t("Cumulative base stations built, summed over districts and operators."),
        ),
        timeseries_panel(
            t("5G base stations by reporting source"),
            Sql(_by_source("telecom.5g_base_stations", _MONTHLY)),
            unit=stations,
            stacked=True,
        ),
        timeseries_panel(
            t("Administrative villages with 5G"),
            Sql(_city(t, "indicator = 'telecom.5g_village_coverage'", _MONTHLY)),
            unit="percent",
        ),
    ]


def shown_indicators(family: str, catalogue: Catalogue) -> list[Indicator]:
    """The indicators of ``family`` its dashboard shows one by one: those providers push."""
    return [i for i in catalogue if i.family == family and not i.derived]


def _each_indicator(family: str) -> Callable[[Speech, Catalogue], list[Section]]:
    """A panel per indicator of ``family`` (and per source where several make it), in
    groups by kind when the family has more than ``MANY``."""

    def sections(t: Speech, catalogue: Catalogue) -> list[Section]:
        indicators = shown_indicators(family, catalogue)
        if len(indicators) <= MANY:
            return [Section([p for i in indicators for p in _indicator_panels(t, i)])]
        out = []
        for kinds, group in _GROUPS:
            members = [i for i in indicators if i.kind in kinds]
            if members:
                panels = [p for i in members for p in _indicator_panels(t, i)]
                out.append(Section(panels, t(group), len(members)))
        return out

    return sections


def _indicator_panels(t: Speech, indicator: Indicator) -> list[PanelBuilder]:
    scale, unit = data_unit(indicator.unit, t.lang)
    shown = "percent" if indicator.unit == "%" else _suffix(unit)
    name = Glossary.of([indicator], []).indicator(indicator.id, Language(t.lang))
    width = _BY_INTERVAL if indicator.kind == "level" else _MONTHLY
    city = compose(
        """
        SELECT bucket AS "time", {name} AS metric, value / {scale} AS value
        FROM city_rollups
        WHERE indicator = {indicator} AND width = {width} AND $__timeFilter(bucket)
        ORDER BY 1
        """,
        literals={"indicator": indicator.id, "name": t("city")},
        width=width,
        scale=sql.Literal(scale),
    )
    bars = indicator.kind == "flow"
    out: list[PanelBuilder] = [
        timeseries_panel(
            name,
            Sql(city),
            unit=shown,
            bars=bars,
            description=t(
                "{name} for the city, in {unit} (indicator {id}).",
                name=name,
                unit=unit,
                id=indicator.id,
            ),
        )
    ]
    if indicator.combine != "single":
        out.append(
            timeseries_panel(
                t("{name} by source", name=name),
                Sql(_by_source(indicator.id, width, scale)),
                unit=shown,
                bars=bars,
                stacked=indicator.combine == "sum",
            )
        )
    return out


_OWN: dict[str, DataPanels] = {
    "air": _air,
    "port": _port,
    "power": _power,
    "telecom": _telecom,
}


def family_sections(family: str) -> Callable[[Speech, Catalogue], Sequence[Section]]:
    """The data of ``family``: its own panels, or one per indicator (grouped when many)."""
    own = _OWN.get(family)
    if own is None:
        return _each_indicator(family)
    return lambda t, catalogue: [Section(own(t, catalogue))]

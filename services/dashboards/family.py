"""One dashboard per indicator family (air, port, power, 5G): each target of the family drawn
against its trajectory, its target and the projection, then the family's own data.

The chart of a target is one call, ``target_chart($target, from, to)`` (migration 0005),
repeated for every target the ``target`` variable selects.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import LiteralString

from grafana_foundation_sdk.builders import dashboard as dash
from grafana_foundation_sdk.builders.dashboard import FieldColor
from grafana_foundation_sdk.cog import builder as cogbuilder
from grafana_foundation_sdk.models import dashboard as model
from grafana_foundation_sdk.models.dashboard import Dashboard, FieldColorModeId

from services.dashboards.common import finish, new_dashboard
from services.dashboards.panels import (
    dashed,
    sql_variable,
    stat_panel,
    status_mappings,
    table_panel,
    thresholds,
    timeseries_panel,
)
from services.dashboards.sql import Sql, compose

__all__ = ["FAMILIES", "Family", "family_dashboard"]

PanelBuilder = cogbuilder.Builder[model.Panel]


@dataclass(frozen=True)
class Family:
    key: str  # the catalogue's family (indicators.family)
    slug: str  # file name and uid suffix
    title: str
    description: str
    panels: Callable[[], Sequence[PanelBuilder]]


_BY_INTERVAL: LiteralString = "rollup_width($__interval_ms)"
_MONTHLY: LiteralString = "'month'"


def _city(where: LiteralString, width: LiteralString = _BY_INTERVAL) -> str:
    """City values of the indicators ``where`` selects, one series per indicator."""
    return compose(
        """
        SELECT bucket AS "time", name AS metric, value
        FROM city_rollups
        WHERE {where} AND width = {width} AND $__timeFilter(bucket)
        ORDER BY 1, 2
        """,
        where=where,
        width=width,
    )


def _by_source(indicator: str, width: LiteralString = _BY_INTERVAL) -> str:
    """One series per source (station, terminal, district...) of ``indicator``."""
    return compose(
        """
        SELECT bucket AS "time", source AS metric, value
        FROM source_rollups
        WHERE indicator = {indicator} AND width = {width} AND $__timeFilter(bucket)
        ORDER BY 1, 2
        """,
        literals={"indicator": indicator},
        width=width,
    )


def _air() -> list[PanelBuilder]:
    aqi_steps = thresholds(
        (None, "green"), (51, "yellow"), (101, "orange"), (151, "red"), (201, "purple"),
        (301, "dark-red"),
    )  # fmt: skip
    return [
        timeseries_panel(
            "PM2.5, city mean",
            Sql(_city("indicator = 'air.pm25'")),
            unit="suffix: µg/m³",
            description="Mean of the stations' concentrations, per hour, day or month.",
        ),
        timeseries_panel(
            "PM2.5 by station",
            Sql(_by_source("air.pm25")),
            unit="suffix: µg/m³",
        ),
        timeseries_panel(
            "Daily AQI, city",
            Sql("""
                SELECT day AS "time", aqi AS "AQI"
                FROM air_quality_city WHERE $__timeFilter(day) ORDER BY 1
            """),
            bars=True,
            description="HJ 633-2012 daily AQI from the city's mean concentrations.",
            span=12,
        )
        .thresholds(aqi_steps)
        .color_scheme(FieldColor().mode(FieldColorModeId.THRESHOLDS)),
        stat_panel(
            "Good-air days",
            Sql("SELECT good_ratio FROM air_quality_summary($__timeFrom(), $__timeTo())").table(),
            unit="percent",
            description="Share of days in the time range with an AQI of 100 or less.",
            steps=thresholds((None, "red"), (80, "orange"), (88.8, "green")),
            decimals=1,
            span=4,
            height=8,
        ),
        stat_panel(
            "Heavily polluted days",
            Sql("SELECT heavy_days FROM air_quality_summary($__timeFrom(), $__timeTo())").table(),
            description="Days in the time range with an AQI above 200.",
            steps=thresholds((None, "green"), (1, "red")),
            decimals=0,
            span=4,
            height=8,
        ),
        stat_panel(
            "Days measured",
            Sql("SELECT days FROM air_quality_summary($__timeFrom(), $__timeTo())").table(),
            steps=thresholds((None, "blue")),
            decimals=0,
            span=4,
            height=8,
        ),
    ]


def _port() -> list[PanelBuilder]:
    return [
        timeseries_panel(
            "Container throughput per month",
            Sql(_city("family = 'port' AND kind = 'flow' AND unit = 'TEU'", _MONTHLY)),
            unit="suffix: TEU",
            bars=True,
        ),
        timeseries_panel(
            "Cargo throughput per month",
            Sql(_city("indicator = 'port.cargo_tonnes'", _MONTHLY)),
            unit="suffix: t",
            bars=True,
        ),
        timeseries_panel(
            "Containers by terminal",
            Sql(_by_source("port.container_teu", _MONTHLY)),
            unit="suffix: TEU",
            bars=True,
            stacked=True,
        ),
        timeseries_panel(
            "Container routes",
            Sql(
                _city(
                    "indicator IN ('port.direct_container_routes', 'port.intl_container_routes')",
                    _MONTHLY,
                )
            ),
            description="Direct routes (domestic and international) and international "
            "container routes in service.",
        ),
    ]


def _power() -> list[PanelBuilder]:
    return [
        timeseries_panel(
            "Installed capacity",
            Sql(_city("family = 'power' AND kind = 'capacity'", _MONTHLY)),
            unit="suffix: kW",
            description="Month-end installed capacity, summed over the companies reporting it.",
        ),
        timeseries_panel(
            "Renewable capacity by source",
            Sql(_by_source("power.renewable_capacity", _MONTHLY)),
            unit="suffix: kW",
            stacked=True,
        ),
        timeseries_panel(
            "New-energy share of installed capacity",
            Sql(_city("indicator = 'power.new_energy_share'", _MONTHLY)),
            unit="percent",
        ),
    ]


def _telecom() -> list[PanelBuilder]:
    return [
        timeseries_panel(
            "5G base stations, city",
            Sql(_city("indicator = 'telecom.5g_base_stations'", _MONTHLY)),
            description="Cumulative base stations built, summed over districts and operators.",
        ),
        timeseries_panel(
            "5G base stations by reporting source",
            Sql(_by_source("telecom.5g_base_stations", _MONTHLY)),
            stacked=True,
        ),
        timeseries_panel(
            "Administrative villages with 5G",
            Sql(_city("indicator = 'telecom.5g_village_coverage'", _MONTHLY)),
            unit="percent",
        ),
    ]


FAMILIES = (
    Family("air", "air", "Air", "PM2.5, good-air days and heavily polluted days.", _air),
    Family("port", "port", "Port", "Cargo, containers, sea-rail and transshipment.", _port),
    Family("power", "power", "Power", "Installed and renewable capacity.", _power),
    Family("telecom", "5g", "5G", "5G base stations and village coverage.", _telecom),
)

_TARGETS = """
SELECT target_id AS "target", name AS "indicator", status, actual, expected,
       gap_pct AS "gap %", comparator AS "goal", target_value AS "target", unit, deadline,
       days_left AS "days left", projection_value AS "projected",
       100 * probability_met AS "chance of meeting it %", pace_text AS "what it takes"
FROM target_overview
WHERE family = {family}
ORDER BY deadline, target_id
"""

_OPTIONS = """
SELECT id AS __value, id || ' · ' || name AS __text FROM plan_targets
WHERE family = {family} AND scope = 'city' ORDER BY deadline, id
"""

_CHART = """
SELECT "time", metric, value
FROM target_chart($target, $__timeFrom(), $__timeTo())
"""


def _target_chart() -> PanelBuilder:
    chart = timeseries_panel(
        "$target",
        Sql(_CHART),
        description=(
            "actual: the indicator in the target's sense (year-to-date for yearly flows, the "
            "annual mean so far for levels, the latest value for stocks); trajectory: where it "
            "should be on the way from the baseline; target: the plan's value until the "
            "deadline; projection: recent data carried to the deadline, with its 10–90 % "
            "interval."
        ),
        span=24,
        height=9,
    )
    for name in ("trajectory", "target"):
        chart = chart.override_by_name(*dashed(name))
    for name in ("projection", "projection low", "projection high"):
        chart = chart.override_by_name(*dashed(name))
    return chart.repeat("target").repeat_direction("h").max_per_row(2)


def family_dashboard(family: Family) -> Dashboard:
    board = new_dashboard(
        f"ontrack-{family.slug}",
        f"ontrack · {family.title}",
        f"{family.title} targets against their trajectories. {family.description}",
        time=("now-2y", "now+1y"),
        refresh="15m",
    ).with_variable(
        sql_variable(
            "target",
            "Target",
            compose(_OPTIONS, literals={"family": family.key}),
            multi=True,
            include_all=True,
        )
    )
    board = board.with_panel(
        table_panel(
            f"{family.title} targets",
            Sql(compose(_TARGETS, literals={"family": family.key})).table(),
            description="The alert engine's judgement of each target at its last evaluation.",
            height=7,
            mappings=status_mappings(),
        )
    )
    board = board.with_row(dash.Row("Each target against its path"))
    board = board.with_panel(_target_chart())
    board = board.with_row(dash.Row(f"{family.title} data"))
    for panel in family.panels():
        board = board.with_panel(panel)
    return finish(board)

"""One dashboard per indicator family of the catalogue, in a language: where each of its
targets stands and on what data, each target against its trajectory, target line and
projection band, the sources pulling it off, the plans' words, then the family's own data;
alerts that fired and resolved are marked on every chart.

A family of many indicators (more than family_data.MANY) opens on the table of every
target, with its charts, contributors, clauses and each group of its data in collapsed
rows below, to be opened one at a time (or narrowed with the ``target`` variable).

One dashboard per family (rather than one with a family variable): each family has data
of its own to show below its targets (the daily AQI, containers by terminal), a link to
its dashboard names the family, and a family's targets, alerts and contributors are
filtered by a fixed family in the SQL, so a panel never mixes families.

The chart of a target is one call, ``target_chart($target, from, to)`` (migration 0005),
repeated for every target the ``target`` variable selects.
"""

from __future__ import annotations

from dataclasses import dataclass

from grafana_foundation_sdk.builders import dashboard as dash
from grafana_foundation_sdk.models.dashboard import AnnotationQuery, Dashboard

from services.dashboards.common import finish, new_dashboard
from services.dashboards.family_data import PanelBuilder, Section, family_sections
from services.dashboards.language.i18n import Speech
from services.dashboards.language.words import CHART_SERIES, family_name, word
from services.dashboards.panels import (
    band,
    dashed,
    sql_variable,
    status_mappings,
    table_panel,
    timeseries_panel,
    unit_of,
)
from services.dashboards.queries import target_sql
from services.dashboards.queries.sql import Sql, annotation
from services.indicators.catalogue import FAMILIES as CATALOGUE_FAMILIES
from services.indicators.catalogue import Catalogue, Indicator

__all__ = [
    "FAMILIES",
    "Family",
    "alert_annotations",
    "clauses_panel",
    "contributors_panel",
    "family_dashboard",
    "target_status_panels",
]


@dataclass(frozen=True)
class Family:
    key: str  # the catalogue's family (indicators.family)
    slug: str  # file name and uid suffix
    description: str  # in English, translated with the dashboard


_DESCRIPTIONS = {
    "air": "PM2.5, good-air days and heavily polluted days.",
    "water": "Near-shore sea area with good water quality.",
    "port": "Cargo, containers, sea-rail, transshipment, routes and trains.",
    "airport": "Passengers and cargo and mail.",
    "power": "Installed and renewable capacity, grid supply and charging piles.",
    "energy": "LNG receiving capacity.",
    "telecom": "5G base stations and village coverage.",
    "economy": "R&D intensity, foreign trade, high-tech enterprises and GDP growth.",
    "people": "The talent pool.",
    "industry": "The AI industry.",
    "green": "Green factories and green supply-chain firms.",
    "society": "Education, culture, health care, sport, childcare, elderly care and legal services.",
    "transport": "Expressways and urban rail transit.",
    "agriculture": "Farmland, farm output, food processing, farm machinery and rural living.",
}
_SLUGS = {"telecom": "5g"}

FAMILIES = tuple(Family(f, _SLUGS.get(f, f), _DESCRIPTIONS[f]) for f in CATALOGUE_FAMILIES)


def _can_have_contributors(indicator: Indicator) -> bool:
    """Several sources make the city value of a level, flow, stock or capacity
    (services/alerts/engine/contributors.py)."""
    return indicator.combine != "single" and indicator.kind in (
        "level",
        "flow",
        "stock",
        "capacity",
    )


def _target_chart(t: Speech, per_row: int = 2) -> PanelBuilder:
    series = {key: word(CHART_SERIES, key, t.lang) for key in CHART_SERIES}
    chart = timeseries_panel(
        "${target:text}",
        Sql(target_sql.target_chart(t)),
        description=t(
            "actual: the indicator in the target's sense (year-to-date for yearly flows, the "
            "annual mean so far for levels, the latest value for stocks); trajectory: where it "
            "should be on the way from the baseline; target: the plan's value until the "
            "deadline; projection: recent data carried to the deadline, with its 10–90 % "
            "interval shaded. Alerts that fired and resolved are marked."
        ),
        span=24,
        height=9,
    )
    for key in ("trajectory", "target", "projection", "projection low", "projection high"):
        chart = chart.override_by_name(*dashed(series[key]))
    chart = chart.override_by_name(*band(series["projection high"], series["projection low"]))
    return chart.repeat("target").repeat_direction("h").max_per_row(per_row)


def target_status_panels(t: Speech, family: str | None, height: int = 9) -> list[PanelBuilder]:
    """The status table (and the data it rests on) of ``family``'s targets, or of all."""
    return [
        table_panel(
            t("Where each target stands"),
            Sql(target_sql.targets_table(t, family)).table(),
            description=t(
                "The alert engine's judgement of each target at its last evaluation: actual "
                "against what the trajectory expects today (year-to-date for yearly flows, "
                "the annual mean so far for levels, the latest value for stocks), the "
                "projection to the deadline with its interval, and the data the judgement "
                "rests on — how the actual was taken, from how many values, as of when, and "
                "whether that is enough to judge (for air, days with 20 hourly values, GB "
                "3095-2012; for yearly totals, every month) or why a year cannot be judged. "
                "Values are in the unit of the target's row."
            ),
            height=height if family else 18,
            mappings=status_mappings(t.lang),
        )
        .override_by_name(*unit_of(t("gap %"), "percent"))
        .override_by_name(*unit_of(t("chance of meeting it %"), "percent"))
    ]


def alert_annotations(t: Speech, family: str | None) -> list[AnnotationQuery]:
    """Alerts that fired (red) and were resolved (green), from alert_events."""
    return [
        annotation(t("Alerts fired"), "red", target_sql.alert_marks(t, "firing", family)),
        annotation(t("Alerts resolved"), "green", target_sql.alert_marks(t, "resolved", family)),
    ]


def family_dashboard(family: Family, t: Speech, catalogue: Catalogue) -> Dashboard:
    name = family_name(family.key, t.lang)
    board = new_dashboard(
        t,
        f"ontrack-{family.slug}",
        t("ontrack · {family}", family=name),
        t(
            "{family} targets against their trajectories. {what}",
            family=name,
            what=t(family.description),
        ),
        time=("now-2y", "now+1y"),
        refresh="15m",
    ).with_variable(
        sql_variable(
            "target",
            t("Target"),
            target_sql.target_options(t, family.key),
            multi=True,
            include_all=True,
        )
    )
    data = family_sections(family.key)(t, catalogue)
    many = len(data) > 1  # the family's indicators are many, and shown in groups
    for panel in target_status_panels(t, family.key, height=18 if many else 9):
        board = board.with_panel(panel)
    sections: list[tuple[str, list[PanelBuilder]]] = [
        (t("Each target against its path"), [_target_chart(t, per_row=3 if many else 2)])
    ]
    if any(_can_have_contributors(i) for i in catalogue if i.family == family.key):
        sections.append(
            (t("Which sources pull each target off"), [contributors_panel(t, family.key)])
        )
    sections.append((t("What the plans say"), [clauses_panel(t, family.key)]))
    sections += [(_data_title(t, name, s), list(s.panels)) for s in data]
    for title, panels in sections:
        if many:  # each section a collapsed row, holding its panels
            row = dash.Row(title).collapsed(True)
            for panel in panels:
                row = row.with_panel(panel)
            board = board.with_row(row)
        else:
            board = board.with_row(dash.Row(title))
            for panel in panels:
                board = board.with_panel(panel)
    return finish(board, alert_annotations(t, family.key))


def _data_title(t: Speech, family: str, section: Section) -> str:
    if not section.group:
        return t("{family} data", family=family)
    return t(
        "{family} data: {group} ({count} indicators)",
        family=family,
        group=section.group,
        count=section.count,
    )


def contributors_panel(t: Speech, family: str | None) -> PanelBuilder:
    return table_panel(
        t("Sources pulling the targets off") if family is None else t("Contributors"),
        Sql(target_sql.contributors_table(t, family)).table(),
        description=t(
            "From the alert engine's last evaluation, the stations, terminals, companies, "
            "operators or districts that pull each target hardest, worst first. Effect is in "
            "the target's unit, negative when it pulls the target off: for levels, how much "
            "the source moves the city mean; for yearly totals, its change against the same "
            "days of last year (for a ceiling, all it added); for stocks and capacities, its "
            "change over 90 days less its share of the change the trajectory expects."
        ),
        height=9,
    ).override_by_name(*unit_of(t("share %"), "percent"))


def clauses_panel(t: Speech, family: str | None) -> PanelBuilder:
    return table_panel(
        t("The clause each target encodes"),
        Sql(target_sql.clauses_table(t, family)).table(),
        description=t("The plan's title and clause, and the plan's own sentence."),
        height=8,
    )

"""The SQL of the panels about targets, in a language: where each stands and on what data,
its chart, the clause it encodes, the sources pulling it off, and its alerts as annotations.

Every query reads the alert engine's views (target_overview, target_contributors,
v_alert_events) joined with ``target_texts`` for the language's names, units and scales;
the words (column headers, statuses' sentences) come from the language's catalogue and
services.dashboards.language.words, composed in as SQL literals.
"""

from __future__ import annotations

from typing import LiteralString

from psycopg import sql

from services.alerts.snapshot import AQI_FLAGS
from services.dashboards.language.i18n import Speech
from services.dashboards.language.sentences import BASIS, VALIDITY
from services.dashboards.language.words import (
    ALERT_KINDS,
    CHART_SERIES,
    FAMILY_NAMES,
    SEVERITIES,
    words_in,
)
from services.dashboards.queries.alert_sql import subject
from services.dashboards.queries.sql import compose, sentence, words_case

__all__ = [
    "CHART",
    "alert_marks",
    "clauses_table",
    "contributors_table",
    "target_chart",
    "target_options",
    "targets_table",
]

CHART = "target_chart"

# Which targets a dashboard shows: one family's (its ``target`` variable), or all of them.
_FAMILY: LiteralString = "o.family = {family} AND o.target_id IN ($target)"
_ALL: LiteralString = "true"


def _h(speech: Speech, header: str) -> sql.Identifier:
    """A column header in the language (quoted, as Grafana shows it)."""
    return sql.Identifier(speech(header))


def _where(family: str | None) -> sql.Composed:
    if family is None:
        return sql.SQL(_ALL).format()
    return sql.SQL(_FAMILY).format(family=sql.Literal(family))


def target_options(speech: Speech, family: str) -> str:
    """The ``target`` variable: the family's targets, named in the language, with their unit."""
    return compose(
        """
        SELECT p.id AS __value,
               coalesce(x.label, p.id) || coalesce(nullif(' · ' || x.unit, ' · '), '') AS __text
        FROM plan_targets p
        LEFT JOIN target_texts x ON x.target_id = p.id AND x.lang = {lang}
        WHERE p.family = {family}
        ORDER BY p.deadline, p.scope, p.id
        """,
        literals={"lang": speech.lang, "family": family},
    )


def _basis(speech: Speech) -> sql.Composable:
    """What the actual value rests on, as the engine says it (English) or in Chinese."""
    none = sql.Literal(speech("no valid data"))
    if not speech.zh:
        return sql.SQL("CASE WHEN o.status IS NULL THEN NULL WHEN o.basis = '' THEN {} "
                       "ELSE o.basis END").format(none)  # fmt: skip
    whens = [
        sql.SQL("WHEN o.basis ~ {p} THEN regexp_replace(o.basis, {p}, {r})").format(
            p=sql.Literal(pattern), r=sql.Literal(chinese)
        )
        for pattern, chinese, _ in BASIS
    ]
    return sql.SQL(
        "CASE WHEN o.status IS NULL THEN NULL WHEN coalesce(o.basis, '') = '' THEN {} {} "
        "ELSE o.basis END"
    ).format(none, sql.SQL(" ").join(whens))


def _validity(speech: Speech) -> sql.Composable:
    """Whether the data is enough to judge (or why a year cannot be judged), as the engine
    says it (English) or in Chinese; nothing where the engine says nothing."""
    text: sql.Composable = sql.SQL("nullif(o.validity, '')")
    if speech.zh:
        for pattern, chinese in VALIDITY:
            text = sql.SQL("regexp_replace({}, {}, {}, 'g')").format(
                text, sql.Literal(pattern), sql.Literal(chinese)
            )
    return text


def _values() -> sql.Composable:
    """How many values the actual rests on, read from the engine's basis sentence."""
    whens = [
        sql.SQL("WHEN o.basis ~ {p} THEN {n}").format(
            p=sql.Literal(pattern),
            n=sql.SQL("(regexp_match(o.basis, {p}))[{g}]::int").format(
                p=sql.Literal(pattern), g=sql.Literal(group)
            )
            if group > 0
            else sql.Literal(1 if group == 0 else 0),
        )
        for pattern, _, group in BASIS
    ]
    return sql.SQL(
        "CASE WHEN o.status IS NULL THEN NULL "
        "WHEN coalesce(o.basis, '') = '' OR o.status = 'no_data' THEN 0 {} END"
    ).format(sql.SQL(" ").join(whens))


# What it takes to meet the target from now on, in Chinese, from the engine's pace_needed
# and pace_recent (services/indicators/forecast/pace.py; the English sentence is its pace_text).
_PACE_ZH: LiteralString = """
CASE
    WHEN o.status IS NULL OR o.status IN ('no_data', 'insufficient_data') THEN NULL
    WHEN o.status = 'met' THEN '已达成目标'
    WHEN o.status = 'missed' THEN '期限已过，未能达成'
    WHEN o.kind = 'growth' THEN concat('需增长', num_text(o.pace_needed), '%',
        coalesce('，最新为' || num_text(o.pace_recent) || '%', '，近期无数据'))
    WHEN o.kind = 'level-mean' OR (o.kind = 'ratio' AND o.indicator IN ({flags})) THEN concat(
        CASE o.comparator WHEN '<=' THEN '年内余下时间平均需不高于' ELSE '年内余下时间平均需不低于' END,
        num_text(o.pace_needed / {scale}), {unit},
        coalesce('，近30天平均' || num_text(o.pace_recent / {scale}) || {unit}, '，近30天无数据'))
    WHEN o.kind = 'flow' AND o.comparator = '<=' AND o.actual > o.target_value
        THEN '已超出全年上限'
    WHEN o.kind = 'flow' AND o.pace_needed = 0 THEN '已完成全年目标'
    WHEN o.kind = 'flow' THEN concat(
        CASE o.comparator WHEN '<=' THEN '年内余下月份每月不超过' ELSE '年内余下月份每月需完成' END,
        num_text(o.pace_needed / {scale}), {unit},
        coalesce('，近3个月月均' || num_text(o.pace_recent / {scale}) || {unit}, '，近3个月无数据'))
    WHEN o.pace_needed = 0 THEN '已达到目标值'
    ELSE concat(
        CASE WHEN o.pace_needed < 0 THEN '每月需减少' ELSE '每月需净增' END,
        num_text(abs(o.pace_needed) / {scale}), {step},
        coalesce('，近半年每月' || CASE WHEN o.pace_recent < 0 THEN '减少' ELSE '净增' END
                 || num_text(abs(o.pace_recent) / {scale}) || {step}, '，近半年无数据'))
END
"""


def _pace(speech: Speech) -> sql.Composable:
    if not speech.zh:
        return sql.SQL("o.pace_text")
    return sql.SQL(_PACE_ZH).format(
        flags=sql.SQL(", ").join(sql.Literal(i) for i in sorted(AQI_FLAGS)),
        scale=sql.SQL("coalesce(x.scale, 1)"),
        unit=sql.SQL("coalesce(x.unit, o.unit)"),
        step=sql.SQL("CASE WHEN o.unit = '%' THEN '个百分点' ELSE coalesce(x.unit, o.unit) END"),
    )


_TARGETS: LiteralString = """
SELECT coalesce(x.label, o.target_id) AS {h_target}, {family_column} o.status AS {h_status},
       o.actual / coalesce(x.scale, 1) AS {h_actual},
       o.expected / coalesce(x.scale, 1) AS {h_expected},
       o.gap_pct AS {h_gap},
       o.projection_value / coalesce(x.scale, 1) AS {h_projected},
       num_text(o.projection_low / coalesce(x.scale, 1)) || '–'
           || num_text(o.projection_high / coalesce(x.scale, 1)) AS {h_range},
       100 * o.probability_met AS {h_chance},
       coalesce(x.goal, o.comparator || ' ' || o.target_value) AS {h_goal},
       coalesce(x.unit, o.unit) AS {h_unit}, o.deadline AS {h_deadline},
       o.days_left AS {h_days}, {basis} AS {h_basis}, {validity} AS {h_validity},
       {values} AS {h_values}, o.as_of AS {h_as_of}, {pace} AS {h_pace},
       o.open_alerts AS {h_alerts}
FROM target_overview o
LEFT JOIN target_texts x ON x.target_id = o.target_id AND x.lang = {lang}
WHERE {where}
ORDER BY {order}
"""

_TARGET_HEADERS = {
    "h_target": "target", "h_status": "status", "h_actual": "actual", "h_expected": "expected",
    "h_gap": "gap %", "h_projected": "projected at the deadline",
    "h_range": "projection interval", "h_chance": "chance of meeting it %", "h_goal": "goal",
    "h_unit": "unit", "h_deadline": "deadline", "h_days": "days left", "h_basis": "based on",
    "h_validity": "validity", "h_values": "values", "h_as_of": "data as of", "h_pace": "what it takes",
    "h_alerts": "open alerts",
}  # fmt: skip


def targets_table(speech: Speech, family: str | None) -> str:
    """Each target: status, actual against expected and the gap, the projection, the goal,
    and the data the judgement rests on (basis, how many values, as of), worst first when
    ``family`` is None (every target, with its family)."""
    family_column: sql.Composable = sql.SQL("")
    if family is None:
        names = words_in(FAMILY_NAMES, speech.lang)
        family_column = sql.SQL("{} AS {},").format(
            words_case("o.family", names, sql.SQL("o.family")), _h(speech, "family")
        )
    order = (
        "o.deadline, o.scope, o.target_id" if family else "o.severity_rank, o.deadline, o.target_id"
    )
    headers = {key: _h(speech, header) for key, header in _TARGET_HEADERS.items()}
    return compose(
        _TARGETS,
        literals={"lang": speech.lang},
        family_column=family_column,
        basis=_basis(speech),
        validity=_validity(speech),
        values=_values(),
        pace=_pace(speech),
        where=_where(family),
        order=sql.SQL(order),
        **headers,
    )


_CLAUSES: LiteralString = """
SELECT coalesce(x.label, o.target_id) AS {h_target}, x.goal AS {h_goal},
       x.plan_title AS {h_plan}, x.clause AS {h_clause}, x.quote AS {h_quote}
FROM target_overview o
LEFT JOIN target_texts x ON x.target_id = o.target_id AND x.lang = {lang}
WHERE {where}
ORDER BY o.deadline, o.scope, o.target_id
"""


def clauses_table(speech: Speech, family: str | None) -> str:
    """The plan, clause and the plan's own sentence each target encodes."""
    return compose(
        _CLAUSES,
        literals={"lang": speech.lang},
        where=_where(family),
        h_target=_h(speech, "target"),
        h_goal=_h(speech, "goal"),
        h_plan=_h(speech, "plan"),
        h_clause=_h(speech, "clause"),
        h_quote=_h(speech, "the plan's words"),
    )


_CONTRIBUTORS: LiteralString = """
SELECT coalesce(x.label, o.target_id) AS {h_target}, c.rank AS {h_rank},
       c.source AS {h_source}, c.value / coalesce(x.scale, 1) AS {h_value},
       100 * c.share AS {h_share}, c.change / coalesce(x.scale, 1) AS {h_change},
       c.effect / coalesce(x.scale, 1) AS {h_effect}, coalesce(x.unit, c.unit) AS {h_unit}
       {text}
FROM target_contributors c
JOIN target_overview o ON o.target_id = c.target_id AND o.scope = c.scope
LEFT JOIN target_texts x ON x.target_id = c.target_id AND x.lang = {lang}
WHERE {where} {pulling}
ORDER BY {order}
"""


def contributors_table(speech: Speech, family: str | None) -> str:
    """The sources (stations, terminals, companies, operators, districts) pulling each target
    hardest, and by how much; for every target (``family`` None) only those pulling it off,
    the worst-judged targets first."""
    text: sql.Composable = sql.SQL("")
    if not speech.zh:  # the engine's own sentence is English
        text = sql.SQL(", c.text AS {}").format(_h(speech, "what the engine says"))
    pulling = "" if family else "AND c.effect < 0 AND o.status IS DISTINCT FROM 'met'"
    order = "o.deadline, o.target_id, c.rank" if family else "o.severity_rank, o.target_id, c.rank"
    return compose(
        _CONTRIBUTORS,
        literals={"lang": speech.lang},
        text=text,
        where=_where(family),
        pulling=sql.SQL(pulling),
        order=sql.SQL(order),
        h_target=_h(speech, "target"),
        h_rank=_h(speech, "rank"),
        h_source=_h(speech, "source"),
        h_value=_h(speech, "its value"),
        h_share=_h(speech, "share %"),
        h_change=_h(speech, "change"),
        h_effect=_h(speech, "effect on the target"),
        h_unit=_h(speech, "unit"),
    )


_CHART: LiteralString = """
SELECT c."time", {metric} AS metric, c.value / coalesce(x.scale, 1) AS value
FROM target_chart($target, $__timeFrom(), $__timeTo()) c
LEFT JOIN target_texts x ON x.target_id = $target AND x.lang = {lang}
ORDER BY 1, 2
"""


def target_chart(speech: Speech) -> str:
    """Actual, trajectory, target and projection of the ``$target``, in the language's unit."""
    metric = words_case("c.metric", words_in(CHART_SERIES, speech.lang), sql.SQL("c.metric"))
    return compose(_CHART, literals={"lang": speech.lang}, metric=metric)


_MARKS: LiteralString = """
SELECT e.at AS "time", {text} AS text, concat_ws(',', {severity}, {kind}) AS tags
FROM v_alert_events e
LEFT JOIN target_texts x ON x.target_id = e.labels->>'target' AND x.lang = {lang}
WHERE e.to_state = {state} AND $__timeFilter(e.at) AND {where}
ORDER BY 1
"""

_ON_FAMILY: LiteralString = (
    "(e.labels->>'target' IN ($target)"
    " OR (e.labels->>'target' IS NULL AND e.labels->>'family' = {family}))"
)
_ON_TARGETS: LiteralString = "e.labels ? 'target'"


def alert_marks(speech: Speech, state: str, family: str | None) -> str:
    """Alerts that fired (``state`` firing) or were resolved, as annotation rows (time, text,
    tags): on a family's dashboard those of its selected targets and of its feeds; on the
    overview those of every target."""
    name = subject(speech, "e")
    kind = words_case("e.kind", words_in(ALERT_KINDS, speech.lang), sql.SQL("e.kind"))
    severity = words_case("e.severity", words_in(SEVERITIES, speech.lang), sql.SQL("e.severity"))
    said = (
        "{severity} alert fired: {name} ({kind})"
        if state == "firing"
        else ("Alert resolved: {name} ({kind})")
    )
    text = sentence(speech(said), severity=severity, name=name, kind=kind)
    if not speech.zh:  # and why, in the engine's words
        text = sql.SQL("{} || coalesce(' — ' || nullif(e.reason, ''), '')").format(text)
    where = (
        sql.SQL(_ON_FAMILY).format(family=sql.Literal(family))
        if family is not None
        else sql.SQL(_ON_TARGETS).format()
    )
    return compose(
        _MARKS,
        literals={"lang": speech.lang, "state": state},
        text=text,
        severity=severity,
        kind=kind,
        where=where,
    )

"""Run every SQL query of the dashboards against a database, as Grafana would.

For each dashboard: its time range (``now-2y`` … ``now+1y``) is resolved at ``now``, its
variables' SQL queries are run to get their options, and every SQL panel query and every
SQL annotation query is expanded (services.dashboards.queries.macros) and run — once per value of
the variable a panel repeats over, with every option selected otherwise ("All"). The
result of each run says how many rows came back or which error the database gave.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import psycopg

from services.dashboards.queries.macros import (
    MacroError,
    QueryContext,
    Variable,
    expand,
    grafana_interval,
)

__all__ = [
    "ANNOTATION",
    "PanelQuery",
    "Run",
    "VariableQuery",
    "panel_queries",
    "relative_time",
    "run_dashboard",
    "variable_queries",
]

_RELATIVE = re.compile(r"now(?:([+-])(\d+)([smhdwMy]))?")
_SIZES = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400, "M": 30 * 86400, "y": 365 * 86400}


ANNOTATION = "annotation: "  # how an annotation query's ``panel`` begins


@dataclass(frozen=True, slots=True)
class PanelQuery:
    """One query of one panel (or one annotation query, its ``panel`` "annotation: <name>"),
    as saved in the dashboard JSON."""

    dashboard: str
    panel: str
    ref_id: str
    language: str  # "sql" or "promql"
    text: str
    repeat: str | None


@dataclass(frozen=True, slots=True)
class VariableQuery:
    name: str
    text: str
    quoted: bool  # multi-value or include-all: Grafana quotes the values


@dataclass(frozen=True, slots=True)
class Run:
    """A query as run: expanded text, the variables it ran with, its columns and rows, or the
    error."""

    query: PanelQuery
    sql: str
    variables: Mapping[str, str]
    rows: Sequence[tuple[Any, ...]] = ()
    error: str | None = None
    columns: Sequence[str] = ()


def relative_time(text: str, now: datetime) -> datetime:
    """Grafana's ``now``, ``now-7d``, ``now+1y`` at ``now`` (months 30 days, years 365)."""
    match = _RELATIVE.fullmatch(text)
    if match is None:
        raise ValueError(f"time {text!r} is not of the form now[+-]N(s|m|h|d|w|M|y)")
    if match[1] is None:
        return now
    delta = timedelta(seconds=int(match[2]) * _SIZES[match[3]])
    return now + delta if match[1] == "+" else now - delta


def panel_queries(name: str, board: Mapping[str, Any]) -> Iterator[PanelQuery]:
    """Every query of every panel (rows included) and every SQL annotation query of a
    dashboard's JSON model."""
    for anno in board.get("annotations", {}).get("list", []):
        target = anno.get("target") or {}
        if "rawSql" in target:
            text = str(target["rawSql"])
            yield PanelQuery(
                name, ANNOTATION + str(anno.get("name", "")), "Anno", "sql", text, None
            )
    for panel in _panels(board.get("panels", [])):
        for target in panel.get("targets") or ():
            if "rawSql" in target:
                language, text = "sql", target["rawSql"]
            elif "expr" in target:
                language, text = "promql", target["expr"]
            else:
                continue
            yield PanelQuery(
                name,
                str(panel.get("title", "")),
                str(target.get("refId", "")),
                language,
                str(text),
                panel.get("repeat"),
            )


def _panels(panels: Sequence[Mapping[str, Any]]) -> Iterator[Mapping[str, Any]]:
    for panel in panels:
        yield panel
        yield from _panels(panel.get("panels") or ())


def variable_queries(board: Mapping[str, Any]) -> list[VariableQuery]:
    out = []
    for var in board.get("templating", {}).get("list", []):
        if var.get("type") == "query":
            quoted = bool(var.get("multi") or var.get("includeAll"))
            out.append(VariableQuery(str(var["name"]), str(var["query"]), quoted))
    return out


def _options(conn: psycopg.Connection[tuple[Any, ...]], text: str) -> list[str]:
    cur = conn.execute(text.encode())
    names = [c.name for c in cur.description or ()]
    column = names.index("__value") if "__value" in names else 0
    return [str(row[column]) for row in cur.fetchall()]


def run_dashboard(
    conn: psycopg.Connection[tuple[Any, ...]], name: str, text: str, now: datetime
) -> list[Run]:
    """Run every SQL query of the dashboard ``name`` (its JSON ``text``) at ``now``."""
    board = json.loads(text)
    frm = relative_time(board["time"]["from"], now)
    to = relative_time(board["time"]["to"], now)
    options = {v.name: (_options(conn, v.text), v.quoted) for v in variable_queries(board)}
    base = {n: Variable(tuple(vals), quoted) for n, (vals, quoted) in options.items()}
    ctx = QueryContext(frm, to, grafana_interval(frm, to), base)
    runs: list[Run] = []
    for q in panel_queries(name, board):
        if q.language != "sql":
            continue
        values = options[q.repeat][0] if q.repeat in options else [None]
        for value in values:
            variables = dict(base)
            if q.repeat is not None and value is not None:
                variables[q.repeat] = Variable((value,), base[q.repeat].quoted)
            runs.append(_run(conn, q, QueryContext(frm, to, ctx.interval, variables)))
    return runs


def _run(conn: psycopg.Connection[tuple[Any, ...]], q: PanelQuery, ctx: QueryContext) -> Run:
    shown = {n: ",".join(v.values) for n, v in ctx.variables.items()}
    try:
        sql = expand(q.text, ctx)
    except MacroError as exc:
        return Run(q, q.text, shown, error=str(exc))
    try:
        with conn.transaction():
            cur = conn.execute(sql.encode())
            rows = cur.fetchall()
    except psycopg.Error as exc:
        return Run(q, sql, shown, error=str(exc).strip())
    return Run(q, sql, shown, rows, columns=[c.name for c in cur.description or ()])

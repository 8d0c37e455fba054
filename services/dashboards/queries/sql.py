"""A PostgreSQL (TimescaleDB) query for Grafana panels and variables.

grafana-foundation-sdk has no type for the PostgreSQL data source's queries; this is one,
carrying what Grafana's SQL editor saves in code mode: ``rawSql``, ``format`` and
``rawQuery``. The SQL may use Grafana's macros (``$__timeFilter(col)``, ``$__timeFrom()``,
``$__interval_ms``...) and template variables; services.dashboards.queries.macros expands them
the way Grafana does, so tests can run every query.
"""

from __future__ import annotations

from collections.abc import Mapping
from string import Formatter
from typing import Literal, LiteralString

from grafana_foundation_sdk.cog import builder as cogbuilder
from grafana_foundation_sdk.cog import variants as cogvariants
from grafana_foundation_sdk.models.dashboard import AnnotationQuery, AnnotationTarget, DataSourceRef
from psycopg import sql

__all__ = [
    "TIMESCALEDB",
    "Format",
    "Sql",
    "SqlAnnotation",
    "SqlQuery",
    "annotation",
    "compose",
    "sentence",
    "words_case",
]

Format = Literal["time_series", "table"]

TIMESCALEDB = DataSourceRef(type_val="grafana-postgresql-datasource", uid="ontrack-timescaledb")


class SqlQuery(cogvariants.Dataquery):
    """One SQL query of a panel: its text, result format and reference id."""

    def __init__(self, raw_sql: str, fmt: Format, ref_id: str) -> None:
        self.raw_sql = raw_sql
        self.format = fmt
        self.ref_id = ref_id

    def to_json(self) -> dict[str, object]:
        return {
            "datasource": TIMESCALEDB.to_json(),
            "editorMode": "code",
            "format": self.format,
            "rawQuery": True,
            "rawSql": self.raw_sql,
            "refId": self.ref_id,
        }


class Sql(cogbuilder.Builder[SqlQuery]):
    """Builder of a :class:`SqlQuery` (``Sql(text).table().ref_id("B")``)."""

    def __init__(self, raw_sql: str) -> None:
        self._internal = SqlQuery(_tidy(raw_sql), "time_series", "A")

    def build(self) -> SqlQuery:
        return self._internal

    def table(self) -> Sql:
        self._internal.format = "table"
        return self

    def ref_id(self, ref_id: str) -> Sql:
        self._internal.ref_id = ref_id
        return self


class SqlAnnotation(AnnotationTarget):
    """The SQL of an annotation query: rows of ``time`` (and ``timeend``), ``text`` and
    ``tags`` become markers on the dashboard's time series panels."""

    def __init__(self, raw_sql: str) -> None:
        super().__init__()
        self.raw_sql = _tidy(raw_sql)

    def to_json(self) -> dict[str, object]:
        return SqlQuery(self.raw_sql, "table", "Anno").to_json()


def annotation(name: str, colour: str, raw_sql: str) -> AnnotationQuery:
    """An annotation query on TimescaleDB, shown (and toggled) under ``name``."""
    return AnnotationQuery(
        name=name,
        datasource=TIMESCALEDB,
        enable=True,
        hide=False,
        icon_color=colour,
        target=SqlAnnotation(raw_sql),
        built_in=None,
    )


def _tidy(raw_sql: str) -> str:
    """The query without the indentation of the Python source it was written in."""
    lines = [line.rstrip() for line in raw_sql.strip("\n").splitlines()]
    indent = min((len(x) - len(x.lstrip()) for x in lines if x), default=0)
    return "\n".join(x[indent:] for x in lines)


def compose(
    template: LiteralString,
    *,
    literals: dict[str, str] | None = None,
    **fragments: LiteralString | sql.Composable,
) -> str:
    """``template`` with ``{name}`` filled: ``literals`` quoted as SQL strings, ``fragments``
    as SQL text or composed SQL (psycopg.sql does the quoting, as for any query we run)."""
    parts: dict[str, sql.Composable] = {
        k: v if isinstance(v, sql.Composable) else sql.SQL(v) for k, v in fragments.items()
    }
    parts.update({k: sql.Literal(v) for k, v in (literals or {}).items()})
    return sql.SQL(template).format(**parts).as_string(None)


def sentence(template: str, **fields: sql.Composable) -> sql.Composed:
    """``template``'s ``{field}`` filled with SQL expressions, as one SQL ``concat(...)``:
    ``sentence("{name} fired", name=expr)`` → ``concat(expr, ' fired')``."""
    parts: list[sql.Composable] = []
    for text, field, _, _ in Formatter().parse(template):
        if text:
            parts.append(sql.Literal(text))
        if field is not None:
            parts.append(fields[field])
    return sql.SQL("concat({})").format(sql.SQL(", ").join(parts))


def words_case(
    expr: LiteralString, words: Mapping[str, str], default: sql.Composable
) -> sql.Composed:
    """``CASE expr WHEN 'key' THEN 'word' … ELSE default END``: values shown as words."""
    whens = [
        sql.SQL("WHEN {} THEN {}").format(sql.Literal(k), sql.Literal(v)) for k, v in words.items()
    ]
    return sql.SQL("CASE {} {} ELSE {} END").format(
        sql.SQL(expr), sql.SQL(" ").join(whens), default
    )

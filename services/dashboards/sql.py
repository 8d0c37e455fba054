"""A PostgreSQL (TimescaleDB) query for Grafana panels and variables.

grafana-foundation-sdk has no type for the PostgreSQL data source's queries; this is one,
carrying what Grafana's SQL editor saves in code mode: ``rawSql``, ``format`` and
``rawQuery``. The SQL may use Grafana's macros (``$__timeFilter(col)``, ``$__timeFrom()``,
``$__interval_ms``...) and template variables; services.dashboards.macros expands them
the way Grafana does, so tests can run every query.
"""

from __future__ import annotations

from typing import Literal, LiteralString

from grafana_foundation_sdk.cog import builder as cogbuilder
from grafana_foundation_sdk.cog import variants as cogvariants
from grafana_foundation_sdk.models.dashboard import DataSourceRef
from psycopg import sql

__all__ = ["TIMESCALEDB", "Format", "Sql", "SqlQuery", "compose"]

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


def _tidy(raw_sql: str) -> str:
    """The query without the indentation of the Python source it was written in."""
    lines = [line.rstrip() for line in raw_sql.strip("\n").splitlines()]
    indent = min((len(x) - len(x.lstrip()) for x in lines if x), default=0)
    return "\n".join(x[indent:] for x in lines)


def compose(
    template: LiteralString, *, literals: dict[str, str] | None = None, **fragments: LiteralString
) -> str:
    """``template`` with ``{name}`` filled: ``literals`` quoted as SQL strings, ``fragments``
    as SQL text (psycopg.sql does the quoting, as for any query we run)."""
    parts: dict[str, sql.Composable] = {k: sql.SQL(v) for k, v in fragments.items()}
    parts.update({k: sql.Literal(v) for k, v in (literals or {}).items()})
    return sql.SQL(template).format(**parts).as_string(None)

"""Expand Grafana's macros and template variables in a panel's SQL, as Grafana's PostgreSQL
data source does before it sends the query, so the query can be run outside Grafana.

Macros: ``$__time(col)``, ``$__timeEpoch(col)``, ``$__timeFilter(col)``, ``$__timeFrom()``,
``$__timeTo()``, ``$__timeGroup(col, interval[, fill])``, ``$__timeGroupAlias(...)``,
``$__unixEpochFilter(col)``, ``$__interval``, ``$__interval_ms``, and for PromQL
``$__rate_interval`` (the larger of interval + scrape interval and four scrape intervals,
as Grafana computes it). Variables: ``$name``,
``${name}``, ``[[name]]``; a multi-value or include-all variable becomes its values
quoted and comma-separated (``'a','b'``), a single-value one its value as written.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

__all__ = ["MacroError", "QueryContext", "Variable", "expand", "grafana_interval"]


class MacroError(ValueError):
    """A macro with wrong arguments, or a variable the context does not define."""


@dataclass(frozen=True, slots=True)
class Variable:
    """A template variable's current value(s) and whether Grafana quotes them (multi/all)."""

    values: tuple[str, ...]
    quoted: bool = False


@dataclass(frozen=True, slots=True)
class QueryContext:
    """The time range, interval and variables a panel's query is expanded with."""

    time_from: datetime
    time_to: datetime
    interval: timedelta
    variables: Mapping[str, Variable] = field(default_factory=dict)
    scrape_interval: timedelta = timedelta(seconds=15)

    @property
    def rate_interval(self) -> timedelta:
        return max(self.interval + self.scrape_interval, 4 * self.scrape_interval)


_UNITS = (("y", 365 * 86400), ("w", 7 * 86400), ("d", 86400), ("h", 3600), ("m", 60), ("s", 1))
_STEPS = (
    1, 2, 5, 10, 15, 20, 30, 60, 120, 300, 600, 900, 1200, 1800, 3600, 7200, 10800, 21600,
    43200, 86400, 604800, 2592000, 31536000,
)  # fmt: skip


def grafana_interval(time_from: datetime, time_to: datetime, max_points: int = 1000) -> timedelta:
    """About what Grafana picks for ``$__interval``: range / points, rounded up to a step."""
    wanted = (time_to - time_from).total_seconds() / max_points
    for step in _STEPS:
        if step >= wanted:
            return timedelta(seconds=step)
    return timedelta(seconds=_STEPS[-1])


def _interval_text(interval: timedelta) -> str:
    seconds = int(interval.total_seconds())
    if seconds <= 0:
        return f"{max(1, int(interval.total_seconds() * 1000))}ms"
    for unit, size in _UNITS:
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def _iso(t: datetime) -> str:
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _args(text: str) -> list[str]:
    return [a.strip() for a in text.split(",")] if text.strip() else []


def _seconds(spec: str, ctx: QueryContext) -> int:
    spec = spec.strip().strip("'\"")
    if spec in ("$__interval", "auto"):
        return max(1, int(ctx.interval.total_seconds()))
    match = re.fullmatch(r"(\d+)(ms|s|m|h|d|w|y)", spec)
    if not match:
        raise MacroError(f"interval {spec!r} is not one Grafana reads (e.g. '5m', '1h', '1d')")
    n, unit = int(match[1]), match[2]
    if unit == "ms":
        return max(1, n // 1000)
    return n * dict(_UNITS)[unit]


def _macro(name: str, args: list[str], ctx: QueryContext) -> str:
    frm, to = f"'{_iso(ctx.time_from)}'", f"'{_iso(ctx.time_to)}'"
    if name == "timeFrom" and not args:
        return frm
    if name == "timeTo" and not args:
        return to
    if name == "timeFilter" and len(args) == 1:
        return f"{args[0]} BETWEEN {frm} AND {to}"
    if name == "time" and len(args) == 1:
        return f'{args[0]} AS "time"'
    if name == "timeEpoch" and len(args) == 1:
        return f'extract(epoch from {args[0]}) AS "time"'
    if name == "unixEpochFilter" and len(args) == 1:
        lo, hi = int(ctx.time_from.timestamp()), int(ctx.time_to.timestamp())
        return f"{args[0]} >= {lo} AND {args[0]} <= {hi}"
    if name in ("timeGroup", "timeGroupAlias") and len(args) in (2, 3):
        # as with the data source's TimescaleDB option on (deploy/grafana/provisioning)
        group = f"time_bucket('{_seconds(args[1], ctx)}s', {args[0]})"
        return group + (' AS "time"' if name == "timeGroupAlias" else "")
    raise MacroError(f"$__{name}({', '.join(args)}): unknown macro or wrong arguments")


_MACRO = re.compile(r"\$__(\w+)\(([^()]*(?:\([^()]*\)[^()]*)*)\)")
_VARIABLE = re.compile(r"\$\{(\w+)(?::(\w+))?\}|\[\[(\w+)\]\]|\$(\w+)")


def _variable(name: str, fmt: str | None, ctx: QueryContext) -> str:
    if name == "__interval":
        return _interval_text(ctx.interval)
    if name == "__interval_ms":
        return str(int(ctx.interval.total_seconds() * 1000))
    if name == "__rate_interval":
        return _interval_text(ctx.rate_interval)
    var = ctx.variables.get(name)
    if var is None:
        raise MacroError(f"variable ${name} is not defined for this query")
    values: Sequence[str] = var.values
    if fmt == "csv":
        return ",".join(values)
    if fmt == "sqlstring" or var.quoted or len(values) != 1:
        return ",".join("'" + v.replace("'", "''") + "'" for v in values)
    return values[0].replace("'", "''")


def expand(sql: str, ctx: QueryContext) -> str:
    """``sql`` with every macro and variable replaced; MacroError names what is unknown."""
    out = _MACRO.sub(lambda m: _macro(m[1], _args(m[2]), ctx), sql)
    return _VARIABLE.sub(
        lambda m: _variable(m[1] or m[3] or m[4], m[2], ctx),
        out,
    )

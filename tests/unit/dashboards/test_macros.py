"""Grafana's macros and variables, expanded as its PostgreSQL data source does."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.dashboards.queries.macros import (
    MacroError,
    QueryContext,
    Variable,
    expand,
    grafana_interval,
)

FROM = datetime(2026, 11, 1, 0, 0, tzinfo=UTC)
TO = datetime(2026, 11, 22, 6, 30, 15, tzinfo=UTC)
CTX = QueryContext(
    FROM,
    TO,
    timedelta(hours=1),
    {
        "target": Variable(("air.pm25.2025",), quoted=True),
        "stations": Variable(("qd-a", "o'brien"), quoted=True),
        "family": Variable(("air",)),
    },
)


@pytest.mark.parametrize(
    ("sql", "expanded"),
    [
        ("$__timeFrom()", "'2026-11-01T00:00:00Z'"),
        ("$__timeTo()", "'2026-11-22T06:30:15Z'"),
        (
            "WHERE $__timeFilter(bucket)",
            "WHERE bucket BETWEEN '2026-11-01T00:00:00Z' AND '2026-11-22T06:30:15Z'",
        ),
        ("$__time(ts)", 'ts AS "time"'),
        ("$__timeEpoch(ts)", 'extract(epoch from ts) AS "time"'),
        ("$__timeGroup(ts, '5m')", "time_bucket('300s', ts)"),
        ("$__timeGroup(ts, $__interval)", "time_bucket('3600s', ts)"),
        ("$__timeGroupAlias(ts, 1d)", "time_bucket('86400s', ts) AS \"time\""),
        ("$__unixEpochFilter(t)", "t >= 1793491200 AND t <= 1795329015"),
        ("'$__interval'", "'1h'"),
        ("$__interval_ms", "3600000"),
        ("[$__rate_interval]", "[3615s]"),
        ("target_chart($target, x)", "target_chart('air.pm25.2025', x)"),
        ("source IN ($stations)", "source IN ('qd-a','o''brien')"),
        ("family = '$family'", "family = 'air'"),
        ("family = '${family}'", "family = 'air'"),
        ("family = '[[family]]'", "family = 'air'"),
        ("${stations:csv}", "qd-a,o'brien"),
        ("${family:sqlstring}", "'air'"),
        (
            "rollup_width($__interval_ms) AND $__timeFilter(b)",
            "rollup_width(3600000) AND b BETWEEN '2026-11-01T00:00:00Z' AND '2026-11-22T06:30:15Z'",
        ),
    ],
)
def test_expand(sql: str, expanded: str) -> None:
    assert expand(sql, CTX) == expanded


@pytest.mark.parametrize(
    ("sql", "error"),
    [
        ("$nope", "variable $nope is not defined"),
        ("$__timeFilter()", "$__timeFilter(): unknown macro or wrong arguments"),
        ("$__timeGroup(ts, 'fortnight')", "interval 'fortnight' is not one Grafana reads"),
        ("$__whatever(x)", "$__whatever(x): unknown macro"),
    ],
)
def test_expand_refuses(sql: str, error: str) -> None:
    with pytest.raises(
        MacroError, match=error.replace("$", r"\$").replace("(", r"\(").replace(")", r"\)")
    ):
        expand(sql, CTX)


@pytest.mark.parametrize(
    ("span", "interval"),
    [
        (timedelta(hours=1), timedelta(seconds=5)),
        (timedelta(days=7), timedelta(minutes=15)),
        (timedelta(days=30), timedelta(hours=1)),
        (timedelta(days=3 * 365), timedelta(weeks=1)),
        (timedelta(days=30 * 365), timedelta(days=30)),
    ],
)
def test_interval_follows_the_range(span: timedelta, interval: timedelta) -> None:
    assert grafana_interval(TO - span, TO) == interval

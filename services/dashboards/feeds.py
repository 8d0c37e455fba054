"""Feed health: how fresh every series is against its cadence, what arrives, what is refused."""

from __future__ import annotations

from grafana_foundation_sdk.models.dashboard import Dashboard
from psycopg import sql

from services.dashboards.common import finish, new_dashboard
from services.dashboards.language.i18n import Speech
from services.dashboards.language.words import FEED_STATES, word
from services.dashboards.panels import (
    prom,
    stat_panel,
    table_panel,
    thresholds,
    timeseries_panel,
    unit_of,
    word_mappings,
)
from services.dashboards.queries.sql import Sql, compose

__all__ = ["UID", "feed_health"]

UID = "ontrack-feeds"

_SERIES = """
SELECT f.indicator AS {indicator}, {name} AS {h_name}, f.source AS {source}, f.state AS {state},
       f.last_ts AS {newest}, f.age_seconds AS {age}, f.cadence::text AS {cadence},
       f.stored_at AS {stored}
FROM feed_freshness f
LEFT JOIN indicators i ON i.id = f.indicator
ORDER BY CASE f.state WHEN 'silent' THEN 1 WHEN 'late' THEN 2 ELSE 3 END, f.age_seconds DESC
"""

_VOLUME = """
SELECT bucket AS "time", indicator AS metric, readings AS value
FROM feed_volume
WHERE width = rollup_width($__interval_ms) AND $__timeFilter(bucket)
ORDER BY 1, 2
"""


def _series(t: Speech) -> str:
    headers: dict[str, sql.Composable] = {
        key: sql.Identifier(t(header))
        for key, header in (
            ("indicator", "indicator"), ("h_name", "name"), ("source", "source"),
            ("state", "state"), ("newest", "newest reading"), ("age", "age"),
            ("cadence", "cadence"), ("stored", "last stored"),
        )
    }  # fmt: skip
    name = "coalesce(nullif(i.name_zh, ''), i.name)" if t.zh else "i.name"
    return compose(_SERIES, literals=None, name=name, **headers)


_STATES = (
    ("silent", "red", "Series silent for more than three times their cadence."),
    ("late", "orange", "Series late by 1.5 to 3 times their cadence."),
    ("fresh", "green", "Series that reported within 1.5 times their cadence."),
)


def feed_health(t: Speech) -> Dashboard:
    board = new_dashboard(
        t,
        UID,
        t("ontrack · feed health"),
        t(
            "Is every provider still reporting, and is what they send accepted? Freshness "
            "comes from the stored data; accepted and refused readings from the services' "
            "metrics."
        ),
        time=("now-7d", "now"),
        refresh="1m",
    )
    for state, colour, description in _STATES:
        board = board.with_panel(
            stat_panel(
                t(f"{state.capitalize()} series"),
                Sql(
                    compose(
                        "SELECT count(*) FROM feed_freshness WHERE state = {state}",
                        literals={"state": state},
                    )
                ).table(),
                description=t(description),
                steps=thresholds((None, colour)),
                decimals=0,
                span=8,
            )
        )
    series = table_panel(
        t("Every series"),
        Sql(_series(t)).table(),
        description=t(
            "Newest reading of each (indicator, source) and its age against the indicator's "
            "cadence; the worst first."
        ),
        height=12,
        mappings=word_mappings(
            {state: (word(FEED_STATES, state, t.lang), colour) for state, colour, _ in _STATES}
        ),
    ).override_by_name(*unit_of(t("age"), "s"))
    board = board.with_panel(series)
    board = board.with_panel(
        timeseries_panel(
            t("Readings stored, by indicator"),
            Sql(_VOLUME),
            bars=True,
            stacked=True,
            span=24,
        )
    )
    board = board.with_panel(
        timeseries_panel(
            t("Readings accepted by the API, by provider"),
            prom(
                "sum by (provider) (rate(ontrack_readings_accepted_total[$__rate_interval]))",
                "{{provider}}",
            ),
            unit="reqps",
        )
    )
    board = board.with_panel(
        timeseries_panel(
            t("Readings refused, by provider and reason"),
            prom(
                "sum by (provider, reason) "
                "(rate(ontrack_readings_rejected_total[$__rate_interval]))",
                "{{provider}}: {{reason}}",
            ),
            prom(
                "sum by (reason) (rate(ontrack_stream_dead_lettered_total[$__rate_interval]))",
                t("stream dead-letter: {{reason}}"),
            ),
            unit="reqps",
            description=t(
                "Refused by the API (per record), and records the stream sent to "
                "readings.dlq (Kafka-native producers, or refused by the database)."
            ),
        )
    )
    board = board.with_panel(
        timeseries_panel(
            t("Late and silent series, by indicator"),
            prom(
                'max by (indicator, state) (ontrack_feed_series{state!="fresh"})',
                "{{indicator}}: {{state}}",
            ),
            description=t(
                "As the alert engine sees them: late past 1.5 times the "
                "indicator's cadence, silent past three (OntrackFeedSilent fires). Which "
                "series: the table above."
            ),
        )
    )
    board = board.with_panel(
        timeseries_panel(
            t("Longest silence, by indicator"),
            prom(
                "max by (indicator) (ontrack_feed_oldest_silence_seconds)",
                "{{indicator}}",
            ),
            unit="s",
            description=t(
                "Age of the newest reading of each indicator's longest-silent "
                "series, as the alert engine sees it."
            ),
        )
    )
    board = board.with_panel(
        timeseries_panel(
            t("Requests refused for their API key"),
            prom(
                "sum by (reason) (rate(ontrack_http_auth_failures_total[$__rate_interval]))",
                "{{reason}}",
            ),
            unit="reqps",
        )
    )
    return finish(board)

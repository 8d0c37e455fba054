"""The pipeline watching itself (Prometheus): throughput, lag, latency, errors, alerting."""

from __future__ import annotations

from grafana_foundation_sdk.builders import dashboard as dash
from grafana_foundation_sdk.models.dashboard import Dashboard

from services.dashboards.common import finish, new_dashboard
from services.dashboards.language.i18n import Speech
from services.dashboards.panels import Query, prom, stat_panel, thresholds, timeseries_panel

__all__ = ["UID", "pipeline"]

UID = "ontrack-pipeline"

RATE = "[$__rate_interval]"


def _quantiles(metric: str, by: str = "") -> list[Query]:
    """p50 and p95 of a histogram, optionally per label."""
    group = f"le, {by}" if by else "le"
    label = f"{{{{{by}}}}} " if by else ""
    return [
        prom(
            f"histogram_quantile({q}, sum by ({group}) (rate({metric}_bucket{RATE})))",
            f"{label}p{round(q * 100)}",
        )
        for q in (0.5, 0.95)
    ]


def pipeline(t: Speech) -> Dashboard:
    board = new_dashboard(
        t,
        UID,
        t("ontrack · pipeline"),
        t(
            "Readings from the API through Kafka and the stream workers into TimescaleDB, and "
            "the alert engine after them: throughput, lag, latency and errors."
        ),
        time=("now-3h", "now"),
        refresh="30s",
    )
    board = board.with_panel(
        stat_panel(
            t("Services up"),
            prom('sum by (job) (up{job=~"ontrack-.*"})', "{{job}}"),
            description=t("Instances of each ontrack service Prometheus can scrape."),
            steps=thresholds((None, "red"), (1, "green")),
            span=24,
        )
    )
    board = board.with_row(dash.Row(t("Throughput and lag")))
    board = board.with_panel(
        timeseries_panel(
            t("Readings per second"),
            prom(f"sum(rate(ontrack_readings_accepted_total{RATE}))", t("accepted by the API")),
            prom(f"sum(rate(ontrack_stream_batch_size_sum{RATE}))", t("messages handled")),
            prom(f"sum(rate(ontrack_stream_rows_changed_total{RATE}))", t("rows stored")),
            unit="reqps",
        )
    )
    board = board.with_panel(
        timeseries_panel(
            t("Consumer lag per partition"),
            prom(
                "sum by (topic, partition) (ontrack_stream_consumer_lag)",
                "{{topic}}/{{partition}}",
            ),
            description=t(
                "Messages after the last committed offset (committed only once "
                "stored). Growing for 15 minutes fires OntrackConsumerLagGrowing."
            ),
        )
    )
    board = board.with_panel(
        timeseries_panel(
            t("Rows stored per second, by indicator"),
            prom(
                f"sum by (indicator) (rate(ontrack_stream_rows_changed_total{RATE}))",
                "{{indicator}}",
            ),
            unit="reqps",
            stacked=True,
        )
    )
    board = board.with_panel(
        timeseries_panel(
            t("Rollup lag"),
            prom("max by (instance) (ontrack_rollup_lag_seconds)", "{{instance}}"),
            unit="s",
            description=t("Seconds since each worker last refreshed rollups."),
        )
    )
    board = board.with_row(dash.Row(t("Latency")))
    board = board.with_panel(
        timeseries_panel(
            t("From Kafka to stored"),
            *_quantiles("ontrack_stream_delay_seconds"),
            unit="s",
            description=t(
                "From a message's append to Kafka to its readings and rollups committed."
            ),
        )
    )
    board = board.with_panel(
        timeseries_panel(
            t("Database write latency"),
            *_quantiles("ontrack_db_write_seconds", "op"),
            unit="s",
        )
    )
    board = board.with_panel(
        timeseries_panel(
            t("HTTP latency p95, by route"),
            prom(
                "histogram_quantile(0.95, sum by (le, route) "
                f"(rate(ontrack_http_request_duration_seconds_bucket{RATE})))",
                "{{route}}",
            ),
            unit="s",
        )
    )
    board = board.with_panel(
        timeseries_panel(
            t("Batch size"),
            *_quantiles("ontrack_stream_batch_size"),
            description=t("Kafka messages per batch the stream stores in one transaction."),
        )
    )
    board = board.with_row(dash.Row(t("Errors")))
    board = board.with_panel(
        timeseries_panel(
            t("Database write errors"),
            prom(
                f"sum by (op, error) (rate(ontrack_db_write_errors_total{RATE}))",
                "{{op}}: {{error}}",
            ),
            unit="reqps",
        )
    )
    board = board.with_panel(
        timeseries_panel(
            t("HTTP responses and Kafka produce errors"),
            prom(
                f"sum by (status) (rate(ontrack_http_request_duration_seconds_count{RATE}))",
                t("HTTP {{status}}"),
            ),
            prom(f"sum(rate(ontrack_kafka_produce_errors_total{RATE}))", t("produce errors")),
            unit="reqps",
        )
    )
    board = board.with_row(dash.Row(t("Alert engine and notifications")))
    board = board.with_panel(
        timeseries_panel(
            t("Rule evaluation duration"),
            *_quantiles("ontrack_rule_evaluation_duration_seconds"),
            unit="s",
            span=8,
        )
    )
    board = board.with_panel(
        timeseries_panel(
            t("Alerts by state"),
            prom("sum by (state) (ontrack_alerts)", "{{state}}"),
            span=8,
        )
    )
    board = board.with_panel(
        timeseries_panel(
            t("Notifications"),
            prom(
                f"sum by (receiver, result) (rate(ontrack_notifications_total{RATE}))",
                "{{receiver}}: {{result}}",
            ),
            prom("max(ontrack_outbox_depth)", t("outbox depth")),
            span=8,
            description=t("Sent and failed per receiver, and notifications waiting in the outbox."),
        )
    )
    return finish(board)

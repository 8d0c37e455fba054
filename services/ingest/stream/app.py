"""The Faust application of the stream worker: the ``store`` agent and the retention timer."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

import orjson
import psycopg
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

from services.indicators.catalogue import load_catalogue
from services.indicators.city import CITY_TZ_NAME
from services.indicators.columns import ReadingColumns
from services.ingest.keyring import load_batch_keys
from services.ingest.signing import BatchKeys
from services.ingest.stream.derive import refresh_air_quality
from services.ingest.stream.faust_adapter import App, assigned_offsets, committed_batches
from services.ingest.stream.handler import BatchHandler, DeadLetter
from services.ingest.stream.metrics import PartitionOffsets, StreamMetrics, dead_letter_reason
from services.ingest.stream.probes import readiness
from services.kafka_security import faust_credentials
from services.settings import Settings
from services.storage import (
    ObservationWriter,
    Received,
    SeriesChange,
    drop_old_chunks,
    open_pool,
    sync_catalogue,
)

__all__ = ["create_stream_app"]

log = logging.getLogger(__name__)

# aiohttp refuses a charset inside content_type; the exposition format is UTF-8 by definition.
_METRICS_CONTENT_TYPE = CONTENT_TYPE_LATEST.replace("; charset=utf-8", "")


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _faust_app(settings: Settings, web_port: int) -> App:
    app = App(
        settings.consumer_group,
        broker=[f"kafka://{b}" for b in settings.kafka_bootstrap.split(",")],
        broker_credentials=faust_credentials(settings),
        value_serializer="raw",
        key_serializer="raw",
        store="memory://",
        web_host=settings.worker_web_host,
        web_port=web_port,
        consumer_auto_offset_reset="earliest",
        broker_commit_interval=1.0,
        topic_partitions=settings.topic_partitions,
        topic_allow_declare=False,
        # Tansu completes a group join after about half the session timeout; a short one keeps
        # start-up and fail-over quick. Raise it for workers whose batches take long.
        broker_session_timeout=settings.consumer_session_timeout,
        broker_heartbeat_interval=1.0,
        broker_rebalance_timeout=3.0,
    )
    app.fetch_max_wait_ms = int(settings.consumer_fetch_max_wait_seconds * 1000)
    return app


# Series named per ``aggregates`` message: a batch touching many series of one indicator
# is split, so that no message comes near the producer's request size limit (1 MiB).
MAX_SERIES_PER_EVENT = 2000


def _aggregate_events(changes: Sequence[SeriesChange], at: datetime) -> Iterator[tuple[str, bytes]]:
    """``aggregates`` messages per indicator: which series changed, over which span.

    Built one message at a time (the series of a batch can be many).
    """
    by_indicator: dict[str, list[SeriesChange]] = {}
    for c in changes:
        by_indicator.setdefault(c.indicator, []).append(c)
    when = at.isoformat()
    for ind, series in by_indicator.items():
        for i in range(0, len(series), MAX_SERIES_PER_EVENT):
            listed = [
                {
                    "source": c.source,
                    "rows": c.rows,
                    "first_ts": c.first_ts.isoformat(),
                    "last_ts": c.last_ts.isoformat(),
                }
                for c in series[i : i + MAX_SERIES_PER_EVENT]
            ]
            yield ind, orjson.dumps({"v": 1, "indicator": ind, "at": when, "series": listed})


class _MeteredWriter(ObservationWriter):
    """The observation writer, timed; a write that changed rows also refreshed the rollups."""

    def __init__(self, pool: Any, metrics: StreamMetrics, *, calendar_tz: str) -> None:
        super().__init__(pool, calendar_tz=calendar_tz)
        self.metrics = metrics

    async def write(self, batch: ReadingColumns | Sequence[Received]) -> list[SeriesChange]:
        write = super().write
        changes = await self.metrics.timed_write("observations", lambda: write(batch))
        if changes:
            self.metrics.rollups_refreshed()
        return changes


def _partition_offsets(app: App, topic: str) -> list[PartitionOffsets]:
    """Log end and committed offsets of the partitions of ``topic`` this worker is assigned."""
    return [PartitionOffsets(topic, p, end, done) for p, end, done in assigned_offsets(app, topic)]


def create_stream_app(
    settings: Settings, *, web_port: int | None = None, batch_keys: BatchKeys | None = None
) -> App:
    """The worker; ``batch_keys`` verify the API's batches (by default ``load_batch_keys``)."""
    keys = batch_keys or load_batch_keys(settings)
    app = _faust_app(settings, web_port or settings.worker_web_port)
    catalogue = load_catalogue(settings.catalogue_path)
    metrics = StreamMetrics.create(CollectorRegistry())
    metrics.watch_consumer(lambda: _partition_offsets(app, settings.topic_readings))
    readings = app.topic(settings.topic_readings, value_serializer="raw")
    dlq = app.topic(settings.topic_dlq, value_serializer="raw")
    aggregates = app.topic(settings.topic_aggregates, value_serializer="raw")
    pools: dict[str, Any] = {}

    async def dead_letter(items: Sequence[DeadLetter]) -> None:
        for d in items:
            metrics.dead_lettered.labels(dead_letter_reason(d.reason)).inc()
            await dlq.send(
                value=orjson.dumps(
                    {
                        "reason": d.reason,
                        "topic": d.topic,
                        "partition": d.partition,
                        "offset": d.offset,
                        "payload": d.payload.decode("utf-8", "replace"),
                    }
                )
            )

    @app.agent(readings, concurrency=1)
    async def store(stream: Any) -> None:
        pool = pools["db"] = await open_pool(settings.dsn, max_size=2, name="ontrack-stream")
        await sync_catalogue(pool, catalogue)
        writer = _MeteredWriter(pool, metrics, calendar_tz=CITY_TZ_NAME)
        air_quality = partial(refresh_air_quality, pool, tz=CITY_TZ_NAME)

        async def derive(changes: Sequence[SeriesChange]) -> int:
            return await metrics.timed_write("air_quality", lambda: air_quality(changes))

        handler = BatchHandler(writer, catalogue, dead_letter, _utcnow, keys=keys, derive=derive)
        async for events in committed_batches(
            stream, settings.batch_max, settings.batch_within_seconds
        ):
            with metrics.batch_seconds.time():
                changes = await handler.handle([e.message for e in events])
            for key, value in _aggregate_events(changes, _utcnow()):
                await aggregates.send(key=key.encode(), value=value)
            metrics.batch_size.observe(len(events))
            metrics.batch_stored(
                ((c.indicator, c.rows) for c in changes),
                [e.message.timestamp for e in events if e.message.timestamp],
            )

    @app.timer(interval=settings.retention_check_seconds)  # type: ignore[untyped-decorator]
    async def retention() -> None:
        if "db" not in pools:
            return
        try:
            dropped = await drop_old_chunks(
                pools["db"], timedelta(days=settings.raw_retention_days)
            )
        except psycopg.OperationalError as exc:  # a timer that raises stops the whole worker
            log.warning(
                "retention: the database is unavailable (%s); trying again in %g s",
                str(exc).strip(),
                settings.retention_check_seconds,
            )
            return
        if dropped:
            log.info(
                "retention: dropped %d chunk(s) older than %d days",
                len(dropped),
                settings.raw_retention_days,
            )

    @app.page("/metrics")
    async def metrics_page(web: Any, request: Any) -> Any:
        return web.bytes(generate_latest(metrics.registry), content_type=_METRICS_CONTENT_TYPE)

    @app.page("/healthz")
    async def healthz(web: Any, request: Any) -> Any:
        return web.json({"status": "ok"})

    @app.page("/livez")
    async def livez(web: Any, request: Any) -> Any:
        return web.json({"status": "alive"})

    @app.page("/readyz")
    async def readyz(web: Any, request: Any) -> Any:
        checks = await readiness(app, pools.get("db"))
        ok = all(checks.values())
        body = {"status": "ready" if ok else "not ready", "checks": checks}
        return web.json(body, status=200 if ok else 503)

    return app

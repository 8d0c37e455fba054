"""Wiring of ``ontrack notify``: routes, senders, chart source and dispatcher from settings."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
from psycopg_pool import AsyncConnectionPool

from services.alerts.notify.chart import ChartData, chart_data
from services.alerts.notify.delivery.dispatcher import Dispatcher, DispatchSettings
from services.alerts.notify.delivery.outbox import Backoff
from services.alerts.notify.errors import NotifyError
from services.alerts.notify.message import Notification
from services.alerts.notify.metrics import NotifyMetrics
from services.alerts.notify.receivers import HeldSender, build_senders
from services.alerts.notify.receivers.email import ChartSource, SmtpServer
from services.alerts.notify.routing import RouteConfig
from services.errors import OntrackError
from services.indicators.city import CITY_TZ_NAME
from services.indicators.names import load_glossary
from services.language import Glossary
from services.settings import Settings

__all__ = ["database_charts", "dispatcher_for", "smtp_server"]

log = logging.getLogger(__name__)

_CHART = """
SELECT "time", metric, value FROM target_chart(%s, '-infinity', 'infinity')
"""


def database_charts(pool: AsyncConnectionPool) -> ChartSource:
    """Chart data of a target alert: series from ``target_chart()``, projection from the
    explanation. Alerts about a series (no ``target`` label) have no chart."""

    async def find(n: Notification) -> ChartData | None:
        target = n.labels.get("target")
        if not target:
            return None
        async with pool.connection() as conn, conn.cursor() as cur:
            await cur.execute(_CHART, [target])
            rows = await cur.fetchall()
        return chart_data(rows, n.explanation)

    return find


def smtp_server(settings: Settings) -> SmtpServer:
    return SmtpServer(
        settings.smtp_host,
        settings.smtp_port,
        settings.smtp_from,
        timeout=settings.smtp_timeout_seconds,
    )


def dispatcher_for(
    settings: Settings,
    routes: RouteConfig,
    pool: AsyncConnectionPool,
    client: httpx.AsyncClient,
    metrics: NotifyMetrics,
    *,
    env: Mapping[str, str] | None = None,
    clock: Callable[[], datetime] | None = None,
) -> Dispatcher:
    senders = build_senders(
        routes,
        os.environ if env is None else env,
        client,
        smtp=smtp_server(settings),
        alertmanager_url=settings.alertmanager_url,
        base_url=settings.public_url,
        charts=database_charts(pool),
        tz=ZoneInfo(CITY_TZ_NAME),
        hold_unconfigured=settings.notify_hold_unconfigured,
        language=settings.lang,
        names=_glossary(settings),
    )
    held = [s for s in senders.values() if isinstance(s, HeldSender)]
    for sender in held:
        log.error(
            "receiver %s is held until %s is set: its notifications wait in the outbox",
            sender.name,
            ", ".join(sender.variables),
        )
    dispatch = DispatchSettings(
        lease=timedelta(seconds=settings.notify_lease_seconds),
        poll=timedelta(seconds=settings.notify_poll_seconds),
        backoff=Backoff(
            base=timedelta(seconds=settings.notify_retry_base_seconds),
            cap=timedelta(seconds=settings.notify_retry_cap_seconds),
        ),
    )
    return Dispatcher(pool, routes, senders, metrics, clock=clock or _utcnow, settings=dispatch)


def _glossary(settings: Settings) -> Glossary:
    """The names messages use; the catalogue and plans must load (the engine needs them too)."""
    try:
        return load_glossary(settings.catalogue_path, settings.plans_dir)
    except OntrackError as exc:
        raise NotifyError(
            f"cannot read the names of targets and plans for messages: {exc}; fix the "
            "catalogue or plans (`ontrack plans check`), or point ONTRACK_PLANS_DIR at them"
        ) from exc


def _utcnow() -> datetime:
    return datetime.now(UTC)

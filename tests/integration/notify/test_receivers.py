"""Real receivers: Alertmanager (Debian's), an SMTP server, signed webhooks, an outage."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
from collections.abc import AsyncIterator, Iterator, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client import CollectorRegistry
from psycopg_pool import AsyncConnectionPool

from services.alerts.engine.lifecycle import Transition
from services.alerts.notify.delivery.dispatcher import Dispatcher, DispatchSettings
from services.alerts.notify.delivery.enqueue import enqueue_for_transitions
from services.alerts.notify.delivery.outbox import Backoff
from services.alerts.notify.message import AlertSnapshot, from_transition
from services.alerts.notify.metrics import NotifyMetrics
from services.alerts.notify.receivers import build_senders
from services.alerts.notify.receivers.email import SmtpServer
from services.alerts.notify.routing.tree import (
    AlertmanagerTarget,
    EmailTarget,
    RouteConfig,
    Target,
    WebhookTarget,
)
from services.alerts.notify.wiring import database_charts
from services.indicators.names import load_glossary
from services.language import Language
from tests.fixtures.receivers import Inbox, WebhookReceiver
from tests.fixtures.services import free_port, wait_for
from tests.integration.notify.helpers import (
    SINK,
    Clock,
    Recorder,
    fingerprint,
    fired,
    new_run,
    recovered,
    routes_for,
    snapshot,
)

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

PNG = b"\x89PNG\r\n\x1a\n"
NAMES = load_glossary()


def now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


async def dispatcher_for(
    pool: AsyncConnectionPool,
    routes: RouteConfig,
    clock: Clock,
    client: httpx.AsyncClient,
    env: Mapping[str, str] | None = None,
    smtp: SmtpServer | None = None,
) -> Dispatcher:
    senders = build_senders(
        routes,
        {"SINK_SECRET": "-", **(env or {})},
        client,
        smtp=smtp or SmtpServer("127.0.0.1", 9, "ontrack@test"),
        alertmanager_url="http://127.0.0.1:9",
        base_url="http://api.test:8080",
        charts=database_charts(pool),
        names=NAMES,
    )
    senders[SINK] = Recorder(SINK)  # other tests' alerts
    return Dispatcher(
        pool, routes, senders, NotifyMetrics.create(CollectorRegistry()), clock=clock,
        rand=lambda: 0.5,
        settings=DispatchSettings(backoff=Backoff(base=timedelta(seconds=10), jitter=0.0)),
    )  # fmt: skip


async def enqueue(
    pool: AsyncConnectionPool,
    pairs: list[tuple[AlertSnapshot, Transition]],
    routes: RouteConfig,
    at: datetime,
) -> None:
    async with pool.connection() as conn, conn.cursor() as cur:
        await enqueue_for_transitions(cur, pairs, routes, at)


def key_of(alert: AlertSnapshot, change: Transition) -> str:
    found = from_transition(alert, change)
    assert found is not None
    return found.dedup_key


# --- Alertmanager ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def alertmanager(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Debian's prometheus-alertmanager on a free port, with a config of its own."""
    binary = shutil.which("prometheus-alertmanager")
    assert binary, "install Debian's prometheus-alertmanager (make stack does)"
    where = tmp_path_factory.mktemp("alertmanager")
    config = where / "alertmanager.yml"
    config.write_text(
        "route:\n  receiver: nobody\n  group_by: [alertname]\nreceivers:\n  - name: nobody\n"
    )
    port = free_port()
    log = (where / "log").open("wb")
    process = subprocess.Popen(  # noqa: S603 - a test-owned binary and arguments
        [
            binary,
            f"--config.file={config}",
            f"--storage.path={where / 'data'}",
            f"--web.listen-address=127.0.0.1:{port}",
            "--cluster.listen-address=",
            "--log.level=warn",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"

    def ready() -> bool:
        assert process.poll() is None, (where / "log").read_text()
        try:
            return httpx.get(f"{url}/-/ready", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    try:
        wait_for(ready, 20, "Alertmanager to be ready")
        yield url
    finally:
        process.terminate()
        process.wait(10)
        log.close()


async def am_alerts(client: httpx.AsyncClient, url: str, run: str) -> list[dict[str, Any]]:
    answer = await client.get(f"{url}/api/v2/alerts", params={"filter": f'run="{run}"'})
    answer.raise_for_status()
    found: list[dict[str, Any]] = answer.json()
    return found


async def test_alertmanager_receives_our_alerts(
    pool: AsyncConnectionPool, alertmanager: str
) -> None:
    run, clock = new_run(), Clock(now())
    routes = routes_for(run, {"am": AlertmanagerTarget(url=alertmanager, ttl=timedelta(hours=1))})
    alerts = [
        snapshot(
            fingerprint(),
            run,
            fired_at=clock() - timedelta(minutes=5),
            target=f"t{i}",
            region="shinan",
        )
        for i in range(2)
    ]
    await enqueue(pool, [(a, fired(a)) for a in alerts], routes, clock())
    async with httpx.AsyncClient() as client:
        d = await dispatcher_for(pool, routes, clock, client)
        await d.tick()
        got = {a["labels"]["target"]: a for a in await am_alerts(client, alertmanager, run)}
        assert set(got) == {"t0", "t1"}
        first = got["t0"]
        assert first["labels"] == {
            "alertname": "off-trajectory-page",
            "severity": "page",
            "family": "air",
            "region": "shinan",
            "run": run,
            "target": "t0",
        }
        assert first["annotations"]["summary"] == (
            "PM2.5 concentration (2025) is 17.3% behind its trajectory"
        )
        assert first["annotations"]["description"].startswith("Now: 38.2 µg/m³ where")
        assert first["annotations"]["ontrack_dedup_key"] == key_of(alerts[0], fired(alerts[0]))
        assert first["status"]["state"] == "active"
        assert datetime.fromisoformat(first["startsAt"]) == alerts[0].fired_at
        assert first["generatorURL"] == f"http://api.test:8080/v1/alerts/{alerts[0].fingerprint}"

        # Alertmanager's own silences apply to our alerts
        silence = {
            "matchers": [{"name": "target", "value": "t1", "isRegex": False, "isEqual": True}],
            "startsAt": clock().isoformat(),
            "endsAt": (clock() + timedelta(hours=1)).isoformat(),
            "createdBy": "test",
            "comment": "maintenance",
        }
        (await client.post(f"{alertmanager}/api/v2/silences", json=silence)).raise_for_status()
        states = {
            a["labels"]["target"]: a["status"]["state"]
            for a in await am_alerts(client, alertmanager, run)
        }
        assert states == {"t0": "active", "t1": "suppressed"}

        # resolving ends the alert in Alertmanager
        clock.now = now()
        await enqueue(pool, [(alerts[0], recovered(alerts[0], clock()))], routes, clock())
        await d.tick()
        left = [a["labels"]["target"] for a in await am_alerts(client, alertmanager, run)]
        assert left == ["t1"]


# --- e-mail ----------------------------------------------------------------------------


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox().start()
    try:
        yield inbox, inbox.port
    finally:
        inbox.stop()


@pytest.fixture
async def published_target(pool: AsyncConnectionPool) -> AsyncIterator[str]:
    """A plan target of its own with a trajectory, as `ontrack dashboards publish` writes them."""
    target = f"test.{new_run()}.pm25"
    async with pool.connection() as conn:
        await conn.execute(
            "INSERT INTO plan_targets (id, plan_id, indicator, family, name, comparator, value,"
            " unit, deadline, deadline_at, kind, scope) VALUES (%s, 'test-plan', 'test.none',"
            " 'air', 'PM2.5 annual mean', '<=', 30, 'µg/m³', '2026-12-31',"
            " '2026-12-31T16:00:00Z', 'level-mean', 'city')",
            [target],
        )
        await conn.execute(
            "INSERT INTO target_trajectory (target_id, ts, expected)"
            " SELECT %s, d, 40 - 10 * extract(epoch FROM d - '2025-01-01'::timestamptz)"
            "   / extract(epoch FROM interval '730 days')"
            " FROM generate_series('2025-01-01'::timestamptz, '2026-12-31', interval '7 days') d",
            [target],
        )
    yield target
    async with pool.connection() as conn:
        await conn.execute("DELETE FROM plan_targets WHERE id = %s", [target])


async def test_email_with_text_html_and_chart(
    pool: AsyncConnectionPool, smtp: tuple[Inbox, int], published_target: str
) -> None:
    inbox, port = smtp
    run, clock = new_run(), Clock(now())
    host = f"127.0.0.1:{port}"
    routes = routes_for(
        run,
        {
            "mail": EmailTarget(to=("duty@plan-office.test",), smarthost=host),
            "mail-zh": EmailTarget(to=("zhiban@plan-office.test",), smarthost=host),
        },
        languages={"mail-zh": Language.ZH},
    )
    a = snapshot(fingerprint(), run, fired_at=clock(), target=published_target)
    b = snapshot(fingerprint(), run, fired_at=clock(), target="no.such.target")
    await enqueue(pool, [(a, fired(a)), (b, fired(b))], routes, clock())
    async with httpx.AsyncClient() as client:
        d = await dispatcher_for(pool, routes, clock, client)
        await d.tick()

    assert len(inbox.mails) == 2  # one group: one mail for both alerts, to each receiver
    by_to = {m["To"]: m for m in inbox.mails}
    mail, zh = by_to["duty@plan-office.test"], by_to["zhiban@plan-office.test"]
    assert ("ontrack@test", ["duty@plan-office.test"]) in inbox.envelopes
    assert mail["Subject"] == "[FIRING page] 2 alerts: PM2.5 concentration (2025)"
    assert zh["Subject"] == "【告警·紧急】2条告警：2025年细颗粒物（PM2.5）浓度"
    assert set(mail["X-Ontrack-Dedup-Keys"].split()) == {key_of(a, fired(a)), key_of(b, fired(b))}
    plain, html = mail.get_body(("plain",)), mail.get_body(("html",))
    assert plain is not None and html is not None
    text = plain.get_content()
    assert "[FIRING] PM2.5 concentration (2025) is 17.3% behind its trajectory" in text
    assert "Now: 38.2 µg/m³ where the trajectory expects 32.6 µg/m³ (behind by 17.3%)" in text
    assert f'ontrack alert ack {a.fingerprint} --note "…"' in text
    assert f"http://api.test:8080/v1/alerts/{b.fingerprint}" in text
    assert "/srv/" not in text and "defined_at" not in text and "gap.pct" not in text
    chinese = zh.get_body(("plain",))
    assert chinese is not None
    assert (
        "现状：38.2微克/立方米，按进度轨迹应为32.6微克/立方米（落后17.3%）" in chinese.get_content()
    )
    assert f'确认处理：ontrack alert ack {a.fingerprint} --note "……"' in chinese.get_content()
    for sent in (mail, zh):
        images = [p for p in sent.walk() if p.get_content_type() == "image/png"]
        assert len(images) == 1  # only the target with a trajectory has a chart
        png = images[0].get_content()
        assert png.startswith(PNG)
        assert (int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")) == (700, 360)
        assert len(png) > 10_000  # a drawn chart, not an empty canvas
        body = sent.get_body(("html",))
        assert (
            body is not None and f"cid:{images[0]['Content-ID'].strip('<>')}" in body.get_content()
        )


# --- webhooks --------------------------------------------------------------------------


async def test_signed_webhook_during_a_secret_rotation(pool: AsyncConnectionPool) -> None:
    run, clock = new_run(), Clock(now())
    rotating = WebhookReceiver(secrets=["old-secret"])  # has not switched to the new one yet
    stranger = WebhookReceiver(secrets=["someone-else"])
    await rotating.start()
    await stranger.start()
    targets: dict[str, Target] = {
        "rotating": WebhookTarget(url=rotating.url, secrets_env=("HOOK_NEW", "HOOK_OLD")),
        "stranger": WebhookTarget(url=stranger.url, secrets_env=("HOOK_NEW",)),
    }
    routes = routes_for(run, targets)
    burst = [snapshot(fingerprint(), run, fired_at=clock()) for _ in range(3)]
    await enqueue(pool, [(a, fired(a)) for a in burst], routes, clock())
    env = {"HOOK_NEW": "new-secret", "HOOK_OLD": "old-secret"}
    try:
        async with httpx.AsyncClient() as client:
            d = await dispatcher_for(pool, routes, clock, client, env)
            await d.tick()
    finally:
        await rotating.stop()
        await stranger.stop()

    assert len(rotating.accepted) == 1  # the burst, as one message
    doc = rotating.accepted[0]
    assert doc["_message_id_header"] == doc["message_id"]
    assert sorted(n["dedup_key"] for n in doc["notifications"]) == sorted(
        key_of(a, fired(a)) for a in burst
    )
    assert stranger.accepted == [] and "no v1 signature matches" in stranger.refused[0]
    async with pool.connection() as conn:
        cur = await conn.execute(
            "SELECT DISTINCT status, last_error FROM notifications WHERE receiver = 'stranger'"
        )
        [(status, error)] = await cur.fetchall()
    assert status == "pending" and "HTTP 401" in error


async def test_webhook_down_for_a_while_gets_everything_once(pool: AsyncConnectionPool) -> None:
    run, clock = new_run(), Clock(now())
    receiver = WebhookReceiver(secrets=["s"])  # its port refuses connections until started
    routes = routes_for(run, {"hook": WebhookTarget(url=receiver.url, secrets_env=("HOOK",))},
                        group_by=("target",))  # fmt: skip
    alerts = [snapshot(fingerprint(), run, fired_at=clock(), target=f"t{i}") for i in range(5)]
    await enqueue(pool, [(a, fired(a)) for a in alerts], routes, clock())
    expected = {key_of(a, fired(a)) for a in alerts}
    async with httpx.AsyncClient() as client:
        d = await dispatcher_for(pool, routes, clock, client, {"HOOK": "s"})
        for wait in (0, 10, 20):  # down: 3 tries, each scheduling the next with backoff
            clock.advance(seconds=wait)
            await d.tick()
        late = [snapshot(fingerprint(), run, fired_at=clock(), target=f"late{i}") for i in range(2)]
        await enqueue(pool, [(a, fired(a, clock())) for a in late], routes, clock())
        expected |= {key_of(a, fired(a, clock())) for a in late}
        await d.tick()  # still down
        await receiver.start()
        try:
            for _ in range(6):  # back: let the retries come due
                clock.advance(seconds=40)
                await d.tick()
        finally:
            await receiver.stop()

    assert set(receiver.keys) == expected
    assert set(receiver.keys.values()) == {1}  # each dedup key exactly once
    async with pool.connection() as conn:
        cur = await conn.execute(
            "SELECT status, min(attempts), max(attempts) FROM notifications WHERE receiver = 'hook'"
            " GROUP BY status"
        )
        [(status, fewest, most)] = await cur.fetchall()
    assert status == "delivered" and fewest >= 2 and most == 4


# --- the `ontrack notify` command ------------------------------------------------------


async def test_notify_command_delivers_and_serves_metrics(
    pool: AsyncConnectionPool, test_dsn: str, tmp_path: Path, spawn: Any
) -> None:
    from pydantic import SecretStr

    from services.settings import Settings
    from tests.fixtures.services import service_env

    run = new_run()
    receiver = WebhookReceiver(secrets=["cmd-secret"])
    await receiver.start()
    (tmp_path / "routes.yaml").write_text(
        "version: 1\n"
        "receivers:\n"
        f"  - name: hook\n    webhook: {{url: '{receiver.url}', secrets_env: [TEST_HOOK_SECRET]}}\n"
        "route:\n  receiver: hook\n  group_by: [alertname]\n  group_wait: 0s\n"
    )
    a = snapshot(fingerprint(), run, fired_at=now())
    routes = routes_for(run, {"hook": WebhookTarget(url=receiver.url, secrets_env=())})
    await enqueue(pool, [(a, fired(a))], routes, now())
    web = free_port()
    env = service_env(Settings(database_url=SecretStr(test_dsn)), TEST_HOOK_SECRET="cmd-secret",
                      ONTRACK_NOTIFY_POLL_SECONDS="0.2")  # fmt: skip
    proc = spawn("notify", ["notify", "--web-port", str(web), "--routes", str(tmp_path)], env)
    mine = key_of(a, fired(a))
    try:
        for _ in range(150):
            if mine in receiver.keys:
                break
            assert proc.popen.poll() is None, proc.tail()
            await asyncio.sleep(0.1)
        async with httpx.AsyncClient() as client:
            metrics = (await client.get(f"http://127.0.0.1:{web}/metrics", timeout=5)).text
            health = await client.get(f"http://127.0.0.1:{web}/healthz", timeout=5)
    finally:
        await receiver.stop()
    assert receiver.keys[mine] == 1, proc.tail()
    assert 'ontrack_notifications_total{receiver="hook",result="delivered"}' in metrics
    assert "ontrack_outbox_depth" in metrics
    assert "ontrack_notification_delivery_seconds_bucket" in metrics
    assert health.status_code == 200 and health.json()["status"] == "ok"

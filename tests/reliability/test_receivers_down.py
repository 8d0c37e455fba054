"""Every receiver down for a while (a signed webhook, an SMTP server, the stack's Alertmanager
behind a cut proxy) while notifications keep coming and the notifier itself is killed: once
the receivers are back each gets every notification, once, under the same dedup key.

The notifier is the real ``ontrack notify`` process; the outbox is a database of the test's
own. Retries back off from 1 s to 8 s here (5 s to 30 min by default). ``make soak`` also
runs it with the receivers down for three minutes.
"""

from __future__ import annotations

import asyncio
import os
import signal
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest

from services.alerts.engine.lifecycle import Transition
from services.alerts.notify.delivery.enqueue import enqueue_for_transitions
from services.alerts.notify.message import AlertSnapshot, from_transition
from services.alerts.notify.routing.file import load_routes
from services.settings import Settings
from tests.fixtures.faults import TcpProxy
from tests.fixtures.receivers import Inbox, WebhookReceiver
from tests.fixtures.services import Proc, free_port, service_env, until
from tests.fixtures.stack import fresh_database
from tests.integration.notify.helpers import fingerprint, fired, new_run, recovered, snapshot

pytestmark = [
    pytest.mark.integration,
    pytest.mark.slow,
    pytest.mark.asyncio(loop_scope="session"),
]

SECRET = "reliability-hook-secret"
RECEIVERS = ("hook", "mail", "am")
ROUTES = """\
version: 1
receivers:
  - name: hook
    webhook: {{url: '{hook}', secrets_env: [RELIABILITY_HOOK_SECRET], timeout: 5s}}
    rate_limit: {{burst: 1000, every: 1s}}
  - name: mail
    email: {{to: [duty@plan-office.test], smarthost: '127.0.0.1:{smtp}', chart: false}}
    rate_limit: {{burst: 1000, every: 1s}}
  - name: am
    alertmanager: {{url: '{am}', ttl: 5m, timeout: 5s}}
    rate_limit: {{burst: 1000, every: 1s}}
route:
  receiver: hook
  group_by: [...]
  group_wait: 0s
  group_interval: 1s
  repeat_interval: 4m
  routes:
    - {{receiver: mail, continue: true}}
    - {{receiver: am, continue: true}}
    - {{receiver: hook}}
"""


@dataclass
class Receivers:
    hook: WebhookReceiver
    mail: Inbox
    am: TcpProxy  # in front of the stack's Alertmanager
    am_url: str

    async def down(self) -> None:
        await self.hook.stop()
        self.mail.stop()
        self.am.cut()

    async def up(self) -> None:
        await self.hook.start()
        self.mail.start()
        self.am.restore()


@dataclass
class Outbox:
    dsn: str
    expected: dict[str, set[str]] = field(default_factory=lambda: {r: set() for r in RECEIVERS})

    async def enqueue(self, pairs: list[tuple[AlertSnapshot, Transition]], routes: Any) -> None:
        async with await psycopg.AsyncConnection.connect(self.dsn, autocommit=True) as conn:
            async with conn.cursor() as cur:
                await enqueue_for_transitions(cur, pairs, routes, datetime.now(UTC))
        for alert, change in pairs:
            for receiver in RECEIVERS:
                self.expected[receiver].add(_key(alert, change))

    def rows(self) -> list[tuple[str, str, str, int]]:
        with psycopg.connect(self.dsn) as conn:
            return [
                (str(r), str(k), str(s), int(a))
                for r, k, s, a in conn.execute(
                    "SELECT receiver, dedup_key, status, attempts FROM notifications"
                ).fetchall()
            ]

    def delivered(self) -> bool:
        rows = self.rows()
        return bool(rows) and all(status == "delivered" for _, _, status, _ in rows)


@pytest.fixture
def outbox_dsn(embedded_stack: Settings) -> Iterator[str]:
    name = f"ontrack_test_notify_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    with fresh_database(embedded_stack.dsn, name) as dsn:
        yield dsn


def am_alerts(url: str, run: str) -> dict[str, str]:
    """Fingerprint → dedup key of the alerts of ``run`` active in Alertmanager."""
    answer = httpx.get(f"{url}/api/v2/alerts", params={"filter": f'run="{run}"'}, timeout=10)
    answer.raise_for_status()
    return {
        a["labels"]["alert_id"]: a["annotations"]["ontrack_dedup_key"]
        for a in answer.json()
        if a["status"]["state"] == "active"
    }


def start_notifier(
    spawn: Callable[..., Proc], name: str, env: dict[str, str], routes: Path
) -> Proc:
    web = free_port()
    return spawn(name, ["notify", "--web-port", str(web), "--routes", str(routes)], env)


@pytest.mark.parametrize(
    "outage",
    [
        pytest.param(30.0, id="30s"),
        pytest.param(180.0, id="3min", marks=[pytest.mark.soak, pytest.mark.timeout(600)]),
    ],
)
async def test_receivers_down_then_back_get_everything_once(
    outage: float,
    outbox_dsn: str,
    embedded_stack: Settings,
    spawn: Callable[..., Proc],
    tmp_path: Path,
    record: Callable[[object], None],
) -> None:
    hook, mail = WebhookReceiver([SECRET]), Inbox()
    am = TcpProxy(*_host_port(embedded_stack.alertmanager_url)).start()
    receivers = Receivers(hook, mail, am, embedded_stack.alertmanager_url)
    (tmp_path / "routes.yaml").write_text(
        ROUTES.format(hook=hook.url, smtp=mail.port, am=f"http://{am.address}")
    )
    routes = load_routes(tmp_path)
    env = service_env(
        embedded_stack,
        RELIABILITY_HOOK_SECRET=SECRET,
        ONTRACK_DATABASE_URL=outbox_dsn,
        ONTRACK_NOTIFY_POLL_SECONDS="0.2",
        ONTRACK_NOTIFY_RETRY_BASE_SECONDS="1",
        ONTRACK_NOTIFY_RETRY_CAP_SECONDS="8",
        ONTRACK_NOTIFY_LEASE_SECONDS="5",
    )
    outbox, run = Outbox(outbox_dsn), new_run()
    now = datetime.now(UTC).replace(microsecond=0)

    def alerts(n: int, tag: str) -> list[AlertSnapshot]:
        made = []
        for i in range(n):
            fp = fingerprint()
            made.append(snapshot(fp, run, fired_at=now, target=f"{tag}{i}", alert_id=fp))
        return made

    before, during, later = alerts(5, "a"), alerts(5, "b"), alerts(5, "c")
    await receivers.up()
    notifier = start_notifier(spawn, "notify-1", env, tmp_path)
    kills = 0
    try:
        await outbox.enqueue([(a, fired(a)) for a in before], routes)
        await until(outbox.delivered, 60, "the first notifications delivered")

        await receivers.down()
        down_at = asyncio.get_running_loop().time()
        await outbox.enqueue([(a, fired(a)) for a in during], routes)
        await asyncio.sleep(outage / 3)
        notifier.popen.send_signal(signal.SIGKILL)  # the notifier dies too, mid-outage
        assert notifier.popen.wait(10) == -signal.SIGKILL
        kills += 1
        notifier = start_notifier(spawn, "notify-2", env, tmp_path)
        await asyncio.sleep(outage / 6)
        resolved_at = datetime.now(UTC)
        await outbox.enqueue([(a, recovered(a, resolved_at)) for a in before], routes)
        await outbox.enqueue([(a, fired(a)) for a in later], routes)
        await asyncio.sleep(max(0.0, outage - (asyncio.get_running_loop().time() - down_at)))
        failed_attempts = sum(a for _, _, s, a in outbox.rows() if s != "delivered")
        assert not outbox.delivered()

        await receivers.up()
        back_at = asyncio.get_running_loop().time()
        await until(outbox.delivered, 60, "every notification delivered once they are back")
        caught_up = asyncio.get_running_loop().time() - back_at
        await asyncio.sleep(2)  # a late duplicate would show now
        in_am = am_alerts(receivers.am_url, run)
    finally:
        notifier.stop()
        await hook.stop()
        mail.stop()
        am.stop()

    got = {"hook": hook.keys, "mail": mail.keys}
    lost = {r: len(outbox.expected[r] - set(got[r])) for r in got}
    duplicated = {r: sum(n - 1 for n in got[r].values()) for r in got}
    unexpected = {r: len(set(got[r]) - outbox.expected[r]) for r in got}
    am_expected = {a.fingerprint: _key(a, fired(a)) for a in during + later}
    rows = outbox.rows()
    record(
        NotifyResult(
            outage_seconds=outage,
            notifications=sum(len(v) for v in outbox.expected.values()),
            delivered=sum(1 for *_, s, _ in rows if s == "delivered"),
            lost=sum(lost.values()) + len(set(am_expected.items()) - set(in_am.items())),
            duplicated=sum(duplicated.values()),
            attempts=sum(a for *_, a in rows),
            failed_attempts_during_outage=failed_attempts,
            notifier_kills=kills,
            caught_up_seconds=round(caught_up, 1),
        )
    )
    assert lost == {"hook": 0, "mail": 0} and duplicated == {"hook": 0, "mail": 0}, (
        lost,
        duplicated,
    )
    assert unexpected == {"hook": 0, "mail": 0}
    assert in_am == am_expected  # resolved ones gone, the rest active under their firing key
    assert hook.refused == []  # every message signed as it should be
    assert max(a for *_, a in rows) > 3  # retried while down
    assert caught_up < 30, f"{caught_up:.0f} s to catch up"


def _key(alert: AlertSnapshot, change: Transition) -> str:
    found = from_transition(alert, change)
    assert found is not None
    return found.dedup_key


def _host_port(url: str) -> tuple[str, int]:
    host, _, port = url.removeprefix("http://").rstrip("/").partition(":")
    return host, int(port or 80)


@dataclass
class NotifyResult:
    outage_seconds: float
    notifications: int
    delivered: int
    lost: int
    duplicated: int
    attempts: int
    failed_attempts_during_outage: int
    notifier_kills: int
    caught_up_seconds: float

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)

    def line(self) -> str:
        return (
            f"receivers down {self.outage_seconds:.0f} s: sent={self.notifications} "
            f"delivered={self.delivered} lost={self.lost} duplicated={self.duplicated} "
            f"attempts={self.attempts} notifier_kills={self.notifier_kills} "
            f"caught_up_seconds={self.caught_up_seconds}"
        )

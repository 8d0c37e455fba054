"""The outbox and the dispatcher on the real database, with in-memory receivers."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

import pytest
from prometheus_client import CollectorRegistry
from psycopg_pool import AsyncConnectionPool

from services.alerts.engine.lifecycle import State, Transition
from services.alerts.notify import actions
from services.alerts.notify.delivery.dispatcher import Dispatcher, DispatchSettings
from services.alerts.notify.delivery.enqueue import Enqueued, enqueue_for_transitions
from services.alerts.notify.delivery.outbox import Backoff
from services.alerts.notify.message import AlertSnapshot, Kind
from services.alerts.notify.metrics import NotifyMetrics
from services.alerts.notify.routing.matchers import parse_matcher
from services.alerts.notify.routing.tree import (
    AlertmanagerTarget,
    RateLimit,
    RouteConfig,
    WebhookTarget,
)
from tests.integration.notify.helpers import (
    SINK,
    T0,
    Clock,
    Recorder,
    fingerprint,
    fired,
    insert_alert,
    new_run,
    recovered,
    routes_for,
    snapshot,
)

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

HOOK = WebhookTarget(url="http://127.0.0.1:9/", secrets_env=())
SETTINGS = DispatchSettings(
    lease=timedelta(minutes=2),
    backoff=Backoff(base=timedelta(seconds=10), cap=timedelta(minutes=5), jitter=0.0),
    repeat_every=timedelta(0),
)


def dispatcher(
    pool: AsyncConnectionPool, routes: RouteConfig, clock: Clock, *receivers: Recorder
) -> tuple[Dispatcher, CollectorRegistry]:
    registry = CollectorRegistry()
    senders = {r.name: r for r in receivers} | {SINK: Recorder(SINK)}
    found = Dispatcher(
        pool, routes, senders, NotifyMetrics.create(registry), clock=clock, rand=lambda: 0.5,
        settings=SETTINGS,
    )  # fmt: skip
    return found, registry


def count(registry: CollectorRegistry, receiver: str, result: str) -> float:
    """``ontrack_notifications_total`` of one receiver (other tests' alerts go to the sink)."""
    found = registry.get_sample_value(
        "ontrack_notifications_total", {"receiver": receiver, "result": result}
    )
    return found or 0.0


async def enqueue(
    pool: AsyncConnectionPool,
    pairs: Sequence[tuple[AlertSnapshot, Transition]],
    routes: RouteConfig,
    clock: Clock,
) -> list[Enqueued]:
    async with pool.connection() as conn, conn.cursor() as cur:
        return await enqueue_for_transitions(cur, pairs, routes, clock())


async def rows(pool: AsyncConnectionPool, receiver: str) -> list[dict[str, Any]]:
    async with pool.connection() as conn:
        cur = await conn.execute(
            "SELECT dedup_key, kind, status, attempts, fingerprint, silenced_by, digest_id"
            " FROM notifications WHERE receiver = %s ORDER BY id",
            [receiver],
        )
        names = [c.name for c in cur.description or []]
        return [dict(zip(names, r, strict=True)) for r in await cur.fetchall()]


async def test_a_burst_is_one_message_per_group(pool: AsyncConnectionPool) -> None:
    run, clock, mail = new_run(), Clock(), Recorder("mail")
    routes = routes_for(run, {"mail": HOOK}, group_wait=timedelta(seconds=30))
    burst = [snapshot(fingerprint(), run) for _ in range(3)] + [
        snapshot(fingerprint(), run, rule="projected-miss-page")
    ]
    await enqueue(pool, [(a, fired(a)) for a in burst], routes, clock)
    d, registry = dispatcher(pool, routes, clock, mail)

    await d.tick()
    assert mail.messages == []  # the group waits 30 s to gather the burst
    clock.advance(seconds=29)
    await d.tick()
    assert mail.messages == []
    late = snapshot(fingerprint(), run)  # joins the waiting group
    await enqueue(pool, [(late, fired(late, clock()))], routes, clock)
    clock.advance(seconds=1)
    await d.tick()

    sizes = sorted(len(m.notifications) for m in mail.messages)
    assert sizes == [1, 4]
    assert all(n == 1 for n in mail.keys.values()) and len(mail.keys) == 5
    assert count(registry, "mail", "delivered") == 5
    assert registry.get_sample_value("ontrack_outbox_depth") == 0
    assert {r["status"] for r in await rows(pool, "mail")} == {"delivered"}


async def test_enqueue_is_idempotent_and_skips_other_transitions(pool: AsyncConnectionPool) -> None:
    run, clock = new_run(), Clock()
    routes = routes_for(run, {"mail": HOOK, "hook": HOOK})
    a = snapshot(fingerprint(), run)
    pending = Transition(fingerprint=a.fingerprint, from_state=State.INACTIVE,
                         to_state=State.PENDING, at=T0, value=1.0, reason="r")  # fmt: skip
    first = await enqueue(pool, [(a, pending), (a, fired(a))], routes, clock)
    again = await enqueue(pool, [(a, fired(a))], routes, clock)
    assert sorted(e.receiver for e in first) == ["hook", "mail"]
    assert all(e.id is not None for e in first) and all(e.id is None for e in again)
    assert len(await rows(pool, "mail")) == 1


async def test_a_crashed_dispatchers_rows_come_back_after_the_lease(
    pool: AsyncConnectionPool,
) -> None:
    from services.alerts.notify.delivery import outbox_db as store

    run, clock, mail = new_run(), Clock(), Recorder("mail")
    routes = routes_for(run, {"mail": HOOK})
    a = snapshot(fingerprint(), run)
    await enqueue(pool, [(a, fired(a))], routes, clock)
    async with pool.connection() as conn:  # a dispatcher claims, then dies before sending
        claimed = await store.claim_due(conn, clock(), clock() + SETTINGS.lease, 100)
    assert len(claimed) == 1
    d, _ = dispatcher(pool, routes, clock, mail)
    await d.tick()
    assert mail.messages == []  # leased: nobody else takes it
    clock.advance(seconds=SETTINGS.lease.total_seconds() + 1)
    await d.tick()
    assert mail.keys == {fired_key(a): 1}


def fired_key(a: AlertSnapshot) -> str:
    from services.alerts.notify.message import from_transition

    found = from_transition(a, fired(a))
    assert found is not None
    return found.dedup_key


async def test_repeats_until_acknowledged(pool: AsyncConnectionPool) -> None:
    run, clock, mail, am = new_run(), Clock(), Recorder("mail"), Recorder("am")
    targets = {
        "mail": HOOK,
        "am": AlertmanagerTarget(url="http://127.0.0.1:9", ttl=timedelta(hours=2)),
    }
    routes = routes_for(run, targets, repeat_interval=timedelta(hours=1))
    a = snapshot(fingerprint(), run)
    async with pool.connection() as conn:
        await insert_alert(conn, a)
    await enqueue(pool, [(a, fired(a))], routes, clock)
    d, registry = dispatcher(pool, routes, clock, mail, am)
    sent = []
    for minutes in (0, 59, 1, 30, 30):
        clock.advance(minutes=minutes)
        await d.tick()
        sent.append(len(mail.messages))
    # first at 0; a repeat an hour after the last delivery (60), then at 120 (not at 90)
    assert sent == [1, 1, 2, 2, 3]
    async with pool.connection() as conn:
        await actions.ack(conn, a.fingerprint, "li.wei", "station S1 recalibrating", clock())
    clock.advance(hours=3)
    await d.tick()
    kinds = [n.kind for m in mail.messages for n in m.notifications]
    assert kinds == [Kind.FIRING, Kind.REPEAT, Kind.REPEAT]  # none once acknowledged
    assert len(set(mail.keys)) == 3
    assert count(registry, "mail", "enqueued") == 2
    assert len(am.messages) == 4  # Alertmanager still gets them: it would expire the alert


async def test_silences_at_enqueue_at_delivery_and_after(pool: AsyncConnectionPool) -> None:
    run, clock, mail = new_run(), Clock(), Recorder("mail")
    routes = routes_for(run, {"mail": HOOK}, repeat_interval=timedelta(hours=4))
    early, later = snapshot(fingerprint(), run), snapshot(fingerprint(), run, station="S1")
    async with pool.connection() as conn:
        await insert_alert(conn, early)
        await insert_alert(conn, later)
    await enqueue(pool, [(early, fired(early))], routes, clock)  # before the silence
    async with pool.connection() as conn:
        added = await actions.add_silence(
            conn, [parse_matcher(f"run={run}"), parse_matcher("severity=page")],
            clock(), clock() + timedelta(hours=2), "li.wei", "maintenance of S1", clock(),
        )  # fmt: skip
    assert sorted(added.alerts) == sorted([early.fingerprint, later.fingerprint])
    made = await enqueue(pool, [(later, fired(later))], routes, clock)  # during the silence
    assert made[0].silenced_by == added.silence.id

    d, registry = dispatcher(pool, routes, clock, mail)
    await d.tick()
    assert count(registry, "mail", "silenced") == 1  # the early one, muted at delivery
    assert mail.messages == []
    statuses = {r["fingerprint"]: r["status"] for r in await rows(pool, "mail")}
    assert statuses == {early.fingerprint: "silenced", later.fingerprint: "silenced"}
    clock.advance(hours=1)
    await d.tick()
    assert count(registry, "mail", "enqueued") == 0  # still silenced: no repeat either

    async with pool.connection() as conn:
        await actions.expire_silence(conn, added.silence.id or 0, "li.wei", clock())
    await d.tick()  # never told, silence over: told now
    assert count(registry, "mail", "enqueued") == 2
    assert {n.fingerprint for m in mail.messages for n in m.notifications} == {
        early.fingerprint,
        later.fingerprint,
    }
    async with pool.connection() as conn:
        cur = await conn.execute(
            "SELECT reason, actor, note FROM alert_events WHERE fingerprint = %s ORDER BY at",
            [early.fingerprint],
        )
        history = await cur.fetchall()
    assert history[0][0].startswith("silenced by li.wei until ")
    assert history[1] == (
        f"silence {added.silence.id} expired by li.wei",
        "li.wei",
        "maintenance of S1",
    )


async def test_resolved_goes_to_those_told_it_fired(pool: AsyncConnectionPool) -> None:
    run, clock = new_run(), Clock()
    mail, hook = Recorder("mail"), Recorder("hook")
    routes = routes_for(run, {"mail": HOOK, "hook": HOOK})
    a = snapshot(fingerprint(), run)
    await enqueue(pool, [(a, fired(a))], routes, clock)
    d, _ = dispatcher(pool, routes, clock, mail, hook)
    async with pool.connection() as conn:  # hook's firing notification was silenced
        await conn.execute("UPDATE notifications SET status = 'silenced' WHERE receiver = 'hook'")
    await d.tick()
    clock.advance(hours=2)
    made = await enqueue(pool, [(a, recovered(a, clock()))], routes, clock)
    assert [e.receiver for e in made] == ["mail"]
    await d.tick()
    assert [n.kind for m in mail.messages for n in m.notifications] == [Kind.FIRING, Kind.RESOLVED]
    assert hook.messages == []


async def test_manual_resolve_and_ack_land_in_history(pool: AsyncConnectionPool) -> None:
    run, clock, mail = new_run(), Clock(), Recorder("mail")
    routes = routes_for(run, {"mail": HOOK})
    a = snapshot(fingerprint(), run)
    async with pool.connection() as conn:
        await insert_alert(conn, a)
    await enqueue(pool, [(a, fired(a))], routes, clock)
    d, _ = dispatcher(pool, routes, clock, mail)
    await d.tick()
    clock.advance(minutes=10)
    async with pool.connection() as conn:
        acked = await actions.ack(conn, a.fingerprint, "li.wei", "looking at S1", clock())
        clock.advance(minutes=5)
        state, sent = await actions.resolve(
            conn, a.fingerprint, "li.wei", "S1 recalibrated; data back in range", clock(), routes
        )
        again, none = await actions.resolve(
            conn, a.fingerprint, "wang.fang", "dup", clock(), routes
        )
        cur = await conn.execute(
            "SELECT from_state, to_state, reason, actor, note FROM alert_events"
            " WHERE fingerprint = %s ORDER BY at",
            [a.fingerprint],
        )
        history = await cur.fetchall()
        cur = await conn.execute(
            "SELECT state, resolved_by, hold, acked_by FROM alerts WHERE fingerprint = %s",
            [a.fingerprint],
        )
        row = await cur.fetchone()
    assert acked.acked_by == "li.wei" and state.state.value == "resolved"
    assert [e.receiver for e in sent] == ["mail"] and none == [] and again.resolved_by == "li.wei"
    assert history == [
        ("firing", "firing", "acknowledged by li.wei", "li.wei", "looking at S1"),
        ("firing", "resolved", "resolved by li.wei: S1 recalibrated; data back in range", "li.wei",
         "S1 recalibrated; data back in range"),
    ]  # fmt: skip
    assert row == ("resolved", "li.wei", True, "li.wei")
    await d.tick()
    last = mail.messages[-1].notifications[0]
    assert (last.kind, last.actor) == (Kind.RESOLVED, "li.wei")


async def test_acting_on_what_is_not_there(pool: AsyncConnectionPool) -> None:
    from services.alerts.engine.lifecycle import ActionError
    from services.alerts.notify.errors import AlertNotFound, SilenceNotFound

    run, clock = new_run(), Clock()
    a = snapshot(fingerprint(), run)
    async with pool.connection() as conn:
        await insert_alert(conn, a, state="resolved")
        with pytest.raises(AlertNotFound):
            await actions.ack(conn, fingerprint(), "li", "x", clock())
        with pytest.raises(ActionError, match="only a pending or firing alert"):
            await actions.ack(conn, a.fingerprint, "li", "x", clock())
        with pytest.raises(SilenceNotFound):
            await actions.expire_silence(conn, 10**9, "li", clock())


async def test_rate_limit_digests_and_holds_never_drops(pool: AsyncConnectionPool) -> None:
    run, clock, mail = new_run(), Clock(), Recorder("mail")
    limit = RateLimit(burst=2, every=timedelta(minutes=10))
    routes = routes_for(run, {"mail": HOOK}, group_by=("target",), rate_limit=limit)
    storm = [snapshot(fingerprint(), run, target=f"t{i}") for i in range(6)]
    await enqueue(pool, [(a, fired(a)) for a in storm], routes, clock)
    d, registry = dispatcher(pool, routes, clock, mail)

    await d.tick()  # 6 groups, 2 tokens: 1 alone + 1 digest of 5
    assert [(m.digest, len(m.notifications)) for m in mail.messages] == [(False, 1), (True, 5)]
    more = [snapshot(fingerprint(), run, target=f"u{i}") for i in range(3)]
    clock.advance(minutes=1)
    await enqueue(pool, [(a, fired(a, clock())) for a in more], routes, clock)
    await d.tick()  # no token left: held, not dropped
    assert len(mail.messages) == 2 and count(registry, "mail", "held") == 3
    clock.advance(minutes=10)
    await d.tick()  # the next token: everything held, in one digest
    assert (mail.messages[-1].digest, len(mail.messages[-1].notifications)) == (True, 3)

    assert len(mail.messages) == 3  # 9 alerts in a storm: 3 messages
    assert len(mail.keys) == 9 and set(mail.keys.values()) == {1}
    stored = await rows(pool, "mail")
    assert sorted(r["kind"] for r in stored).count("digest") == 2
    assert {r["status"] for r in stored} == {"delivered"}
    assert count(registry, "mail", "digested") == 8


async def test_receiver_down_then_back(pool: AsyncConnectionPool) -> None:
    run, clock, mail = new_run(), Clock(), Recorder("mail", up=False)
    routes = routes_for(run, {"mail": HOOK}, group_by=("target",))
    alerts = [snapshot(fingerprint(), run, target=f"t{i}") for i in range(4)]
    await enqueue(pool, [(a, fired(a)) for a in alerts], routes, clock)
    d, registry = dispatcher(pool, routes, clock, mail)

    for wait in (0, 10, 20, 40):  # backoff 10 s, 20 s, 40 s ... (no jitter here)
        clock.advance(seconds=wait)
        await d.tick()
    assert count(registry, "mail", "failed") == 16
    mail.up = True
    clock.advance(seconds=79)
    await d.tick()
    assert mail.messages == []  # not yet due again
    clock.advance(seconds=1)
    await d.tick()
    assert mail.keys == {fired_key(a): 1 for a in alerts}
    attempts = [r["attempts"] for r in await rows(pool, "mail")]
    assert attempts == [5, 5, 5, 5]


async def test_actions_wait_for_an_evaluation_in_progress(pool: AsyncConnectionPool) -> None:
    """The engine rewrites whole alert rows under its lock: an ack waits for it, not lost."""
    import asyncio

    from services.alerts.snapshot.alert_state import lock as engine_lock

    run, clock = new_run(), Clock()
    a = snapshot(fingerprint(), run)
    async with pool.connection() as conn:
        await insert_alert(conn, a)
    async with pool.connection() as engine:
        async with engine.transaction():
            await engine_lock(engine)
            acking = asyncio.create_task(_ack(pool, a.fingerprint, clock))
            while not await _waiting_for_advisory_lock(pool):
                assert not acking.done(), acking
                await asyncio.sleep(0.05)
            await engine.execute(  # the evaluation writes the row it loaded before the ack
                "UPDATE alerts SET last_eval = %s, acked_by = NULL WHERE fingerprint = %s",
                [clock() + timedelta(minutes=1), a.fingerprint],
            )
        await acking
    async with pool.connection() as conn:
        cur = await conn.execute(
            "SELECT acked_by FROM alerts WHERE fingerprint = %s", [a.fingerprint]
        )
        assert await cur.fetchone() == ("li.wei",)


async def _ack(pool: AsyncConnectionPool, fp: str, clock: Clock) -> None:
    async with pool.connection() as conn:
        await actions.ack(conn, fp, "li.wei", "on it", clock())


async def _waiting_for_advisory_lock(pool: AsyncConnectionPool) -> bool:
    async with pool.connection() as conn:
        cur = await conn.execute(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
        )
        found = await cur.fetchone()
    return bool(found and found[0])

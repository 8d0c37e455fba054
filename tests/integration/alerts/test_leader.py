"""The leader lock on the real PostgreSQL: one holder at a time, fenced evaluations, and a
hand-over when the holder lets go or its session dies."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable

import psycopg
import pytest
from psycopg import AsyncConnection

from services.alerts.runtime.leader import Leadership, LeadershipLost
from services.settings import Settings

pytestmark = pytest.mark.integration

KEY = 0x6F6E7472616300FF  # a key of these tests alone: never the engines' own


@pytest.fixture
async def pair(db_settings: Settings) -> AsyncIterator[tuple[Leadership, Leadership]]:
    a = Leadership(db_settings.dsn, key=KEY, name="engine-a")
    b = Leadership(db_settings.dsn, key=KEY, name="engine-b")
    yield a, b
    await a.close()
    await b.close()


async def in_transaction(dsn: str, work: Callable[[AsyncConnection], Awaitable[None]]) -> None:
    async with await AsyncConnection.connect(dsn) as conn, conn.transaction():
        await work(conn)


async def test_one_holder_at_a_time_and_the_standby_takes_over_when_it_lets_go(
    pair: tuple[Leadership, Leadership], db_settings: Settings
) -> None:
    a, b = pair
    assert await a.step() is True
    assert await b.step() is False
    assert (a.leader, b.leader) == ("engine-a", "engine-a")
    assert await a.step() is True  # keeping it is not taking it twice
    assert b.last_contact is not None

    await in_transaction(db_settings.dsn, a.fence)
    with pytest.raises(LeadershipLost, match="engine-b no longer holds .* held by engine-a"):
        await in_transaction(db_settings.dsn, b.fence)

    await a.close()
    assert await b.step() is True
    assert await a.step() is False and a.leader == "engine-b"


async def test_a_leader_whose_session_dies_is_fenced_and_replaced(
    pair: tuple[Leadership, Leadership], db_settings: Settings
) -> None:
    a, b = pair
    assert await a.step() is True
    assert a._conn is not None
    pid = a._conn.info.backend_pid
    with psycopg.connect(db_settings.dsn, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [pid])
    # until its next step it still believes it leads, but no evaluation of it commits
    assert a.leading is True
    for _ in range(50):  # the backend exits shortly after being told to
        if await b.step():
            break
        await asyncio.sleep(0.1)
    assert b.leading is True
    with pytest.raises(LeadershipLost, match="held by engine-b"):
        await in_transaction(db_settings.dsn, a.fence)
    assert a.leading is False
    assert await a.step() is False  # reconnects, and stands by
    assert a.leader == "engine-b"


async def test_engines_of_another_database_on_the_server_lead_their_own(
    pair: tuple[Leadership, Leadership], db_settings: Settings, embedded_stack: Settings
) -> None:
    a, _ = pair
    assert embedded_stack.dsn != db_settings.dsn
    elsewhere = Leadership(embedded_stack.dsn, key=KEY, name="engine-elsewhere")
    try:
        assert await elsewhere.step() is True
        assert await a.step() is True
        assert (a.leader, elsewhere.leader) == ("engine-a", "engine-elsewhere")
        for _ in range(5):  # whichever holder the server lists first
            await in_transaction(db_settings.dsn, a.fence)
            await in_transaction(embedded_stack.dsn, elsewhere.fence)
    finally:
        await elsewhere.close()

"""Which alert engine leads: a session-level PostgreSQL advisory lock on a connection of its own.

Every ``ontrack alerts`` replica runs :class:`Leadership`. The one whose dedicated
connection holds ``pg_try_advisory_lock(LEADER_KEY)`` evaluates, consumes ``aggregates``
and enqueues notifications; the others stand by and try again every few seconds. The
lock belongs to the session, so it is released when the leader stops, crashes or loses
its connection (the server ends the session: at once for a closed socket, after the TCP
keepalives below for a host that vanished), and a standby takes it on its next try.

Between "the server released the lock" and "the old leader noticed", the old leader could
still be finishing an evaluation. :meth:`Leadership.fence` closes that gap: every
evaluation's transaction checks, after taking the evaluation lock, that this engine's
session still holds the leader lock, and rolls back otherwise (:class:`LeadershipLost`).
"""

from __future__ import annotations

import logging
import os
import socket
import time
from collections.abc import Callable
from typing import Any, LiteralString

import psycopg
from psycopg import AsyncConnection

from services.errors import OntrackError

__all__ = ["LEADER_KEY", "Leadership", "LeadershipLost"]

log = logging.getLogger(__name__)

LEADER_KEY = 0x6F6E747261636B02  # "ontrack" + 2: who leads the alert engines

# pg_locks shows a bigint advisory key as classid (high 32 bits) and objid (low 32 bits).
# Advisory locks are per database: engines of other databases on the server hold their own.
_HOLDS: LiteralString = """
SELECT a.pid, a.application_name
FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
  AND l.classid = %(classid)s AND l.objid = %(objid)s
  AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
"""

# A vanished peer is noticed within about idle + interval * count seconds, on both sides.
_KEEPALIVES: tuple[LiteralString, ...] = (
    "SET tcp_keepalives_idle = 10",
    "SET tcp_keepalives_interval = 5",
    "SET tcp_keepalives_count = 3",
)


class LeadershipLost(OntrackError):
    """This engine no longer holds the leader lock: its evaluation was rolled back."""


def _split(key: int) -> dict[str, int]:
    return {"classid": (key >> 32) & 0xFFFFFFFF, "objid": key & 0xFFFFFFFF}


def identity() -> str:
    """How this engine shows in ``pg_stat_activity`` and in its followers' /healthz."""
    return f"ontrack-alerts@{socket.gethostname()}/{os.getpid()}"


class Leadership:
    """The leader lock of one engine: :meth:`step` tries or keeps it, :meth:`fence` checks it.

    ``leading`` is True from the step that took the lock until one that finds it gone.
    ``last_contact`` (monotonic seconds) is when the database last answered a step: a
    follower that hears from the database is healthy, ready to take over.
    """

    def __init__(
        self,
        dsn: str,
        *,
        key: int = LEADER_KEY,
        name: str | None = None,
        connect_timeout: float = 5.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._dsn = dsn
        self._key = key
        self.name = (name or identity())[:63]  # PostgreSQL keeps 63 bytes of application_name
        self._connect_timeout = connect_timeout
        self._monotonic = monotonic
        self._conn: AsyncConnection[tuple[Any, ...]] | None = None
        self._pid: int | None = None
        self.leading = False
        self.leader: str | None = None  # who holds the lock, as last seen
        self.last_contact: float | None = None

    async def step(self) -> bool:
        """One round: keep or try the lock, (re)connecting once if the session is gone.

        Whether this engine leads now; False too when the database cannot be reached.
        """
        reused = self._conn is not None
        try:
            return await self._step()
        except (psycopg.Error, OSError) as exc:
            lost = self.leading
            await self._drop()
            if lost:
                log.error("lost the database session holding the leader lock: %s", exc)
            if not reused:
                log.warning("cannot reach the database to try the leader lock: %s", exc)
                return False
        try:  # the old session died: once more on a new one
            return await self._step()
        except (psycopg.Error, OSError) as exc:
            log.warning("cannot reach the database to try the leader lock: %s", exc)
            await self._drop()
            return False

    async def _step(self) -> bool:
        conn = await self._connection()
        if self.leading:
            held = await self._holder(conn)
            self.leading = held is not None and held[0] == self._pid
        else:
            cur = await conn.execute("SELECT pg_try_advisory_lock(%s)", [self._key])
            row = await cur.fetchone()
            self.leading = bool(row and row[0])
        held = None if self.leading else await self._holder(conn)
        self.leader = self.name if self.leading else (held[1] if held else None)
        self.last_contact = self._monotonic()
        return self.leading

    async def fence(self, conn: AsyncConnection[tuple[Any, ...]]) -> None:
        """In an evaluation's transaction: raise :class:`LeadershipLost` unless we lead."""
        held = await self._holder(conn)
        if self._pid is None or held is None or held[0] != self._pid:
            self.leading = False
            raise LeadershipLost(
                f"{self.name} no longer holds the alert engines' leader lock "
                f"(now held by {held[1] if held else 'nobody'}): evaluation rolled back, "
                "standing by"
            )

    async def close(self) -> None:
        """Give the lock up (if held) so a follower takes over at its next step."""
        if self._conn is not None and self.leading:
            try:
                await self._conn.execute("SELECT pg_advisory_unlock(%s)", [self._key])
            except (psycopg.Error, OSError) as exc:
                log.warning("releasing the leader lock: %s (it goes with the session)", exc)
        self.leading = False
        await self._drop()

    async def _connection(self) -> AsyncConnection[tuple[Any, ...]]:
        if self._conn is not None and not self._conn.closed:
            return self._conn
        conn = await AsyncConnection.connect(
            self._dsn,
            autocommit=True,
            application_name=self.name,
            connect_timeout=max(1, round(self._connect_timeout)),
            keepalives=1,
            keepalives_idle=10,
            keepalives_interval=5,
            keepalives_count=3,
        )
        for statement in _KEEPALIVES:
            await conn.execute(statement)
        cur = await conn.execute("SELECT pg_backend_pid()")
        row = await cur.fetchone()
        self._conn, self._pid = conn, int(row[0]) if row else None
        return conn

    async def _holder(self, conn: AsyncConnection[tuple[Any, ...]]) -> tuple[int, str] | None:
        cur = await conn.execute(_HOLDS, _split(self._key))
        row = await cur.fetchone()
        return None if row is None else (int(row[0]), str(row[1] or f"pid {row[0]}"))

    async def _drop(self) -> None:
        conn, self._conn, self._pid = self._conn, None, None
        self.leading, self.leader = False, None
        if conn is not None:
            try:
                await conn.close()
            except (psycopg.Error, OSError):
                pass

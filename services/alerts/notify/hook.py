"""The engine's in-transaction hook: every stored transition is routed into the outbox."""

from __future__ import annotations

from typing import Any

from psycopg import AsyncConnection

from services.alerts.engine import Outcome
from services.alerts.notify.delivery.enqueue import enqueue_for_transitions, pairs_of
from services.alerts.notify.routing import RouteConfig

__all__ = ["outbox_hook"]


def outbox_hook(routes: RouteConfig) -> Any:
    """A hook for ``AlertEngine(in_transaction=...)``: notifications commit with the states."""

    async def hook(conn: AsyncConnection[tuple[Any, ...]], outcome: Outcome) -> None:
        if not outcome.transitions:
            return
        async with conn.cursor() as cur:
            await enqueue_for_transitions(
                cur, pairs_of(outcome.alerts, outcome.transitions), routes, outcome.now
            )

    return hook

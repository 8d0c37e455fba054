"""Reading targets and alerts back, for the API and the CLI (through the shared views)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, LiteralString

from psycopg.rows import dict_row
from psycopg_pool import AsyncConnectionPool

__all__ = ["OPEN_STATES", "STATES", "get_alert", "list_alerts", "list_targets"]

STATES = ("inactive", "pending", "firing", "resolved")
OPEN_STATES = ("pending", "firing")

_TARGETS: LiteralString = """
SELECT * FROM v_target_status
WHERE (%(status)s::text IS NULL OR status = %(status)s)
  AND (%(family)s::text IS NULL OR family = %(family)s)
  AND (%(plan)s::text IS NULL OR plan_id = %(plan)s)
ORDER BY family, indicator, deadline, target_id
"""

_ALERTS: LiteralString = """
SELECT * FROM v_alerts
WHERE state = ANY(%(states)s) AND (%(severity)s::text IS NULL OR severity = %(severity)s)
ORDER BY array_position(ARRAY['firing', 'pending', 'resolved', 'inactive'], state),
         array_position(ARRAY['page', 'ticket', 'info'], severity), since DESC, fingerprint
LIMIT %(limit)s
"""

_ALERT: LiteralString = "SELECT * FROM v_alerts WHERE fingerprint = %(fingerprint)s"

_HISTORY: LiteralString = """
SELECT at, from_state, to_state, value, reason, actor, note FROM alert_events
WHERE fingerprint = %(fingerprint)s
ORDER BY at, array_position(ARRAY['pending', 'firing', 'resolved', 'inactive'], to_state)
"""


async def list_targets(
    pool: AsyncConnectionPool,
    *,
    status: str | None = None,
    family: str | None = None,
    plan: str | None = None,
) -> list[dict[str, Any]]:
    """Every judged target (optionally of one status, family or plan), by family."""
    params = {"status": status, "family": family, "plan": plan}
    async with pool.connection() as conn, conn.cursor(row_factory=dict_row) as cur:
        await cur.execute(_TARGETS, params)
        return await cur.fetchall()


async def list_alerts(
    pool: AsyncConnectionPool,
    *,
    states: Sequence[str] = OPEN_STATES,
    severity: str | None = None,
    limit: int = 1000,
) -> list[dict[str, Any]]:
    """Alerts in ``states`` (firing first, pages before tickets, newest first)."""
    params = {"states": list(states), "severity": severity, "limit": limit}
    async with pool.connection() as conn, conn.cursor(row_factory=dict_row) as cur:
        await cur.execute(_ALERTS, params)
        return await cur.fetchall()


async def get_alert(pool: AsyncConnectionPool, fingerprint: str) -> dict[str, Any] | None:
    """One alert with its full transition history (oldest first); None if unknown."""
    params = {"fingerprint": fingerprint}
    async with pool.connection() as conn, conn.cursor(row_factory=dict_row) as cur:
        await cur.execute(_ALERT, params)
        alert = await cur.fetchone()
        if alert is None:
            return None
        await cur.execute(_HISTORY, params)
        alert["history"] = await cur.fetchall()
    return alert

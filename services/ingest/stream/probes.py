"""The stream worker's readiness: Kafka and TimescaleDB answer (``/readyz``, beside ``/livez``).

A worker is ready when it can store what it consumes: the broker answers a metadata request
over the worker's own Kafka client, and the database answers ``SELECT 1``.
"""

from __future__ import annotations

import asyncio
from typing import Any

from services.storage import database_answers

__all__ = ["kafka_answers", "readiness"]


async def kafka_answers(app: Any, within: float = 2.0) -> bool:
    """Whether the broker answers the metadata request of the Faust app's producer."""
    try:
        # Faust's producer (aiokafka) once started; before, Faust raises NotReady
        client = app.producer._ensure_producer().client
        async with asyncio.timeout(within):
            await client.fetch_all_metadata()
    except Exception:  # noqa: BLE001 - not started, unreachable, timed out: not ready
        return False
    return True


async def readiness(app: Any, pool: Any) -> dict[str, bool]:
    kafka, database = await asyncio.gather(kafka_answers(app), database_answers(pool))
    return {"kafka": kafka, "database": database}

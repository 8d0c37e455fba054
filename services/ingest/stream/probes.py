"""The stream worker's readiness: Kafka and TimescaleDB answer (``/readyz``, beside ``/livez``).

A worker is ready when it can store what it consumes: the broker answers a metadata request
over the worker's own Kafka client, and the database answers ``SELECT 1``.
"""

from __future__ import annotations

import asyncio
from typing import Any

from services.ingest.stream.faust_adapter import broker_answers
from services.storage import database_answers

__all__ = ["kafka_answers", "readiness"]


async def kafka_answers(app: Any, within: float = 2.0) -> bool:
    """Whether the broker answers the metadata request of the Faust app's producer."""
    return await broker_answers(app, within)


async def readiness(app: Any, pool: Any) -> dict[str, bool]:
    kafka, database = await asyncio.gather(kafka_answers(app), database_answers(pool))
    return {"kafka": kafka, "database": database}

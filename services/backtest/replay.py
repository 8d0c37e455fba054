"""The backtest's clock: store what had arrived by each step, then let the engine judge.

History is stored through the stream's own storage path (services.ingest.stream's
BatchHandler: the upsert, the calendar rollups and the derived indicators such as the
daily AQI), each reading when it had arrived. At every step the alert engine evaluates
every target and series at that instant, exactly as production would with the same data,
and keeps its statuses, alerts and transitions in the scratch database.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from prometheus_client import CollectorRegistry

from services.alerts.runtime import AlertEngine, EngineMetrics
from services.alerts.snapshot import Universe
from services.backtest.history import Arrival
from services.indicators.city import CITY_TZ, CITY_TZ_NAME
from services.ingest.signing import BatchKeys
from services.ingest.stream import BatchHandler, DeadLetter, refresh_air_quality
from services.storage import ObservationWriter, open_pool, sync_catalogue

__all__ = ["Clock", "replay", "steps"]

Say = Callable[[str], None]
CHUNK = 5000  # readings per transaction, as a stream worker's batches
NO_BATCH_KEYS = BatchKeys(signer="", secrets={})


@dataclass(frozen=True, slots=True)
class Clock:
    """From ``start`` to ``end`` (both included) every ``step``."""

    start: datetime
    end: datetime
    step: timedelta


def steps(clock: Clock) -> list[datetime]:
    """Every instant the engine judges at: start, start + step, …, and end."""
    out = []
    t = clock.start
    while t < clock.end:
        out.append(t)
        t += clock.step
    out.append(clock.end)
    return out


async def replay(
    dsn: str, universe: Universe, arrivals: Sequence[Arrival], clock: Clock, say: Say
) -> int:
    """Store and judge step by step; the number of evaluations."""
    pool = await open_pool(dsn, max_size=3, name="ontrack-backtest")
    try:
        await sync_catalogue(pool, universe.catalogue)
        handler = BatchHandler(
            ObservationWriter(pool),
            universe.catalogue,
            _refused,
            lambda: clock.start,
            keys=NO_BATCH_KEYS,  # it stores checked readings; it decodes no Kafka message
            derive=partial(refresh_air_quality, pool, tz=CITY_TZ_NAME),
        )
        engine = AlertEngine(universe, pool, EngineMetrics.create(CollectorRegistry()))
        instants = steps(clock)
        stored = 0
        began = time.monotonic()
        last_month = ""
        for n, now in enumerate(instants, start=1):
            upto = stored
            while upto < len(arrivals) and arrivals[upto].at <= now:
                upto += 1
            for i in range(stored, upto, CHUNK):
                part = arrivals[i : min(i + CHUNK, upto)]
                await handler.store([(a.reading, a.at) for a in part])
            stored = upto
            await engine.evaluate(now=now)
            month = now.astimezone(CITY_TZ).strftime("%Y-%m")
            if month != last_month or n == len(instants):
                last_month = month
                say(
                    f"[{n:>4}/{len(instants)}] {now.astimezone(CITY_TZ):%Y-%m-%d}  "
                    f"{stored:>9,} readings stored  {time.monotonic() - began:6.1f}s"
                )
        return len(instants)
    finally:
        await pool.close()


async def _refused(dead: Sequence[DeadLetter]) -> None:
    """What the database refuses was checked already: a refusal here is a fault, not data."""
    reasons = "; ".join(d.reason for d in dead[:3])
    raise RuntimeError(f"the database refused {len(dead)} checked reading(s): {reasons}")

"""Derived air quality: after a batch, recompute the daily AQI of the station-days it touched."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from psycopg_pool import AsyncConnectionPool

from services.indicators.aqi import DAILY_BREAKPOINTS, DailyAqi, daily_aqi, o3_max_8h
from services.storage import DayInputs, SeriesChange, day_inputs, store_days

__all__ = ["refresh_air_quality"]

CITY = "*"
# Stations read, computed and stored together: what is held at once stays this size however
# many stations a batch touches.
SCOPES_PER_QUERY = 1000


def _scopes_and_span(
    changes: Sequence[SeriesChange],
) -> tuple[list[str], datetime, datetime] | None:
    air = [c for c in changes if c.indicator in DAILY_BREAKPOINTS]
    if not air:
        return None
    sources = sorted({c.source for c in air} | {CITY})
    return sources, min(c.first_ts for c in air), max(c.last_ts for c in air)


def _compute(inputs: DayInputs) -> tuple[DailyAqi, dict[str, float]] | None:
    conc = {p: v for p, v in inputs.means.items() if p != "air.o3"}
    o3 = o3_max_8h(inputs.o3_hours)
    if o3 is not None:
        conc["air.o3"] = o3
    result = daily_aqi(conc)
    return (result, conc) if result is not None else None


async def refresh_air_quality(
    pool: AsyncConnectionPool, changes: Sequence[SeriesChange], tz: str
) -> int:
    """Recompute and store the AQI of every (station or city, day) the changes touched."""
    found = _scopes_and_span(changes)
    if found is None:
        return 0
    sources, first, last = found
    zone = ZoneInfo(tz)
    start = datetime.combine(first.astimezone(zone).date(), datetime.min.time(), zone)
    end = datetime.combine(
        last.astimezone(zone).date() + timedelta(days=1), datetime.min.time(), zone
    )
    stored = 0
    async with pool.connection() as conn:  # one transaction, a slice of the scopes at a time
        for i in range(0, len(sources), SCOPES_PER_QUERY):
            inputs = await day_inputs(conn, sources[i : i + SCOPES_PER_QUERY], start, end, tz)
            rows: list[tuple[str, date, DailyAqi, dict[str, float]]] = []
            for (source, day), day_in in inputs.items():
                computed = _compute(day_in)
                if computed is not None:
                    rows.append(("city" if source == CITY else source, day, *computed))
            del inputs
            stored += await store_days(conn, rows)
    return stored

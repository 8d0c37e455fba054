"""The daily AQI the stream derives is stored in one statement: each station-day with its
primary pollutants and concentrations, the city's from the stations' valid daily means; a
day recomputed unchanged is left as it is."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta

import psycopg
import pytest

from services.indicators.catalogue import load_catalogue
from services.indicators.readings import Reading, validate_record
from services.ingest.stream.derive import refresh_air_quality
from services.storage.catalogue_sync import sync_catalogue
from services.storage.pool import open_pool
from services.storage.writer import ObservationWriter, Received

pytestmark = pytest.mark.integration

TZ = "Asia/Shanghai"
CATALOGUE = load_catalogue()
DAY = datetime(2025, 3, 1, tzinfo=UTC) - timedelta(hours=8)  # 1 March 00:00 in the city


def hour(indicator: str, station: str, h: int, value: float) -> Received:
    raw = {"indicator": indicator, "source": station, "ts": (DAY + timedelta(hours=h)).isoformat(),
           "value": value, "unit": "µg/m³"}  # fmt: skip
    got = validate_record(raw, 0, CATALOGUE, datetime(2026, 1, 1, tzinfo=UTC))
    assert isinstance(got, Reading), got
    return got, DAY


@pytest.fixture
async def pool(test_dsn: str) -> AsyncIterator[object]:
    p = await open_pool(test_dsn)
    await p.wait()
    await sync_catalogue(p, CATALOGUE)
    async with p.connection() as conn:
        await conn.execute("TRUNCATE observations, rollups, air_quality_days")
    yield p
    await p.close()


def days(dsn: str) -> dict[str, tuple[object, ...]]:
    with psycopg.connect(dsn) as conn:
        rows = conn.execute(
            "SELECT scope, day, aqi, primary_pollutants, good, heavy, pollutants, updated_at"
            " FROM air_quality_days ORDER BY scope"
        ).fetchall()
    return {str(r[0]): r[1:] for r in rows}


async def test_station_and_city_days_are_stored(pool: object, test_dsn: str) -> None:
    writer = ObservationWriter(pool, calendar_tz=TZ)  # type: ignore[arg-type]
    batch = [hour("air.pm25", "qd-a", h, 120) for h in range(24)]  # IAQI 158
    batch += [hour("air.pm10", "qd-a", h, 100) for h in range(24)]  # IAQI 75
    batch += [hour("air.pm25", "qd-b", h, 30) for h in range(19)]  # 19 hours: not a valid day
    changes = await writer.write(batch)
    assert await refresh_air_quality(pool, changes, TZ) == 2  # type: ignore[arg-type]
    got = days(test_dsn)
    assert set(got) == {"qd-a", "city"}
    assert got["qd-a"][:5] == (date(2025, 3, 1), 158, ["air.pm25"], False, False)
    assert got["qd-a"][5] == {"air.pm25": 120.0, "air.pm10": 100.0}
    assert got["city"][:3] == (date(2025, 3, 1), 158, ["air.pm25"])

    # the same inputs again: nothing rewritten
    await refresh_air_quality(pool, changes, TZ)  # type: ignore[arg-type]
    assert days(test_dsn) == got
    # a revised hour moves the day: rewritten
    changes = await writer.write([hour("air.pm25", "qd-a", 5, 400)])
    await refresh_air_quality(pool, changes, TZ)  # type: ignore[arg-type]
    again = days(test_dsn)
    assert again["qd-a"][1] == 174 and again["qd-a"][6] > got["qd-a"][6]

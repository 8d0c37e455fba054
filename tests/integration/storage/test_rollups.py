"""Rollups equal what SQL over the raw observations gives — after redelivery, late data and
revisions, written in shuffled batches — for levels (mean of stations), flows (sum of
terminals) and stocks (sum of districts, carried forward; totals and increments); the city
rows of a single city-wide figure leave a region's own figure out."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import psycopg
import pytest

from services.indicators.catalogue import load_catalogue
from services.indicators.readings import Reading, validate_record
from services.storage.catalogue_sync import sync_catalogue
from services.storage.pool import open_pool
from services.storage.writer import ObservationWriter, Received

pytestmark = pytest.mark.integration

TZ = "Asia/Shanghai"
WIDTHS = {"hour": "1 hour", "day": "1 day", "month": "1 month", "year": "1 year"}
CATALOGUE = load_catalogue()
NOW = datetime(2026, 11, 22, tzinfo=UTC)


def reading(
    indicator: str,
    source: str,
    ts: datetime,
    value: float,
    unit: str,
    region: str | None = None,
    **labels: str,
) -> Reading:
    raw: dict[str, object] = {
        "indicator": indicator,
        "source": source,
        "ts": ts.isoformat(),
        "value": value,
        "unit": unit,
    }
    if region is not None:
        raw["region"] = region
    if labels:
        raw["labels"] = labels
    got = validate_record(raw, 0, CATALOGUE, NOW)
    assert isinstance(got, Reading), got
    return got


def scenario(rng: random.Random) -> list[Reading]:
    out: list[Reading] = []
    start = datetime(2025, 12, 30, 14, tzinfo=UTC)  # straddles a year end in Asia/Shanghai
    for station in ("qd-a", "qd-b", "qd-c"):
        for h in range(0, 24 * 50, 5):
            out.append(
                reading(
                    "air.pm25",
                    station,
                    start + timedelta(hours=h),
                    round(rng.uniform(5, 160), 1),
                    "µg/m³",
                )
            )
    for terminal in ("qianwan", "dongjiakou"):
        for d in range(70):
            out.append(
                reading(
                    "port.container_teu",
                    terminal,
                    start + timedelta(days=d),
                    rng.randint(20_000, 90_000),
                    "TEU",
                )
            )
    months = [datetime(2025, m, 15, tzinfo=UTC) for m in range(1, 13)]
    for i, district in enumerate(("shinan", "shibei", "huangdao")):
        total = 3000.0 * (i + 1)
        for j, ts in enumerate(months):
            total += rng.randint(10, 80)
            if district == "shibei" and j in (4, 5):
                continue  # silent for two months: its last total is carried forward
            out.append(reading("telecom.5g_base_stations", district, ts, total, "个"))
    for j, ts in enumerate(months):  # an operator that sends increments
        out.append(
            reading(
                "telecom.5g_base_stations", "laoshan-op2", ts, 10 + j, "个", arrives_as="increment"
            )
        )
    return out


def revise(r: Reading, value: float) -> Reading:
    return Reading(
        r.indicator, r.source, r.ts, value, r.unit, r.region, r.labels, r.id, value, r.unit
    )


@pytest.fixture
async def writer(test_dsn: str) -> AsyncIterator[ObservationWriter]:
    pool = await open_pool(test_dsn)
    await pool.wait()
    await sync_catalogue(pool, CATALOGUE)
    async with pool.connection() as conn:
        await conn.execute("TRUNCATE observations, rollups")
    yield ObservationWriter(pool, calendar_tz=TZ)
    await pool.close()


async def write_shuffled(
    writer: ObservationWriter, items: list[Reading], rng: random.Random
) -> None:
    items = items[:]
    rng.shuffle(items)
    received = datetime.now(UTC)
    i = 0
    while i < len(items):
        n = rng.randint(1, 400)
        batch: list[Received] = [(r, received) for r in items[i : i + n]]
        await writer.write(batch)
        i += n


SOURCE_SQL = """
SELECT indicator, source, time_bucket(%(step)s::interval, ts, %(tz)s) AS bucket,
       count(*), sum(value), min(value), max(value), last(value, ts)
FROM observations WHERE NOT coalesce(labels->>'arrives_as' = 'increment', false)
GROUP BY 1, 2, 3
"""
ROLLUP_SQL = """
SELECT r.indicator, r.source, r.bucket, r.count, r.sum, r.min, r.max, r.last
FROM rollups r WHERE r.width = %(width)s AND r.source <> '*'
  AND (r.indicator, r.source) IN (SELECT DISTINCT indicator, source FROM observations
                                  WHERE NOT coalesce(labels->>'arrives_as' = 'increment', false))
"""


def as_map(rows: list[tuple[object, ...]]) -> dict[tuple[object, ...], tuple[float, ...]]:
    return {tuple(r[:3]): tuple(round(float(str(x)), 6) for x in r[3:]) for r in rows}


def fetch(dsn: str, query: str, params: dict[str, object]) -> list[tuple[object, ...]]:
    with psycopg.connect(dsn) as conn:
        conn.execute("SET TimeZone = 'Asia/Shanghai'")
        return conn.execute(query, params).fetchall()


def assert_rollups_match_raw(dsn: str) -> None:
    for width, step in WIDTHS.items():
        expected = as_map(fetch(dsn, SOURCE_SQL, {"step": step, "tz": TZ}))
        got = as_map(fetch(dsn, ROLLUP_SQL, {"width": width}))
        assert got == expected, f"{width} rollups differ from the raw observations"
    # City mean of stations, per day: the mean of the stations' daily means.
    city = as_map(
        fetch(
            dsn,
            """
        SELECT 'air.pm25', '*', bucket, avg(m) FROM (
            SELECT source, time_bucket('1 day', ts, 'Asia/Shanghai') AS bucket, avg(value) AS m
            FROM observations WHERE indicator = 'air.pm25' GROUP BY 1, 2) s
        GROUP BY bucket""",
            {},
        )
    )
    got = as_map(
        fetch(
            dsn,
            """SELECT indicator, source, bucket, mean FROM rollups
        WHERE indicator = 'air.pm25' AND width = 'day' AND source = '*'""",
            {},
        )
    )
    assert got == city
    # City sum of terminals, per month.
    flow = as_map(
        fetch(
            dsn,
            """
        SELECT 'port.container_teu', '*', time_bucket('1 month', ts, 'Asia/Shanghai'), sum(value)
        FROM observations WHERE indicator = 'port.container_teu' GROUP BY 3""",
            {},
        )
    )
    got = as_map(
        fetch(
            dsn,
            """SELECT indicator, source, bucket, sum FROM rollups
        WHERE indicator = 'port.container_teu' AND width = 'month' AND source = '*'""",
            {},
        )
    )
    assert got == flow
    # City stock per month: each district's last total so far (increments summed), added up.
    stock = as_map(
        fetch(
            dsn,
            """
        WITH months AS (SELECT DISTINCT time_bucket('1 month', ts, 'Asia/Shanghai') AS m
                        FROM observations WHERE indicator = 'telecom.5g_base_stations'),
        per AS (
            SELECT m.m, o.source,
                   CASE WHEN bool_or(o.labels->>'arrives_as' = 'increment') THEN sum(o.value)
                        ELSE last(o.value, o.ts) END AS level
            FROM months m JOIN observations o
              ON o.indicator = 'telecom.5g_base_stations' AND o.ts < m.m + interval '1 month'
            GROUP BY m.m, o.source)
        SELECT 'telecom.5g_base_stations', '*', m, sum(level) FROM per GROUP BY m""",
            {},
        )
    )
    got = as_map(
        fetch(
            dsn,
            """SELECT indicator, source, bucket, last FROM rollups
        WHERE indicator = 'telecom.5g_base_stations' AND width = 'month' AND source = '*'""",
            {},
        )
    )
    assert got == stock


@pytest.mark.parametrize("halves", [False, True], ids=["one transaction", "in halves"])
async def test_rollups_survive_redelivery_late_data_and_revisions(
    writer: ObservationWriter, test_dsn: str, halves: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    if halves:  # every batch written as two halves and a transaction for the city rows
        monkeypatch.setattr("services.storage.writer.SPLIT_ABOVE", 2)
        monkeypatch.setattr("services.storage.writer.FRONTIER_ABOVE", 1)
    rng = random.Random(633)
    data = scenario(rng)
    late = [r for r in data if rng.random() < 0.15]
    on_time = [r for r in data if r not in late]
    await write_shuffled(writer, on_time, rng)
    assert_rollups_match_raw(test_dsn)

    await write_shuffled(writer, late, rng)  # hours to months late
    await write_shuffled(writer, rng.sample(data, 300), rng)  # redelivery
    revised = [revise(r, r.value + 7) for r in rng.sample(data, 120)]
    await write_shuffled(writer, revised, rng)  # corrected figures
    assert_rollups_match_raw(test_dsn)

    with psycopg.connect(test_dsn) as conn:
        n = conn.execute("SELECT count(*) FROM observations").fetchone()
    assert n == (len(data),)


async def test_redelivered_batch_changes_nothing(writer: ObservationWriter, test_dsn: str) -> None:
    t0 = datetime(2026, 3, 1, tzinfo=UTC)
    batch: list[Received] = [
        (reading("air.pm25", "qd-x", t0 + timedelta(hours=i), 10 + i, "µg/m³"), t0)
        for i in range(48)
    ]
    first = await writer.write(batch)
    assert [(c.source, c.rows) for c in first] == [("qd-x", 48)]
    before = fetch(test_dsn, "SELECT * FROM rollups ORDER BY 1, 2, 3, 4", {})
    assert await writer.write(batch) == []
    assert fetch(test_dsn, "SELECT * FROM rollups ORDER BY 1, 2, 3, 4", {}) == before


def city_rows(dsn: str, indicator: str, width: str) -> list[tuple[object, ...]]:
    return fetch(
        dsn,
        "SELECT bucket, last, sum FROM rollups WHERE indicator = %(i)s AND width = %(w)s"
        " AND source = '*' ORDER BY bucket",
        {"i": indicator, "w": width},
    )


async def test_a_regions_own_figure_of_a_city_wide_indicator_stays_out_of_the_city_rows(
    writer: ObservationWriter, test_dsn: str
) -> None:
    """A single city-wide figure (the city's urbanisation rate, its count of tech SMEs) and
    the West Coast New Area's own: the city rows are the city's figure, not their sum; the
    area's figure stays in its source rows for its regional targets. Districts of a summed
    indicator (charging piles) are parts of the city, the area's included."""
    wc = "west-coast-new-area"
    ends = [datetime(y, 12, 31, 15, tzinfo=UTC) for y in (2023, 2024, 2025)]
    rows: list[Reading] = []
    for i, ts in enumerate(ends):
        rows += [
            reading("people.urbanisation_rate", "qd-stats", ts, 77.9 + i, "%"),
            reading("people.urbanisation_rate", "wc-stats", ts, 80.1 + i, "%", wc),
            reading("economy.tech_smes", "qd-stats", ts, 8000 + 900 * i, "enterprises"),
            reading("economy.tech_smes", "wc-stats", ts, 950 + 150 * i, "enterprises", wc),
            reading("power.ev_charging_piles", "huangdao", ts, 9000 + 1500 * i, "piles", wc),
            reading("power.ev_charging_piles", "shinan", ts, 5000 + 800 * i, "piles", "shinan"),
        ]
    await write_shuffled(writer, rows, random.Random(20))
    for width in ("day", "month", "year"):
        rate = city_rows(test_dsn, "people.urbanisation_rate", width)
        assert [round(float(str(r[1])), 3) for r in rate] == [77.9, 78.9, 79.9], width
        smes = city_rows(test_dsn, "economy.tech_smes", width)
        assert [float(str(r[1])) for r in smes] == [8000, 8900, 9800], width
        piles = city_rows(test_dsn, "power.ev_charging_piles", width)
        assert [float(str(r[1])) for r in piles] == [14000, 16300, 18600], width
    regional = fetch(
        test_dsn,
        "SELECT last FROM rollups WHERE indicator = 'people.urbanisation_rate'"
        " AND source = 'wc-stats' AND width = 'year' ORDER BY bucket",
        {},
    )
    assert [round(float(str(r[0])), 3) for r in regional] == [80.1, 81.1, 82.1]

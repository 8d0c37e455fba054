"""Year-to-date figures stored as flows: the writer differences them against what is stored
(January reset, missing months, months out of order, revisions, redelivery), refuses an
implausible one, and the rollups equal SQL over the differenced flows."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import psycopg
import pytest

from services.indicators.catalogue import load_catalogue
from services.indicators.city import CITY_TZ
from services.indicators.readings import Reading, validate_record
from services.storage import ReadingsRefused
from services.storage.catalogue_sync import sync_catalogue
from services.storage.pool import open_pool
from services.storage.writer import ObservationWriter, Received

pytestmark = pytest.mark.integration

TZ = "Asia/Shanghai"
CATALOGUE = load_catalogue()
NOW = datetime(2027, 1, 1, tzinfo=UTC)
RECEIVED = datetime(2026, 12, 1, tzinfo=UTC)
IND = "port.sea_rail_teu"  # monthly, 0–500 000 TEU a month


def month(m: int, year: int = 2025) -> datetime:
    return datetime(year, m, 28, tzinfo=CITY_TZ)


def ytd(source: str, ts: datetime, value: object, unit: str = "TEU", ind: str = IND) -> Received:
    raw = {"indicator": ind, "source": source, "ts": ts.isoformat(), "value": value, "unit": unit,
           "labels": {"arrives_as": "ytd"}}  # fmt: skip
    got = validate_record(raw, 0, CATALOGUE, NOW)
    assert isinstance(got, Reading), got
    return got, RECEIVED


@pytest.fixture
async def writer(test_dsn: str) -> AsyncIterator[ObservationWriter]:
    pool = await open_pool(test_dsn)
    await pool.wait()
    await sync_catalogue(pool, CATALOGUE)
    async with pool.connection() as conn:
        await conn.execute("TRUNCATE observations, rollups")
    yield ObservationWriter(pool, calendar_tz=TZ)
    await pool.close()


def stored(dsn: str, source: str, ind: str = IND) -> list[tuple[object, ...]]:
    with psycopg.connect(dsn) as conn:
        conn.execute("SET TimeZone = 'Asia/Shanghai'")
        return conn.execute(
            "SELECT to_char(ts, 'YYYY-MM'), value, cumulative, raw_value, raw_unit, labels"
            " FROM observations WHERE indicator = %s AND source = %s ORDER BY ts",
            [ind, source],
        ).fetchall()


def flows(dsn: str, source: str) -> list[tuple[str, float]]:
    return [(str(r[0]), float(str(r[1]))) for r in stored(dsn, source)]


async def test_jan_then_feb_store_the_months_flows(
    writer: ObservationWriter, test_dsn: str
) -> None:
    teu = "port.container_teu"
    changes = await writer.write(
        [ytd("qd-a", month(1), "200万", "TEU", teu), ytd("qd-a", month(2), 420, "万标准箱", teu)]
    )
    assert [(c.source, c.rows) for c in changes] == [("qd-a", 2)]
    assert stored(test_dsn, "qd-a", teu) == [  # the raw value as sent, in the unit sent
        ("2025-01", 2_000_000.0, 2_000_000.0, 2_000_000.0, "TEU", {"arrives_as": "ytd"}),
        ("2025-02", 2_200_000.0, 4_200_000.0, 420.0, "万标准箱", {"arrives_as": "ytd"}),
    ]


async def test_out_of_order_gaps_revisions_and_a_new_year(
    writer: ObservationWriter, test_dsn: str
) -> None:
    w = writer.write
    await w([ytd("qd-b", month(1), 200), ytd("qd-b", month(3), 700)])  # February missing
    assert flows(test_dsn, "qd-b") == [("2025-01", 200), ("2025-03", 500)]
    await w([ytd("qd-b", month(2), 420)])  # the gap fills: March recomputed
    assert flows(test_dsn, "qd-b") == [("2025-01", 200), ("2025-02", 220), ("2025-03", 280)]
    changes = await w([ytd("qd-b", month(1), 210)])  # January revised: February follows
    assert flows(test_dsn, "qd-b") == [("2025-01", 210), ("2025-02", 210), ("2025-03", 280)]
    assert [(c.rows, c.first_ts, c.last_ts) for c in changes] == [(2, month(1), month(2))]
    assert await w([ytd("qd-b", month(2), 420)]) == []  # redelivered: nothing changes
    await w([ytd("qd-b", month(1, 2026), 90), ytd("qd-b", month(12), 5000)])  # a new year
    assert flows(test_dsn, "qd-b")[-2:] == [("2025-12", 4300), ("2026-01", 90)]


@pytest.mark.parametrize("halves", [False, True], ids=["one transaction", "in halves"])
async def test_an_implausible_figure_is_refused_and_nothing_stored(
    writer: ObservationWriter, test_dsn: str, halves: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    if halves:  # refusals found in a half are said by their places in the whole batch
        monkeypatch.setattr("services.storage.writer.SPLIT_ABOVE", 2)
        monkeypatch.setattr("services.storage.writer.FRONTIER_ABOVE", 1)
    await writer.write([ytd("qd-c", month(1), 200), ytd("qd-c", month(3), 700)])
    batch = [ytd("qd-c", month(4), 650), ytd("qd-c", month(2), 800), ytd("qd-c", month(5), 900)]
    batch[1:1] = [ytd(f"qd-other-{i}", month(1), 10) for i in range(6)]  # in either half
    with pytest.raises(ReadingsRefused) as refused:
        await writer.write(batch)
    assert [i for i, _ in refused.value.refusals] == [0, 7]
    first, second = (reason for _, reason in refused.value.refusals)
    assert (
        "year-to-date total 650 TEU at 2025-04-28T00:00:00+08:00 of port.sea_rail_teu/qd-c: "
        "its flow since the total of 700 TEU"
        in first
        and "would be -50 TEU" in first
    )
    assert "the flow of the next figure (700 TEU at 2025-03-28" in second
    assert flows(test_dsn, "qd-c") == [("2025-01", 200), ("2025-03", 500)]
    await writer.write([batch[8]])
    assert flows(test_dsn, "qd-c") == [("2025-01", 200), ("2025-03", 500), ("2025-05", 200)]


MONTHLY = """
SELECT indicator, source, time_bucket(%(step)s::interval, ts, 'Asia/Shanghai'), count(*),
       sum(value)
FROM observations WHERE indicator = %(ind)s GROUP BY 1, 2, 3
UNION ALL
SELECT indicator, '*', time_bucket(%(step)s::interval, ts, 'Asia/Shanghai'), count(*),
       sum(value)
FROM observations WHERE indicator = %(ind)s GROUP BY 1, 3
"""
ROLLED = """
SELECT indicator, source, bucket, count, sum FROM rollups
WHERE indicator = %(ind)s AND width = %(width)s
"""


async def test_rollups_equal_sql_over_the_differenced_flows(
    writer: ObservationWriter, test_dsn: str
) -> None:
    rng = random.Random(2095)
    figures: list[Received] = []
    for source in ("qqct", "qdport"):
        for year in (2024, 2025):
            total = 0
            for m in range(1, 13):
                total += rng.randint(10_000, 200_000)
                if rng.random() < 0.15:
                    continue  # a month never published: the next figure spans it
                figures.append(ytd(source, month(m, year), total))
    rng.shuffle(figures)
    for i in range(0, len(figures), 7):  # out of order, in small batches
        await writer.write(figures[i : i + 7])
    revised = [ytd(r.source, r.ts, r.value + 5_000) for r, _ in rng.sample(figures, 8)]
    await writer.write(revised[:4])
    await writer.write(revised[4:])
    await writer.write(rng.sample(figures, 10))  # redelivery

    with psycopg.connect(test_dsn) as conn:
        conn.execute("SET TimeZone = 'Asia/Shanghai'")
        for width, step in (("month", "1 month"), ("year", "1 year")):
            want = conn.execute(MONTHLY, {"ind": IND, "step": step}).fetchall()
            got = conn.execute(ROLLED, {"ind": IND, "width": width}).fetchall()
            as_map = lambda rows: {r[:3]: (int(r[3]), round(float(r[4]), 6)) for r in rows}  # noqa: E731
            assert as_map(got) == as_map(want), width
        # every flow is the difference of its total and the one before it in its year
        bad = conn.execute(
            """
            SELECT source, ts FROM (
                SELECT source, ts, value, cumulative - coalesce(lag(cumulative) OVER (
                    PARTITION BY source, date_trunc('year', ts) ORDER BY ts), 0) AS flow
                FROM observations WHERE indicator = %s) x
            WHERE value <> flow""",
            [IND],
        ).fetchall()
        assert bad == []
        # and the year's flows add up to the year's last total
        years = conn.execute(
            """SELECT source, date_trunc('year', ts), sum(value), max(cumulative)
               FROM observations WHERE indicator = %s GROUP BY 1, 2""",
            [IND],
        ).fetchall()
    assert years and all(abs(float(s) - float(c)) < 1e-6 for _, _, s, c in years)

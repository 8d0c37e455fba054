"""The rollups merged from each batch equal the rollups recomputed from the raw observations
(tests/integration/storage/rollup_oracle.py), case by case — inserts only, out-of-order data,
revisions beside inserts, redelivery, a key twice in one batch, stocks sent as increments
(late ones too), stocks carried forward for a silent source, a batch written in halves, the
region of the newest reading kept, a region's own figure of a single city-wide indicator left
out of the city rows — and for random sequences of such batches (hypothesis)."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.indicators.catalogue import load_catalogue
from services.indicators.readings import Reading, validate_record
from services.storage.catalogue_sync import sync_catalogue
from services.storage.pool import open_pool
from services.storage.writer import ObservationWriter, Received
from tests.integration.storage.rollup_oracle import differences, expected, stored

pytestmark = pytest.mark.integration

CATALOGUE = load_catalogue()
NOW = datetime(2027, 1, 1, tzinfo=UTC)
T0 = datetime(2025, 12, 31, 14, tzinfo=UTC)  # 22:00 in the city: hours cross a day and a year
UNITS = {
    "air.pm25": "µg/m³",
    "port.container_teu": "TEU",
    "telecom.5g_base_stations": "个",
    "people.urbanisation_rate": "%",
    "economy.tech_smes": "enterprises",
}
INDICATORS = {
    "pm": "air.pm25",
    "teu": "port.container_teu",
    "5g": "telecom.5g_base_stations",
    "urb": "people.urbanisation_rate",  # a ratio, one city-wide source
    "smes": "economy.tech_smes",  # a stock, one city-wide source
}
WC = "west-coast-new-area"


@dataclass(frozen=True)
class R:
    """A reading of a case: indicator (by a short name), source, hours after T0, value, and
    the region it reports for, if any."""

    what: str
    source: str
    hour: float
    value: float
    increment: bool = False
    region: str | None = None

    def reading(self) -> Received:
        ind = INDICATORS[self.what]
        raw: dict[str, object] = {
            "indicator": ind, "source": self.source, "unit": UNITS[ind], "value": self.value,
            "ts": (T0 + timedelta(hours=self.hour)).isoformat(),
        }  # fmt: skip
        if self.increment:
            raw["labels"] = {"arrives_as": "increment"}
        if self.region is not None:
            raw["region"] = self.region
        got = validate_record(raw, 0, CATALOGUE, NOW)
        assert isinstance(got, Reading), got
        return got, NOW


def pm(source: str, hour: float, value: float) -> R:
    return R("pm", source, hour, value)


CASES: dict[str, list[list[R]]] = {
    "inserts only, in order": [
        [pm("a", h, 10 + h) for h in range(6)],
        [pm("a", h, 10 + h) for h in range(6, 30)] + [pm("b", h, 50) for h in range(30)],
    ],
    "out of order: late hours and an earlier day": [
        [pm("a", h, 20) for h in range(24, 30)],
        [pm("a", h, 5 + h) for h in range(0, 24, 3)],  # a day (and a year) earlier
        [pm("a", h + 0.5, 7) for h in range(0, 30, 5)],  # into hours that exist
    ],
    "revisions beside inserts in one batch": [
        [pm("a", h, 30) for h in range(10)] + [pm("b", h, 40) for h in range(10)],
        [pm("a", 3, 99), pm("a", 4, 1), pm("b", 20, 5), pm("b", 21, 6), pm("a", 30, 2)],
    ],
    "a redelivered batch": [
        [pm("a", h, h) for h in range(8)],
        [pm("a", h, h) for h in range(8)],
        [pm("a", h, h) for h in range(4, 12)],
    ],
    "the same key twice in one batch: the last stands": [
        [pm("a", 1, 10), pm("a", 2, 20), pm("a", 1, 15)],
    ],
    "flows summed over terminals": [
        [R("teu", "qqct", h * 7, 1000 + h) for h in range(10)],
        [R("teu", "dgk", h * 5, 500) for h in range(12)] + [R("teu", "qqct", 3, 7)],
    ],
    "stocks sent as increments, a late one cascading": [
        [R("5g", "op2", h * 200, 10, True) for h in range(1, 6)],
        [R("5g", "op2", 100, 3, True), R("5g", "op2", 1100, -2, True)],  # one late, one new
    ],
    "stock totals carried forward for a silent source": [
        [R("5g", "shinan", h * 300, 3000 + h) for h in range(5)],
        [R("5g", "shibei", 10, 2000), R("5g", "shibei", 1500, 2100)],  # silent in between
        [R("5g", "shinan", 600, 3500), R("5g", "op2", 400, 20, True)],  # a revision, an increment
    ],
    "the region of a series' newest reading": [
        [pm("a", h, 10) for h in range(4)] + [R("pm", "a", 4, 11, region="shinan")],
        [R("pm", "a", 1.5, 12, region="laoshan"), R("pm", "b", 2, 9, region="shibei")],
        [R("pm", "a", 4, 13)],  # a revision that drops the region
    ],
    "a region's own figure of a single city-wide indicator": [
        [R("urb", "qd-stats", h * 400, 77.9 + h) for h in range(3)]
        + [R("urb", "wc-stats", h * 400, 80.1 + h, region=WC) for h in range(3)],
        [R("smes", "qd-stats", h * 400, 8000 + 900 * h) for h in range(3)]
        + [R("smes", "wc-stats", h * 400, 950 + 150 * h, region=WC) for h in range(3)],
        [R("urb", "wc-stats", 1300, 83.0, region=WC), R("smes", "qd-stats", 1300, 10_000)],
    ],
}


@pytest.fixture
async def writer(test_dsn: str) -> AsyncIterator[ObservationWriter]:
    pool = await open_pool(test_dsn)
    await pool.wait()
    await sync_catalogue(pool, CATALOGUE)
    async with pool.connection() as conn:
        await conn.execute("TRUNCATE observations, rollups")
    yield ObservationWriter(pool, calendar_tz="Asia/Shanghai")
    await pool.close()


def check(dsn: str) -> None:
    obs, rollups = stored(dsn)
    assert differences(rollups, expected(obs, CATALOGUE)) == []


# The writer's ways: the upsert alone (a batch of few readings), the latest hour of each
# series looked up first (a large one), and two halves on two connections (a larger one).
MODES = {"few": (10**9, 10**9), "latest hours first": (1, 10**9), "in halves": (1, 2)}


def mode(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    frontier, split = MODES[name]
    monkeypatch.setattr("services.storage.writer.FRONTIER_ABOVE", frontier)
    monkeypatch.setattr("services.storage.writer.SPLIT_ABOVE", split)


@pytest.mark.parametrize("way", list(MODES))
@pytest.mark.parametrize("case", list(CASES))
async def test_merged_rollups_equal_recomputed_ones(
    writer: ObservationWriter,
    test_dsn: str,
    case: str,
    way: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    mode(monkeypatch, way)
    for batch in CASES[case]:
        await writer.write([r.reading() for r in batch])
        check(test_dsn)


# ── random sequences of batches ────────────────────────────────────────────────────────────

reading = st.builds(
    R,
    what=st.sampled_from(["pm", "pm", "teu", "5g", "smes"]),
    source=st.sampled_from(["a", "b", "c"]),
    hour=st.sampled_from([0, 0.5, 1, 9.75, 10, 23, 24, 26, 200, 900, 1000]),
    value=st.integers(0, 400).map(float),
)
# A source reports for one region (or none) here: the source of a single city-wide figure that
# takes up a region later leaves the city rows it was in as they were (storage/rollups.py).
REGIONS = {"a": None, "b": "shinan", "c": WC}


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    batches=st.lists(st.lists(reading, min_size=1, max_size=12), min_size=1, max_size=6),
    way=st.sampled_from(list(MODES)),
    seed=st.integers(0, 1000),
)
def test_random_batches_land_on_the_recomputed_rollups(
    test_dsn: str, batches: list[list[R]], way: str, seed: int
) -> None:
    rng = random.Random(seed)
    done: list[list[R]] = []
    for batch in batches:  # now and then a batch comes again
        done.append(batch)
        if rng.random() < 0.2:
            done.append(rng.choice(done))
    asyncio.run(_write_all(test_dsn, done, way))
    check(test_dsn)


async def _write_all(dsn: str, batches: Sequence[list[R]], way: str) -> None:
    pool = await open_pool(dsn)
    try:
        await pool.wait()
        await sync_catalogue(pool, CATALOGUE)
        async with pool.connection() as conn:
            await conn.execute("TRUNCATE observations, rollups")
        writer = ObservationWriter(pool, calendar_tz="Asia/Shanghai")
        import services.storage.writer as module

        before = module.FRONTIER_ABOVE, module.SPLIT_ABOVE
        module.FRONTIER_ABOVE, module.SPLIT_ABOVE = MODES[way]
        try:
            for batch in batches:
                # a stock's series either sends totals or increments, not both
                fixed = [
                    R(
                        r.what,
                        r.source,
                        r.hour,
                        r.value,
                        r.what == "5g" and r.source == "c",
                        REGIONS[r.source],
                    )
                    for r in batch
                ]
                await writer.write([r.reading() for r in fixed])
        finally:
            module.FRONTIER_ABOVE, module.SPLIT_ABOVE = before
    finally:
        await pool.close()


def test_the_oracle_sees_a_wrong_rollup(test_dsn: str) -> None:
    """The check above can fail: a rollup off by one is found."""
    asyncio.run(_write_all(test_dsn, [[pm("a", 1, 10), pm("a", 2, 20)]], "few"))
    with psycopg.connect(test_dsn) as conn:
        conn.execute("UPDATE rollups SET count = count + 1 WHERE width = 'day' AND source = 'a'")
    obs, rollups = stored(test_dsn)
    found = differences(rollups, expected(obs, CATALOGUE))
    assert len(found) == 2 and all("'day', 'a'" in d and ": stored (2.0, " in d for d in found)

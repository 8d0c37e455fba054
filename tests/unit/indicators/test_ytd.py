"""Year-to-date totals into flows: a row per case, what is stored and what comes in, and the
flows, revisions and refusals expected."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.indicators.city import CITY_TZ
from services.indicators.ytd import Describe, Plausible, difference, year_of


def m(month: int, year: int = 2025) -> datetime:
    """The figure of a month, stamped on its 28th (city time)."""
    return datetime(year, month, 28, tzinfo=CITY_TZ)


W = 10_000  # 万
CASES = [
    # (name, stored {ts: (total, flow)}, incoming [(ts, total)], flows by position,
    #  revised {ts: flow}, refused positions)
    ("Jan then Feb: 200万 and 420万 store 200万 and 220万",
     {}, [(m(1), 200 * W), (m(2), 420 * W)], {0: 200 * W, 1: 220 * W}, {}, []),
    ("Feb after a stored Jan",
     {m(1): (200 * W, 200 * W)}, [(m(2), 420 * W)], {0: 220 * W}, {}, []),
    ("January resets: the first figure of a year is its own flow",
     {m(11, 2024): (4600 * W, 4600 * W), m(12, 2024): (5000 * W, 400 * W)}, [(m(1), 200 * W)],
     {0: 200 * W}, {}, []),
    ("a missing month: March spans February and March",
     {m(1): (200, 200)}, [(m(3), 700)], {0: 500}, {}, []),
    ("the gap filled: February arrives late, March's flow is recomputed",
     {m(1): (200, 200), m(3): (700, 500)}, [(m(2), 420)], {0: 220}, {m(3): 280}, []),
    ("an earlier month revised: January up, February's flow down",
     {m(1): (200, 200), m(2): (420, 220)}, [(m(1), 210)], {0: 210}, {m(2): 210}, []),
    ("months out of order in one batch",
     {}, [(m(3), 700), (m(1), 200), (m(2), 420)], {0: 280, 1: 200, 2: 220}, {}, []),
    ("a redelivered figure changes nothing",
     {m(1): (200, 200), m(2): (420, 220)}, [(m(2), 420)], {0: 220}, {}, []),
    ("the same month twice in a batch: the later one stands",
     {}, [(m(1), 200), (m(1), 210)], {1: 210}, {}, []),
    ("a total below the one before: its flow would be negative",
     {m(1): (200, 200), m(2): (420, 220)}, [(m(3), 400)], {}, {}, [0]),
    ("a total above the next one: the next flow would be negative",
     {m(1): (200, 200), m(3): (700, 500)}, [(m(2), 800)], {}, {}, [0]),
    ("a flow above the plausible range",
     {}, [(m(1), 6_000_000 * W)], {}, {}, [0]),
    ("a refused figure leaves the others of the batch alone",
     {m(1): (200, 200)}, [(m(2), 100), (m(3), 700)], {1: 500}, {}, [0]),
    ("a revision taken first lets a figure through that was refused before it",
     {m(1): (200, 200), m(2): (420, 220)}, [(m(1), 100), (m(2), 150)], {0: 100, 1: 50}, {}, []),
    ("years apart: a January figure does not difference December's",
     {m(11, 2024): (800, 800), m(12, 2024): (900, 100)}, [(m(1), 50), (m(2), 80)],
     {0: 50, 1: 30}, {}, []),
    ("the city's calendar decides the year: 20:00 UTC on 31 December is the next year",
     {datetime(2025, 12, 1, tzinfo=CITY_TZ): (900, 900)},
     [(datetime(2025, 12, 31, 20, tzinfo=UTC), 30)], {0: 30}, {}, []),
    ("a figure on 31 December before 16:00 UTC is the same year",
     {datetime(2025, 12, 1, tzinfo=CITY_TZ): (900, 900)},
     [(datetime(2025, 12, 31, 15, tzinfo=UTC), 930)], {0: 30}, {}, []),
]  # fmt: skip


@pytest.mark.parametrize(
    ("stored", "incoming", "flows", "revised", "refused"),
    [c[1:] for c in CASES],
    ids=[c[0] for c in CASES],
)
def test_difference(
    stored: dict[datetime, tuple[float, float]],
    incoming: list[tuple[datetime, float]],
    flows: dict[int, float],
    revised: dict[datetime, float],
    refused: list[int],
) -> None:
    got = difference(stored, incoming, plausible=Plausible(0, 5_000_000 * W), tz=CITY_TZ)
    assert got.flows == flows
    assert got.revised == revised
    assert [r.position for r in got.refused] == refused


def test_a_refusal_says_which_flow_and_why() -> None:
    stored = {m(1): (200.0, 200.0), m(3): (700.0, 500.0)}
    say = Describe("port.sea_rail_teu/qqct", "TEU")
    (own,) = difference(
        stored, [(m(2), 150)], plausible=Plausible(0, 500), tz=CITY_TZ, describe=say
    ).refused
    assert own.reason.startswith(
        "year-to-date total 150 TEU at 2025-02-28T00:00:00+08:00 of port.sea_rail_teu/qqct: its "
        "flow since the total of 200 TEU at 2025-01-28T00:00:00+08:00 would be -50 TEU, outside "
        "the plausible range 0 TEU to 500 TEU"
    )
    (nxt,) = difference(
        stored, [(m(2), 800)], plausible=Plausible(0, 5000), tz=CITY_TZ, describe=say
    ).refused
    assert "the flow of the next figure (700 TEU at 2025-03-28T00:00:00+08:00)" in nxt.reason
    assert "would be -100 TEU" in nxt.reason


MONTHLY = Plausible(0, 500, timedelta(days=30))


@pytest.mark.parametrize(
    ("stored", "incoming", "refused"),
    [
        ({}, [(m(1), 500)], False),
        ({}, [(m(1), 501)], True),
        ({}, [(m(10), 4900)], False),  # the first of the year to arrive spans ten months
        ({}, [(m(10), 5100)], True),
        ({m(1): (400, 400)}, [(m(3), 1350)], False),  # a missing month: two months' worth
        ({m(1): (400, 400)}, [(m(3), 1450)], True),
        ({m(1): (400, 400), m(3): (1350, 950)}, [(m(2), 500)], True),  # March is one month now
        ({m(1): (400, 400), m(3): (1350, 950)}, [(m(2), 900)], False),
    ],
)
def test_the_plausible_range_is_a_periods_times_the_periods_spanned(
    stored: dict[datetime, tuple[float, float]],
    incoming: list[tuple[datetime, float]],
    refused: bool,
) -> None:
    got = difference(stored, incoming, plausible=MONTHLY, tz=CITY_TZ)
    assert bool(got.refused) == refused
    if refused:
        assert "reporting periods" in got.refused[0].reason or "0 to 500;" in got.refused[0].reason


def test_year_of_is_the_city_calendar_year() -> None:
    assert year_of(datetime(2025, 12, 31, 15, 59, tzinfo=UTC), CITY_TZ) == 2025
    assert year_of(datetime(2025, 12, 31, 16, 0, tzinfo=UTC), CITY_TZ) == 2026

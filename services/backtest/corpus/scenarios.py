"""The labelled scenarios: every target kind, every behaviour a feed shows.

Each scenario writes its own small plan (the targets it is about, with explicit
baselines), generates its history from a seed, and says what must happen: which targets
stay quiet, which drift (from which change point) and must be caught, which feeds must be
reported, and each target's final status. Outcomes the truth depends on are fixed by
construction (a deadline year scaled to an exact total, a level scaled to an exact mean),
never left to the noise.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta
from functools import partial
from random import Random

from services.backtest.corpus.model import FeedTruth, Record, Scenario, TargetTruth
from services.backtest.corpus.shapes import (
    PM25_SEASON,
    TEU_SEASON,
    air_hourly,
    daily_flow,
    local,
    monthly_flow,
    monthly_series,
    scale_year,
)

__all__ = ["SCENARIOS"]

FLAT = (1 / 12,) * 12
START_23 = local(date(2023, 1, 1))
START_AIR = local(date(2024, 4, 1))
AFTER_2025 = local(date(2026, 2, 20))  # December's reports are in by then
DATA_END = date(2026, 3, 1)  # feeds go on after the deadline, as they do
PAGE_FROM_2025 = date(2025, 7, 1)  # within half a year of a 2025 deadline a page can be due
AIR_STATIONS = {"st-shinan": 1.05, "st-licang": 0.95, "st-huangdao": 1.0}


def _target(
    tid: str,
    indicator: str,
    comparator: str,
    value: float,
    unit: str,
    kind: str,
    *,
    baseline: float | None,
    deadline: str = "2025-12-31",
    path: str = "linear",
    profile: Sequence[float] | None = None,
) -> str:
    base = (
        "{from_data: true}"
        if baseline is None
        else f"{{value: {baseline!r}, unit: {_q(unit)}, date: 2022-12-31}}"
    )
    if profile is None:
        trajectory = path
    else:
        weights = ", ".join(f"{w:g}" for w in profile)
        trajectory = f"{{shape: seasonal, path: {path}, monthly_profile: [{weights}]}}"
    return (
        f"  - id: {tid}\n"
        f"    indicator: {indicator}\n"
        f'    comparator: "{comparator}"\n'
        f"    value: {value!r}\n"
        f"    unit: {_q(unit)}\n"
        f"    deadline: {deadline}\n"
        f"    kind: {kind}\n"
        f"    baseline: {base}\n"
        f"    trajectory: {trajectory}\n"
        f"    scope: city\n"
        f"    source_clause: scenario\n"
        f"    source_text: 场景目标 {tid}\n"
    )


def _q(unit: str) -> str:
    return f'"{unit}"'


def _months_since(d: date, since: date) -> int:
    return (d.year - since.year) * 12 + d.month - since.month


# ── air: PM2.5 annual mean (level-mean) ────────────────────────────────────────────────

PM25_PLAN = _target(
    "air.pm25.2025", "air.pm25", "<=", 30.0, "µg/m³", "level-mean", baseline=35.0,
    profile=(50, 42, 36, 30, 26, 23, 19, 16, 18, 23, 33, 44),
)  # fmt: skip


def _pm25(
    level: Callable[[date], float],
    *,
    year_mean: float | None = None,
    stations: dict[str, float] | None = None,
    silent: Callable[[str, datetime], bool] | None = None,
) -> Callable[[Random], Sequence[Record]]:
    def make(rng: Random) -> Sequence[Record]:
        made = air_hourly(
            rng,
            stations=stations or AIR_STATIONS,
            start=date(2024, 1, 1),
            end=DATA_END,
            level=level,
            silent=silent or (lambda _s, _t: False),
        )
        return _mean_2025(made, year_mean) if year_mean is not None else made

    return make


def _mean_2025(records: Sequence[Record], mean: float) -> list[Record]:
    """Scale 2025's concentrations so that the year's mean of daily city means is ``mean``."""
    by_day: dict[str, dict[str, list[float]]] = {}
    for r in records:
        ts = str(r["ts"])
        if ts.startswith("2025"):
            by_day.setdefault(ts[:10], {}).setdefault(str(r["source"]), []).append(
                float(str(r["value"]))
            )
    daily = [
        sum(sum(v) / len(v) for v in stations.values()) / len(stations)
        for stations in by_day.values()
    ]
    k = mean / (sum(daily) / len(daily))
    return [
        {**r, "value": round(float(str(r["value"])) * k, 3)}
        if str(r["ts"]).startswith("2025")
        else r
        for r in records
    ]


def _season(level: float) -> Callable[[date], float]:
    return lambda d: level * PM25_SEASON[d.month - 1]


def _drift_from(onset: date, before: float, after: float) -> Callable[[date], float]:
    return lambda d: (after if d >= onset else before) * PM25_SEASON[d.month - 1]


AIR: list[Scenario] = [
    Scenario(
        "pm25-comfortable",
        "PM2.5 well under the ceiling all along, with seasons and day-to-day weather",
        ("level-mean", "on track with noise", "seasonal"),
        PM25_PLAN,
        _pm25(_season(25.0), year_mean=24.5),
        START_AIR,
        AFTER_2025,
        (TargetTruth("air.pm25.2025", "quiet", "met"),),
    ),
    Scenario(
        "pm25-near-the-line",
        "PM2.5 ends the year at 29.7 against a ceiling of 30",
        ("level-mean", "exactly on the trajectory", "seasonal"),
        PM25_PLAN,
        _pm25(_season(30.0), year_mean=29.7),
        START_AIR,
        AFTER_2025,
        (TargetTruth("air.pm25.2025", "near", "met"),),
    ),
    Scenario(
        "pm25-drift",
        "PM2.5 rises by 40 % from May 2025 (a new industrial source)",
        ("level-mean", "drift"),
        PM25_PLAN,
        _pm25(_drift_from(date(2025, 5, 1), 26.0, 44.0)),
        START_AIR,
        AFTER_2025,
        (TargetTruth("air.pm25.2025", "catch", "missed", date(2025, 5, 1), PAGE_FROM_2025),),
        threshold_alerts_expected=True,
    ),
    Scenario(
        "pm25-outage-insufficient",
        "every station down for three weeks of February 2025: the year is not valid",
        ("level-mean", "gaps", "validity"),
        PM25_PLAN,
        _pm25(
            _season(25.0),
            silent=lambda _s, t: date(2025, 2, 3) <= t.date() < date(2025, 2, 24),
        ),
        START_AIR,
        AFTER_2025,
        (TargetTruth("air.pm25.2025", "quiet", "insufficient_data"),),
        feeds=tuple(FeedTruth(f"air.pm25/{s}", date(2025, 2, 11)) for s in AIR_STATIONS),
    ),
    Scenario(
        "pm25-silent-station",
        "one of three stations falls silent in March 2025; the others carry the city",
        ("level-mean", "a silent station"),
        PM25_PLAN,
        _pm25(
            _season(25.0),
            silent=lambda s, t: s == "st-licang" and t.date() >= date(2025, 3, 10),
        ),
        START_AIR,
        AFTER_2025,
        (TargetTruth("air.pm25.2025", "quiet", "met"),),
        feeds=(FeedTruth("air.pm25/st-licang", date(2025, 3, 18)),),
    ),
    Scenario(
        "pm25-new-station",
        "a fourth station joins in May 2025, cleaner than the others",
        ("level-mean", "a new station"),
        PM25_PLAN,
        _pm25(
            _season(25.0),
            stations={**AIR_STATIONS, "st-laoshan": 0.8},
            silent=lambda s, t: s == "st-laoshan" and t.date() < date(2025, 5, 6),
        ),
        START_AIR,
        AFTER_2025,
        (TargetTruth("air.pm25.2025", "quiet", "met"),),
    ),
]

# ── air: good-air days (a ratio counted in days) and heavily polluted days (a flow) ──

GOOD_PLAN = _target(
    "air.good_days_ratio.2025", "air.good_days_ratio", ">=", 88.8, "%", "ratio", baseline=85.0,
    profile=(72, 76, 82, 88, 86, 86, 95, 98, 97, 95, 88, 80),
)  # fmt: skip
HEAVY_PLAN = _target(
    "air.heavy_pollution_days.2025", "air.heavy_pollution_days", "<=", 0.0, "days", "flow",
    baseline=4.0,
)  # fmt: skip


def _episode(days_: set[date], level: float) -> Callable[[date], float]:
    return lambda d: 190.0 if d in days_ else level * PM25_SEASON[d.month - 1]


AIR += [
    Scenario(
        "good-days-all-good",
        "every day good from the start: the plan's profile expects fewer good days in winter",
        ("ratio", "far ahead", "seasonal"),
        GOOD_PLAN,
        _pm25(lambda d: 14.0 * PM25_SEASON[d.month - 1] ** 0.5),
        START_AIR,
        AFTER_2025,
        (TargetTruth("air.good_days_ratio.2025", "quiet", "met"),),
    ),
    Scenario(
        "good-days-comfortable",
        "about 95 % of days good, winter the worst",
        ("ratio", "on track with noise", "seasonal"),
        GOOD_PLAN,
        _pm25(_season(25.0)),
        START_AIR,
        AFTER_2025,
        (TargetTruth("air.good_days_ratio.2025", "quiet", "met"),),
    ),
    Scenario(
        "good-days-drift",
        "from June 2025 the air worsens: many more polluted days",
        ("ratio", "drift"),
        GOOD_PLAN,
        _pm25(_drift_from(date(2025, 6, 1), 25.0, 110.0)),
        START_AIR,
        AFTER_2025,
        (
            TargetTruth(
                "air.good_days_ratio.2025", "catch", "missed", date(2025, 6, 1), PAGE_FROM_2025
            ),
        ),
        threshold_alerts_expected=True,  # winter hours above 150 µg/m³ are heavy pollution
    ),
    Scenario(
        "heavy-days-none",
        "no heavily polluted day in two years",
        ("flow", "on track with noise", "day flags"),
        HEAVY_PLAN,
        _pm25(_season(22.0)),
        START_AIR,
        AFTER_2025,
        (TargetTruth("air.heavy_pollution_days.2025", "quiet", "met"),),
    ),
    Scenario(
        "heavy-days-episode",
        "a two-day pollution episode in January 2025 breaks the ceiling of zero",
        ("flow", "collapse", "day flags"),
        HEAVY_PLAN,
        _pm25(_episode({date(2025, 1, 14), date(2025, 1, 15)}, 22.0)),
        START_AIR,
        AFTER_2025,
        (
            TargetTruth(
                "air.heavy_pollution_days.2025",
                "catch",
                "missed",
                date(2025, 1, 14),
                date(2025, 1, 14),
            ),
        ),  # fmt: skip
        threshold_alerts_expected=True,
    ),
    Scenario(
        "heavy-days-no-data-in-year",
        "the stations stop at the end of 2024: nothing is known of 2025",
        ("flow", "no data in the target year"),
        HEAVY_PLAN,
        _pm25(_season(22.0), silent=lambda _s, t: t.date() >= date(2025, 1, 1)),
        START_AIR,
        AFTER_2025,
        (TargetTruth("air.heavy_pollution_days.2025", "quiet", "no_data"),),
        feeds=tuple(FeedTruth(f"air.pm25/{s}", date(2025, 1, 9)) for s in AIR_STATIONS),
    ),
]

# ── flows summed from daily data (containers) ──────────────────────────────────────────

TEU_PLAN = _target(
    "port.container_teu.2025", "port.container_teu", ">=", 26_000_000.0, "TEU", "flow",
    baseline=25_670_000.0, profile=tuple(w * 1000 for w in TEU_SEASON),
)  # fmt: skip


def _teu_expected(year: int) -> float:
    """The plan's yearly total for ``year`` on its linear path from 2022 to 2025."""
    return 25_670_000.0 + (26_000_000.0 - 25_670_000.0) * (year - 2022) / 3


def _teu(
    ahead: float,
    *,
    factor: Callable[[date], float] = lambda _d: 1.0,
    final: float | None = None,
    lag: timedelta = timedelta(hours=10),
    missing: Callable[[date], bool] = lambda _d: False,
) -> Callable[[Random], Sequence[Record]]:
    def make(rng: Random) -> Sequence[Record]:
        made = daily_flow(
            rng,
            indicator="port.container_teu",
            unit="TEU",
            source="qdport",
            start=date(2023, 1, 1),
            end=DATA_END,
            annual=lambda y: _teu_expected(y) * ahead,
            season=TEU_SEASON,
            factor=factor,
            lag=lag,
            missing=missing,
        )
        return scale_year(made, 2025, final) if final is not None else made

    return make


def _from(onset: date, k: float) -> Callable[[date], float]:
    return lambda d: k if d >= onset else 1.0


def _revised(rng: Random) -> Sequence[Record]:
    """First reports 12 % low, the true figure two weeks later (same ts, later arrival)."""
    true = _teu(1.06)(rng)
    out: list[Record] = []
    for r in true:
        first = {**r, "value": round(float(str(r["value"])) * 0.88, 3)}
        received = local(date.fromisoformat(str(r["ts"])[:10])) + timedelta(days=15)
        out += [first, {**r, "received_at": received.isoformat()}]
    return out


def _weekly_batches(rng: Random) -> Sequence[Record]:
    """Each Monday-to-Sunday week of daily figures received together the Tuesday after."""
    out: list[Record] = []
    for r in _teu(1.06)(rng):
        day = date.fromisoformat(str(r["ts"])[:10])
        tuesday = day + timedelta(days=8 - day.weekday())
        out.append({**r, "received_at": local(tuesday, 9).isoformat()})
    return out


FLOWS: list[Scenario] = [
    Scenario(
        "teu-daily-comfortable",
        "containers 6 % above the plan's path every year, with a weekly cycle",
        ("flow", "on track with noise", "weekly cycle", "seasonal"),
        TEU_PLAN,
        _teu(1.06),
        START_23,
        AFTER_2025,
        (TargetTruth("port.container_teu.2025", "quiet", "met"),),
    ),
    Scenario(
        "teu-daily-far-ahead",
        "containers 30 % above the path: the 2025 total is reached in October",
        ("flow", "far ahead"),
        TEU_PLAN,
        _teu(1.3),
        START_23,
        AFTER_2025,
        (TargetTruth("port.container_teu.2025", "quiet", "met"),),
    ),
    Scenario(
        "teu-daily-near-the-line",
        "containers on the path, the 2025 total 0.8 % above the target",
        ("flow", "exactly on the trajectory", "weekly cycle"),
        TEU_PLAN,
        _teu(1.0, final=26_210_000.0),
        START_23,
        AFTER_2025,
        (TargetTruth("port.container_teu.2025", "near", "met"),),
    ),
    Scenario(
        "teu-daily-drift",
        "from May 2025 a fifth of the volume moves to another port",
        ("flow", "drift"),
        TEU_PLAN,
        _teu(1.04, factor=_from(date(2025, 5, 1), 0.8)),
        START_23,
        AFTER_2025,
        (
            TargetTruth(
                "port.container_teu.2025", "catch", "missed", date(2025, 5, 1), PAGE_FROM_2025
            ),
        ),
    ),
    Scenario(
        "teu-daily-collapse",
        "a terminal closes in August 2025: volume falls by two thirds",
        ("flow", "collapse"),
        TEU_PLAN,
        _teu(1.04, factor=_from(date(2025, 8, 1), 0.33)),
        START_23,
        AFTER_2025,
        (
            TargetTruth(
                "port.container_teu.2025", "catch", "missed", date(2025, 8, 1), date(2025, 8, 1)
            ),
        ),
    ),
    Scenario(
        "teu-daily-dip-and-recovery",
        "a 30 % dip from March to June 2024, then the volume returns and 2025 is met",
        ("flow", "recovery"),
        TEU_PLAN,
        _teu(
            1.06,
            factor=lambda d: 0.7 if date(2024, 3, 1) <= d < date(2024, 7, 1) else 1.0,
        ),
        START_23,
        AFTER_2025,
        (TargetTruth("port.container_teu.2025", "catch", "met", date(2024, 3, 1), PAGE_FROM_2025),),
    ),
    Scenario(
        "teu-daily-revised",
        "every day first reported 12 % low, revised to the true figure two weeks later",
        ("flow", "late and revised data"),
        TEU_PLAN,
        _revised,
        START_23,
        AFTER_2025,
        (TargetTruth("port.container_teu.2025", "quiet", "met"),),
    ),
    Scenario(
        "teu-daily-weekly-batches",
        "a week's daily figures arrive together every Tuesday",
        ("flow", "late and revised data", "weekly cycle"),
        TEU_PLAN,
        _weekly_batches,
        START_23,
        AFTER_2025,
        (TargetTruth("port.container_teu.2025", "quiet", "met"),),
        # the data is up to nine days old between batches: the daily feed is stale by its
        # own cadence (three days), and says so from its first batch on
        feeds=(FeedTruth("port.container_teu/qdport", date(2023, 1, 16)),),
    ),
]

# ── flows summed from monthly data (sea-rail containers) ───────────────────────────────

RAIL_PLAN = _target(
    "port.sea_rail_teu.2025", "port.sea_rail_teu", ">=", 2_200_000.0, "TEU", "flow",
    baseline=1_900_000.0, profile=tuple(w * 1000 for w in TEU_SEASON),
)  # fmt: skip
RAIL_PLAN_NO_PROFILE = _target(
    "port.sea_rail_teu.2025", "port.sea_rail_teu", ">=", 2_200_000.0, "TEU", "flow",
    baseline=1_900_000.0,
)  # fmt: skip


def _rail_expected(year: int) -> float:
    return 1_900_000.0 + 300_000.0 * (year - 2022) / 3


def _rail(
    ahead: float,
    *,
    factor: Callable[[date], float] = lambda _d: 1.0,
    final: float | None = None,
    lag: timedelta = timedelta(days=10),
    missing: Callable[[date], bool] = lambda _d: False,
) -> Callable[[Random], Sequence[Record]]:
    def make(rng: Random) -> Sequence[Record]:
        made = monthly_flow(
            rng,
            indicator="port.sea_rail_teu",
            unit="TEU",
            source="qdport-rail",
            start=date(2023, 1, 1),
            end=DATA_END,
            annual=lambda y: _rail_expected(y) * ahead,
            season=TEU_SEASON,
            factor=factor,
            lag=lag,
            missing=missing,
        )
        return scale_year(made, 2025, final) if final is not None else made

    return make


FLOWS += [
    Scenario(
        "rail-monthly-comfortable",
        "sea-rail volume 5 % above the path, monthly reports ten days after the month",
        ("flow", "on track with noise", "seasonal"),
        RAIL_PLAN,
        _rail(1.05),
        START_23,
        AFTER_2025,
        (TargetTruth("port.sea_rail_teu.2025", "quiet", "met"),),
    ),
    Scenario(
        "rail-monthly-no-profile",
        "the plan gives no monthly profile; the data dips every Spring Festival; 9 % ahead",
        ("flow", "seasonal", "on track with noise"),
        RAIL_PLAN_NO_PROFILE,
        _rail(1.09),
        START_23,
        AFTER_2025,
        (TargetTruth("port.sea_rail_teu.2025", "near", "met"),),
    ),
    Scenario(
        "rail-monthly-near-the-line",
        "sea-rail exactly on its path, 2025 ends 1 % above the target",
        ("flow", "exactly on the trajectory"),
        RAIL_PLAN,
        _rail(1.0, final=2_222_000.0),
        START_23,
        AFTER_2025,
        (TargetTruth("port.sea_rail_teu.2025", "near", "met"),),
    ),
    Scenario(
        "rail-monthly-stall",
        "from April 2025 the sea-rail line runs at half its volume",
        ("flow", "stall"),
        RAIL_PLAN,
        _rail(1.03, factor=_from(date(2025, 4, 1), 0.5)),
        START_23,
        AFTER_2025,
        (
            TargetTruth(
                "port.sea_rail_teu.2025", "catch", "missed", date(2025, 4, 1), PAGE_FROM_2025
            ),
        ),
    ),
    Scenario(
        "rail-monthly-missing-month",
        "June 2025 is never reported; without it the year is short of the target",
        ("flow", "gaps", "validity"),
        RAIL_PLAN,
        _rail(1.0, final=2_150_000.0, missing=lambda d: d == date(2025, 6, 1)),
        START_23,
        AFTER_2025,
        (TargetTruth("port.sea_rail_teu.2025", "near", "insufficient_data"),),
    ),
    Scenario(
        "rail-monthly-late-reports",
        "monthly figures arrive 45 days after the month; 5 % ahead",
        ("flow", "late and revised data"),
        RAIL_PLAN,
        _rail(1.05, lag=timedelta(days=45)),
        START_23,
        AFTER_2025,
        (TargetTruth("port.sea_rail_teu.2025", "quiet", "met"),),
    ),
    Scenario(
        "rail-monthly-no-data-in-year",
        "reports stop after December 2024",
        ("flow", "no data in the target year"),
        RAIL_PLAN,
        _rail(1.05, missing=lambda d: d >= date(2025, 1, 1)),
        START_23,
        AFTER_2025,
        (TargetTruth("port.sea_rail_teu.2025", "quiet", "no_data"),),
        feeds=(FeedTruth("port.sea_rail_teu/qdport-rail", date(2025, 5, 1)),),
    ),
]

# ── stocks (5G base stations, three operators) ────────────────────────────────────────

G5_PLAN = _target(
    "telecom.5g_base_stations.2025", "telecom.5g_base_stations", ">=", 34_000.0, "stations",
    "stock", baseline=26_000.0,
)  # fmt: skip
OPERATORS = {"cmcc": 0.45, "cucc": 0.3, "ctcc": 0.25}


def _g5(
    path: Callable[[date], float],
    *,
    operators: dict[str, float] | None = None,
    missing: Callable[[str, date], bool] = lambda _o, _d: False,
    noise: float = 0.0,
) -> Callable[[Random], Sequence[Record]]:
    """Each operator's cumulative total at month end: its share of the city's path, with
    month-to-month noise in what it added (never negative unless the path falls)."""

    def make(rng: Random) -> Sequence[Record]:
        out: list[Record] = []
        for op, share in (operators or OPERATORS).items():

            def value(d: date, share: float = share) -> float:
                return path(d) * share

            made = monthly_series(
                rng,
                indicator="telecom.5g_base_stations",
                unit="stations",
                source=op,
                start=date(2023, 1, 1),
                end=DATA_END,
                value=value,
                noise=noise,
                missing=partial(missing, op),
                whole=True,
            )
            out += made
        return out

    return make


def _linear(at_2023: float, per_month: float) -> Callable[[date], float]:
    return lambda d: at_2023 + per_month * (_months_since(d, date(2023, 1, 1)) + 1)


def _stall_from(base: Callable[[date], float], onset: date) -> Callable[[date], float]:
    """Building stops at ``onset``: from the onset's month on, the month-end totals stay at
    the month before's (a twentieth of the planned additions still come)."""
    before = date(onset.year - (onset.month == 1), (onset.month - 2) % 12 + 1, 1)
    frozen = base(before)
    return lambda d: base(d) if d < onset else frozen + (base(d) - frozen) * 0.05


def _up_then_down(d: date) -> float:
    peak = date(2025, 5, 1)
    if d <= peak:
        return 26_800.0 + (34_250.0 - 26_800.0) * _months_since(d, date(2023, 1, 1)) / 28
    return 34_250.0 - 110.0 * _months_since(d, peak)


STOCKS: list[Scenario] = [
    Scenario(
        "5g-comfortable",
        "operators build steadily, 4 % ahead of the path",
        ("stock", "on track with noise"),
        G5_PLAN,
        _g5(lambda d: _linear(26_222.0, 222.0)(d) * 1.04, noise=0.002),
        START_23,
        AFTER_2025,
        (TargetTruth("telecom.5g_base_stations.2025", "quiet", "met"),),
    ),
    Scenario(
        "5g-far-ahead",
        "the 2025 count is reached in mid-2024 and building goes on",
        ("stock", "far ahead"),
        G5_PLAN,
        _g5(_linear(26_500.0, 420.0)),
        START_23,
        AFTER_2025,
        (TargetTruth("telecom.5g_base_stations.2025", "quiet", "met"),),
    ),
    Scenario(
        "5g-exactly-on-path",
        "exactly on the linear path, ending 0.3 % above the target",
        ("stock", "exactly on the trajectory"),
        G5_PLAN,
        _g5(_linear(26_225.0, 223.0)),
        START_23,
        AFTER_2025,
        (TargetTruth("telecom.5g_base_stations.2025", "near", "met"),),
    ),
    Scenario(
        "5g-stall",
        "building stops in March 2025 (budget frozen)",
        ("stock", "stall"),
        G5_PLAN,
        _g5(_stall_from(_linear(26_300.0, 230.0), date(2025, 3, 1))),
        START_23,
        AFTER_2025,
        (
            TargetTruth(
                "telecom.5g_base_stations.2025",
                "catch",
                "missed",
                date(2025, 3, 1),
                PAGE_FROM_2025,
            ),
        ),  # fmt: skip
    ),
    Scenario(
        "5g-reached-then-fell",
        "the target is reached in May 2025, then sites are decommissioned below it",
        ("stock", "reached then fell"),
        G5_PLAN,
        _g5(_up_then_down),
        START_23,
        AFTER_2025,
        (
            TargetTruth(
                "telecom.5g_base_stations.2025",
                "catch",
                "missed",
                date(2025, 6, 1),
                PAGE_FROM_2025,
            ),
        ),  # fmt: skip
    ),
    Scenario(
        "5g-new-operator",
        "a fourth operator starts reporting in 2024 with its own sites",
        ("stock", "a new station"),
        G5_PLAN,
        _g5(
            lambda d: _linear(26_400.0, 240.0)(d) * 1.0,
            operators={**OPERATORS, "cbn": 0.04},
            missing=lambda o, d: o == "cbn" and d < date(2024, 1, 1),
        ),
        START_23,
        AFTER_2025,
        (TargetTruth("telecom.5g_base_stations.2025", "quiet", "met"),),
    ),
    Scenario(
        "5g-silent-operator",
        "one operator stops reporting in March 2025; its last total still counts",
        ("stock", "a silent station"),
        G5_PLAN,
        _g5(
            lambda d: _linear(26_600.0, 260.0)(d),
            missing=lambda o, d: o == "ctcc" and d >= date(2025, 3, 1),
        ),
        START_23,
        AFTER_2025,
        (TargetTruth("telecom.5g_base_stations.2025", "quiet", "met"),),
        feeds=(FeedTruth("telecom.5g_base_stations/ctcc", date(2025, 7, 1)),),
    ),
]

# ── capacities (renewables, compound path) ─────────────────────────────────────────────

RENEW_PLAN = _target(
    "power.renewable_capacity.2025", "power.renewable_capacity", ">=", 5_200_000.0, "kW",
    "capacity", baseline=2_600_000.0, path="compound",
)  # fmt: skip


def _compound(start: float, yearly: float) -> Callable[[date], float]:
    return lambda d: start * yearly ** ((_months_since(d, date(2023, 1, 1)) + 1) / 12)


def _renew(path: Callable[[date], float]) -> Callable[[Random], Sequence[Record]]:
    def make(rng: Random) -> Sequence[Record]:
        return monthly_series(
            rng,
            indicator="power.renewable_capacity",
            unit="kW",
            source="sgcc-qd",
            start=date(2023, 1, 1),
            end=DATA_END,
            value=path,
            noise=0.002,
            lag=timedelta(days=12),
        )

    return make


def _stall_2024(d: date) -> float:
    grow = _compound(2_650_000.0, 1.27)
    if d < date(2024, 2, 1):
        return grow(d)
    if d < date(2025, 2, 1):
        return grow(date(2024, 1, 1)) * (1 + 0.002 * _months_since(d, date(2024, 1, 1)))
    low = grow(date(2024, 1, 1)) * 1.024
    return low + (5_450_000.0 - low) * (_months_since(d, date(2025, 1, 1))) / 11


CAPACITIES: list[Scenario] = [
    Scenario(
        "renewables-comfortable",
        "renewable capacity grows 28 % a year, ahead of the doubling path",
        ("capacity", "on track with noise"),
        RENEW_PLAN,
        _renew(_compound(2_700_000.0, 1.28)),
        START_23,
        AFTER_2025,
        (TargetTruth("power.renewable_capacity.2025", "quiet", "met"),),
    ),
    Scenario(
        "renewables-stall-and-catch-up",
        "no new capacity through 2024, a catch-up in 2025 that meets the target",
        ("capacity", "stall", "recovery"),
        RENEW_PLAN,
        _renew(_stall_2024),
        START_23,
        AFTER_2025,
        (
            TargetTruth(
                "power.renewable_capacity.2025", "catch", "met", date(2024, 2, 1), PAGE_FROM_2025
            ),
        ),
    ),
    Scenario(
        "renewables-collapse",
        "a large plant is decommissioned in June 2025 and growth stops",
        ("capacity", "collapse"),
        RENEW_PLAN,
        _renew(
            lambda d: (
                _compound(2_650_000.0, 1.27)(d)
                if d < date(2025, 6, 1)
                else _compound(2_650_000.0, 1.27)(date(2025, 6, 1)) * 0.8
            )
        ),
        START_23,
        AFTER_2025,
        (
            TargetTruth(
                "power.renewable_capacity.2025",
                "catch",
                "missed",
                date(2025, 6, 1),
                PAGE_FROM_2025,
            ),
        ),  # fmt: skip
    ),
]

# ── reported ratios (5G coverage of villages) ──────────────────────────────────────────

VILLAGE_PLAN = _target(
    "telecom.5g_village_coverage.2025", "telecom.5g_village_coverage", ">=", 99.0, "%", "ratio",
    baseline=93.0,
)  # fmt: skip


def _coverage(path: Callable[[date], float]) -> Callable[[Random], Sequence[Record]]:
    def make(rng: Random) -> Sequence[Record]:
        return monthly_series(
            rng,
            indicator="telecom.5g_village_coverage",
            unit="%",
            source="miit-qd",
            start=date(2023, 1, 1),
            end=DATA_END,
            value=lambda d: min(100.0, path(d)),
            lag=timedelta(days=7),
        )

    return make


RATIOS: list[Scenario] = [
    Scenario(
        "village-coverage-comfortable",
        "coverage climbs ahead of the path to 99.8 %",
        ("ratio", "on track with noise"),
        VILLAGE_PLAN,
        _coverage(lambda d: min(99.8, 95.0 + 0.2 * _months_since(d, date(2023, 1, 1)))),
        START_23,
        AFTER_2025,
        (TargetTruth("telecom.5g_village_coverage.2025", "quiet", "met"),),
    ),
    Scenario(
        "village-coverage-drift",
        "coverage stops rising in 2025 at 96.5 % and slips",
        ("ratio", "drift", "stall"),
        VILLAGE_PLAN,
        _coverage(
            lambda d: (
                93.3 + 0.17 * _months_since(d, date(2023, 1, 1))
                if d < date(2025, 1, 1)
                else 97.3 - 0.08 * _months_since(d, date(2025, 1, 1))
            )
        ),
        START_23,
        AFTER_2025,
        (
            TargetTruth(
                "telecom.5g_village_coverage.2025",
                "catch",
                "missed",
                date(2025, 1, 1),
                PAGE_FROM_2025,
            ),
        ),  # fmt: skip
    ),
]

# ── a target whose feed was never connected ───────────────────────────────────────────

ROUTES_PLAN = _target(
    "port.china_europe_trains.2025", "port.china_europe_trains", ">=", 800.0, "trains", "flow",
    baseline=700.0,
)  # fmt: skip

NEVER: list[Scenario] = [
    Scenario(
        "never-connected",
        "the China-Europe train feed is never connected; the containers feed runs",
        ("flow", "no data in the target year", "never connected"),
        ROUTES_PLAN + TEU_PLAN,
        _teu(1.06),
        START_23,
        AFTER_2025,
        (
            TargetTruth("port.china_europe_trains.2025", "catch", "no_data", None, None, True),
            TargetTruth("port.container_teu.2025", "quiet", "met"),
        ),
    ),
]

SCENARIOS: tuple[Scenario, ...] = tuple(AIR + FLOWS + STOCKS + CAPACITIES + RATIOS + NEVER)

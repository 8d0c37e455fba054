"""Read what an evaluation needs from TimescaleDB and build its :class:`Snapshot`.

What is read: the rollups (city rows under source ``*``, per-source rows, hourly rows for
short burn-rate windows, newest buckets for threshold rules), ``air_quality_days``
(targets counted in days), the series' last reading times (freshness) and, for regional
targets, which region each source reports for — each query streamed a few thousand rows
at a time (services.alerts.snapshot.sql). The rows become targets' data with services.alerts.snapshot.buckets.
"""

from __future__ import annotations

import fnmatch
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from psycopg import AsyncConnection

from services.alerts.engine import Bucket, Snapshot, TargetInput, bucket_width, target_labels
from services.alerts.rules import BurnRateRule, NoDataRule, Rule, ThresholdRule, matches
from services.alerts.snapshot.buckets import (
    AQI_FLAGS,
    combine_sources,
    flag_data,
    target_data,
    valid_days,
)
from services.alerts.snapshot.columns import SeriesKind
from services.alerts.snapshot.shards import WHOLE, Shard
from services.alerts.snapshot.sql import Describe, ReadPlan, Row, Rows, read_rows
from services.alerts.snapshot.universe import History, Universe
from services.indicators.catalogue import Catalogue, Indicator, parse_cadence
from services.indicators.coverage import DAILY_FLOW, GB3095, MONTHLY, QUARTERLY, YEARLY, Coverage
from services.indicators.plans import CITY_TZ, Target, end_of_day, year_bounds
from services.indicators.target_data import Point

__all__ = ["affected", "city_days", "coverage_of", "load_snapshot"]


def affected(catalogue: Catalogue, indicators: Iterable[str]) -> set[str]:
    """The indicators named and every indicator derived from them, transitively."""
    dependents: dict[str, set[str]] = defaultdict(set)
    for ind in catalogue:
        for parent in ind.derived_from:
            dependents[parent].add(ind.id)
    out: set[str] = set()
    todo = list(indicators)
    while todo:
        name = todo.pop()
        if name not in out:
            out.add(name)
            todo.extend(dependents.get(name, ()))
    return out


def _raw_ancestors(catalogue: Catalogue, indicator: str) -> set[str]:
    """The indicators providers push that ``indicator`` comes from (itself if pushed)."""
    found = catalogue.find(indicator)
    if found is None or not found.derived:
        return {indicator}
    return {a for parent in found.derived_from for a in _raw_ancestors(catalogue, parent)}


# --- what to read ------------------------------------------------------------------------


MIN_HOURS = 20  # GB 3095-2012: a daily mean needs at least 20 hourly values
_HOUR = timedelta(hours=1)
_MONTH, _QUARTER = parse_cadence("P1M"), parse_cadence("P3M")  # 31 and 93 days at the longest


def _hourly_monitored(ind: Indicator) -> bool:
    """Measured every hour (air pollutants): its daily means follow GB 3095's validity."""
    return ind.cadence_max is not None and ind.cadence_max <= _HOUR


def city_days(
    target: Target,
    ind: Indicator,
    day: Sequence[Bucket],
    per_source: Mapping[str, Sequence[Bucket]],
) -> Sequence[Bucket]:
    """The city's day buckets a city target is judged on: for the mean of an hourly-measured
    indicator, its stations' valid days only (``per_source``, GB 3095-2012); else ``day``."""
    if target.kind == "level-mean" and _hourly_monitored(ind):
        return valid_days(per_source, MIN_HOURS)
    return day


def coverage_of(target: Target, ind: Indicator) -> Coverage | None:
    """What a year of the target's data must hold to be judged (services.indicators.coverage)."""
    if ind.family == "air" and target.kind in ("level-mean", "ratio", "flow"):
        return GB3095
    if target.kind in ("flow", "level-mean"):
        cadence = ind.cadence_max or _MONTH
        if cadence <= timedelta(days=1):
            return DAILY_FLOW
        if cadence <= _MONTH:
            return MONTHLY
        return QUARTERLY if cadence <= _QUARTER else YEARLY
    return None


def _contrib_since(target: Target, now: datetime, history: History) -> datetime:
    """How far back the per-source rows for the top contributors go (services.alerts.engine.contributors)."""
    first = year_bounds(now.astimezone(CITY_TZ).year)[0]
    if target.kind == "flow":
        return year_bounds(first.year - 1)[0]
    if target.kind in ("stock", "capacity"):
        return now - history.stock_sources
    return min(first, now - timedelta(days=30))


def _daily_history(target: Target, history: History) -> timedelta:
    """Days a target's judgement reads: every one for a level's mean; for the other kinds
    (judged on the months) the recent ones that burn-rate windows and trends look at."""
    return history.city if target.kind == "level-mean" else history.recent_days


def _plan(
    u: Universe, targets: Sequence[Target], series_of: set[str] | None, now: datetime
) -> ReadPlan:
    plan = ReadPlan()
    burn = [r for r in u.rules if isinstance(r, BurnRateRule) and r.short < timedelta(days=1)]
    for t in targets:
        ind = u.indicator(t)
        if ind is None:
            continue
        # a target past its deadline is still judged on its deadline year, however long ago
        back = min(now - u.history.city, year_bounds(t.deadline.year)[0])
        if t.indicator in AQI_FLAGS:
            plan.aqi = True
            plan.aqi_since = min(back, plan.aqi_since or back)
            day = _contrib_since(t, now, u.history).astimezone(CITY_TZ).date()
            plan.aqi_stations_since = min(day, plan.aqi_stations_since or day)
            continue
        if ind.derived:
            continue
        plan.need_city(t.indicator, "month", back)
        daily = now - _daily_history(t, u.history)
        plan.need_city(t.indicator, "day", min(daily, back) if t.kind == "level-mean" else daily)
        labels = target_labels(t, ind.family)
        if t.kind in ("level-mean", "flow") and any(matches(r, labels) for r in burn):
            plan.hourly.add(t.indicator)
        if t.region is not None:
            plan.regional.add(t.indicator)
            for span in ("day", "month"):
                plan.need_sources(t.indicator, span, back)
        elif t.kind == "level-mean" and _hourly_monitored(ind):
            plan.need_sources(t.indicator, "day", back)  # valid days
        elif ind.combine != "single":
            plan.need_sources(t.indicator, "day", _contrib_since(t, now, u.history))
    plan.first_judged = any(isinstance(r, NoDataRule) for r in u.rules)
    for rule in u.rules:
        width = bucket_width(rule) if isinstance(rule, ThresholdRule) else None
        if width is not None:
            for ind in _selected(rule, u.catalogue):
                if series_of is None or ind.id in series_of:
                    plan.latest[width].add(ind.id)
    return plan


def _selected(rule: Rule, catalogue: Catalogue) -> list[Indicator]:
    """Indicators a series rule may apply to, judged on its indicator and family patterns."""
    sel = rule.applies_to
    return [
        i
        for i in catalogue
        if not i.derived
        and (not sel.indicators or any(fnmatch.fnmatchcase(i.id, p) for p in sel.indicators))
        and (not sel.families or any(fnmatch.fnmatchcase(i.family, p) for p in sel.families))
    ]


# --- building the snapshot ---------------------------------------------------------------


async def load_snapshot(
    conn: AsyncConnection[Row],
    u: Universe,
    now: datetime,
    indicators: Iterable[str] | None = None,
    *,
    shard: Shard = WHOLE,
) -> Snapshot:
    """The snapshot at ``now``: every target and series, or those of ``indicators`` (and
    the indicators derived from them) — a partial snapshot, which retires nothing.

    Series are those ``shard`` owns; targets are those of ``u`` (the engine holds its
    shard's universe: :meth:`Shard.universe`)."""
    wanted = None if indicators is None else affected(u.catalogue, indicators)
    targets = [t for t in u.targets if wanted is None or t.indicator in wanted]
    plan = _plan(u, targets, wanted, now)
    fresh = None
    if wanted is not None:
        fresh = set(wanted)
        for t in targets:
            fresh |= _raw_ancestors(u.catalogue, t.indicator)
    rows = await read_rows(
        conn,
        plan,
        u.history,
        now,
        fresh,
        _describer(u, wanted),
        None if shard.whole else shard.owns,
    )
    inputs = [i for t in targets if (i := _target_input(t, u, rows, now)) is not None]
    return Snapshot(now, tuple(inputs), rows.series, complete=wanted is None)


def _last_seen(u: Universe, rows: Rows, indicator: str, sources: Iterable[str]) -> datetime | None:
    seen = [
        rows.fresh[(a, s)]
        for a in _raw_ancestors(u.catalogue, indicator)
        for s in sources
        if (a, s) in rows.fresh
    ]
    return max(seen) if seen else None


def _watched_since(t: Target, rows: Rows, now: datetime) -> datetime:
    """The later of the plan's start and the target's first evaluation (this one, if none)."""
    first = rows.first_judged.get(t.id, now)
    start = end_of_day(t.plan_start) if t.plan_start is not None else first
    return max(first, start)


def _target_input(t: Target, u: Universe, rows: Rows, now: datetime) -> TargetInput | None:
    ind = u.indicator(t)
    if ind is None:
        return None
    if t.indicator in AQI_FLAGS:
        return replace(_aqi_input(t, ind, u, rows), watched_since=_watched_since(t, rows, now))
    day: Sequence[Bucket] = rows.city.get((t.indicator, "day"), [])
    month = rows.city.get((t.indicator, "month"), [])
    sources: Mapping[str, Sequence[Bucket]] = rows.sources.get((t.indicator, "day"), {})
    if t.region is None:
        day = city_days(t, ind, day, sources)
    seen = _last_seen(u, rows, t.indicator, ("*",))
    if t.region is not None:
        members = {s for (i, s), r in rows.regions.items() if i == t.indicator and r == t.region}
        sources = {s: sources[s] for s in sources if s in members}
        by_month: Mapping[str, Sequence[Bucket]] = rows.sources.get((t.indicator, "month"), {})
        months = {s: by_month[s] for s in by_month if s in members}
        day = (
            valid_days(sources, MIN_HOURS)
            if t.kind == "level-mean" and _hourly_monitored(ind)
            else combine_sources(sources, combine=ind.combine, cumulative=ind.cumulative)
        )
        month = combine_sources(months, combine=ind.combine, cumulative=ind.cumulative)
        seen = _last_seen(u, rows, t.indicator, members)
    return TargetInput(
        t,
        family=ind.family,
        data=target_data(
            t, day, month, seen, cadence=ind.cadence_max, coverage=coverage_of(t, ind)
        ),
        cadence=ind.cadence_max,
        combine=ind.combine,
        hourly=_hourly(t, rows.hourly.get(t.indicator, [])),
        sources=sources,
        watched_since=_watched_since(t, rows, now),
    )


def _aqi_input(t: Target, ind: Indicator, u: Universe, rows: Rows) -> TargetInput:
    """Good-air share or heavy-pollution days: daily flags of the city, per station too."""
    pick = 0 if AQI_FLAGS[t.indicator] == "good" else 1
    seen = _last_seen(u, rows, t.indicator, ("*",))
    data = flag_data(
        t,
        [(d, flags[pick]) for d, *flags in rows.aqi_city],
        u.tz,
        seen,
        cadence=ind.cadence_max,
        coverage=coverage_of(t, ind),
    )
    stations = rows.aqi_stations.buckets(AQI_FLAGS[t.indicator], ZoneInfo(u.tz))
    return TargetInput(
        t, family=ind.family, data=data, cadence=ind.cadence_max, combine="mean", sources=stations
    )


def _hourly(t: Target, buckets: Sequence[Bucket]) -> tuple[Point, ...]:
    name = "sum" if t.kind == "flow" else "mean"
    return tuple((b.at, b.aggregate(name)) for b in buckets)


def _describer(u: Universe, wanted: set[str] | None) -> Describe:
    """What the series of an indicator share, for the indicators whose series are judged:
    pushed ones (not derived), all of them or those ``wanted``."""
    known: dict[str, SeriesKind | None] = {}

    def describe(indicator: str) -> SeriesKind | None:
        if indicator not in known:
            ind = u.catalogue.find(indicator)
            skip = ind is None or ind.derived or (wanted is not None and indicator not in wanted)
            known[indicator] = (
                None
                if skip or ind is None
                else SeriesKind(indicator, ind.family, ind.unit, ind.cadence_max)
            )
        return known[indicator]

    return describe

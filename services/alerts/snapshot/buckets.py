"""From rollup buckets to the :class:`TargetData` a target is judged on.

By the target's kind (buckets start at local midnight / the local first of the month):

- level-mean: ``daily`` the day means, ``monthly`` the month means;
- ratio counted in days (good-air days): ``daily`` 1.0 / 0.0 flags, ``daily_flags``;
- flow: ``daily`` the day totals, ``monthly`` the month totals (current month included);
  heavily polluted days are a flow of daily 1.0 / 0.0 flags;
- stock, capacity: ``daily`` and ``monthly`` the bucket's last value, ``latest`` the newest
  one stamped with its reading time;
- reported ratio, growth: ``monthly`` the value of each period, ``latest`` the newest.

``combine_sources`` makes a region's buckets from its sources' the way the stream makes
the city's: mean of stations, sum of flows, carried-forward sum of stock totals.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from services.alerts.engine import Bucket
from services.indicators.coverage import Coverage
from services.indicators.plans import Target
from services.indicators.target_data import Point, TargetData

__all__ = ["AQI_FLAGS", "combine_sources", "flag_data", "target_data", "valid_days"]

# Indicators derived from the daily AQI, and the air_quality_days flag each counts.
AQI_FLAGS: Mapping[str, str] = {
    "air.good_days_ratio": "good",
    "air.heavy_pollution_days": "heavy",
}


def target_data(
    target: Target,
    day: Sequence[Bucket],
    month: Sequence[Bucket],
    last_seen: datetime | None,
    *,
    cadence: timedelta | None = None,
    coverage: Coverage | None = None,
) -> TargetData:
    """The data of a target from its indicator's day and month buckets (oldest first)."""
    if target.kind == "level-mean":
        daily, monthly, latest = _pts(day, "mean"), _pts(month, "mean"), None
    elif target.kind == "flow":
        daily, monthly, latest = _pts(day, "sum"), _pts(month, "sum"), None
    elif target.kind in ("stock", "capacity"):
        daily, monthly, latest = _pts(day, "last"), _pts(month, "last"), _newest(day, month)
    else:
        daily, monthly, latest = (), _pts(month, "last"), _newest(day, month)
    return TargetData(daily, monthly, latest, last_seen, cadence=cadence, coverage=coverage)


def flag_data(
    target: Target,
    days: Iterable[tuple[date, bool]],
    tz: str,
    last_seen: datetime | None,
    *,
    cadence: timedelta | None = None,
    coverage: Coverage | None = None,
) -> TargetData:
    """A target counted in days (good-air ratio, heavy days) from (local day, flag) rows."""
    zone = ZoneInfo(tz)
    pts = tuple(
        (datetime.combine(d, time(), zone), 1.0 if flag else 0.0) for d, flag in sorted(days)
    )
    return TargetData(
        daily=pts,
        last_seen=last_seen,
        daily_flags=target.kind == "ratio",
        cadence=cadence,
        coverage=coverage,
    )


def valid_days(per_source: Mapping[str, Sequence[Bucket]], min_hours: int) -> list[Bucket]:
    """The city's daily means from its stations' valid days only (at least ``min_hours``
    hourly values, GB 3095-2012): each day the mean of the stations valid that day."""
    by_day: dict[datetime, list[Bucket]] = {}
    for buckets in per_source.values():
        for b in buckets:
            if b.count >= min_hours:
                by_day.setdefault(b.at, []).append(b)
    return [_merge(t, by_day[t], mean=True) for t in sorted(by_day)]


def _pts(buckets: Sequence[Bucket], field: str) -> tuple[Point, ...]:
    return tuple((b.at, b.aggregate(field)) for b in buckets)


def _newest(*series: Sequence[Bucket]) -> Point | None:
    tails = [s[-1] for s in series if s]
    if not tails:
        return None
    newest = max(tails, key=lambda b: (b.last_ts, b.at))
    return (newest.last_ts, newest.last)


def combine_sources(
    per_source: Mapping[str, Sequence[Bucket]], *, combine: str, cumulative: bool
) -> list[Bucket]:
    """One series from several sources' buckets of one width (each oldest first).

    ``combine`` is the indicator's: ``mean`` (of stations) or ``sum``/``single``;
    ``cumulative`` (stocks, capacities) carries each source's last total forward into
    buckets where it did not report.
    """
    by_time: dict[datetime, list[Bucket]] = {}
    for buckets in per_source.values():
        for b in buckets:
            by_time.setdefault(b.at, []).append(b)
    times = sorted(by_time)
    if combine == "mean" or not cumulative:
        return [_merge(t, by_time[t], mean=combine == "mean") for t in times]
    return list(_carried(times, per_source))


def _merge(t: datetime, rows: Sequence[Bucket], *, mean: bool) -> Bucket:
    n = len(rows)
    mean_value = sum(b.mean for b in rows)
    last_value = sum(b.last for b in rows)
    if mean:
        mean_value, last_value = mean_value / n, last_value / n
    return Bucket(
        at=t,
        count=sum(b.count for b in rows),
        sum=sum(b.sum for b in rows),
        min=min(b.min for b in rows),
        max=max(b.max for b in rows),
        mean=mean_value,
        last=last_value,
        last_ts=max(b.last_ts for b in rows),
    )


def _carried(
    times: Sequence[datetime], per_source: Mapping[str, Sequence[Bucket]]
) -> Iterator[Bucket]:
    """Each bucket time: every source's newest bucket at or before it, summed."""
    position = dict.fromkeys(per_source, -1)
    for t in times:
        known: list[Bucket] = []
        for source, buckets in per_source.items():
            i = position[source]
            while i + 1 < len(buckets) and buckets[i + 1].at <= t:
                i += 1
            position[source] = i
            if i >= 0:
                known.append(buckets[i])
        here = [b for b in known if b.at == t]
        total = sum(b.last for b in known)
        yield Bucket(
            at=t,
            count=sum(b.count for b in here),
            sum=sum(b.sum for b in here),
            min=min(b.last for b in known),
            max=max(b.last for b in known),
            mean=total,
            last=total,
            last_ts=max(b.last_ts for b in known),
        )

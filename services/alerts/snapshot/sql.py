"""The queries the data layer runs, one after the other, and the rows they return.

:class:`ReadPlan` says what to read (worked out by services.alerts.snapshot.load from the targets
and rules); :func:`read_rows` runs the queries one after the other, streams each a few
thousand rows at a time and gathers the rows into :class:`Rows`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, LiteralString
from zoneinfo import ZoneInfo

from psycopg import AsyncConnection, AsyncCursor

from services.alerts.engine import Bucket, SourceBuckets, series_key
from services.alerts.snapshot.columns import FlagDays, SeriesColumns, SeriesKind
from services.alerts.snapshot.universe import History
from services.indicators.plans import CITY_TZ

__all__ = ["Describe", "ReadPlan", "Row", "Rows", "read_rows"]

Row = tuple[Any, ...]
Describe = Callable[[str], SeriesKind | None]
"""What the series of an indicator share; None for an indicator whose series are not judged."""

# --- SQL ---------------------------------------------------------------------------------

_CITY: LiteralString = """
SELECT r.indicator, r.width,
       r.bucket, r.count, r.sum, r.min, r.max, r.mean, r.last, r.last_ts
FROM unnest(%(indicators)s::text[], %(widths)s::text[], %(since)s::timestamptz[])
     AS q(indicator, width, since)
JOIN rollups r ON r.indicator = q.indicator AND r.width = q.width AND r.bucket >= q.since
              AND r.source = '*'
ORDER BY r.indicator, r.width, r.bucket
"""

_HOURLY: LiteralString = """
SELECT indicator, bucket, count, sum, min, max, mean, last, last_ts FROM rollups
WHERE source = '*' AND width = 'hour' AND indicator = ANY(%(indicators)s) AND bucket >= %(since)s
ORDER BY indicator, bucket
"""

_SOURCES: LiteralString = """
SELECT r.indicator, r.source, r.width,
       r.bucket, r.count, r.sum, r.min, r.max, r.mean, r.last, r.last_ts
FROM unnest(%(indicators)s::text[], %(widths)s::text[], %(since)s::timestamptz[])
     AS q(indicator, width, since)
JOIN rollups r ON r.indicator = q.indicator AND r.width = q.width AND r.bucket >= q.since
              AND r.source <> '*'
ORDER BY r.indicator, r.source, r.width, r.bucket
"""

_FRESHNESS: LiteralString = """
SELECT indicator, source, max(last_ts) FROM rollups
WHERE width = 'year' AND (%(all)s OR indicator = ANY(%(indicators)s))
GROUP BY indicator, source
ORDER BY indicator COLLATE "C", source COLLATE "C"
"""

_AQI_CITY: LiteralString = """
SELECT day, good, heavy FROM air_quality_days WHERE scope = 'city' AND day >= %(since)s
ORDER BY day
"""

_AQI_STATIONS: LiteralString = """
SELECT scope, day, good, heavy FROM air_quality_days WHERE scope <> 'city' AND day >= %(since)s
ORDER BY scope, day
"""

_LATEST: LiteralString = """
SELECT DISTINCT ON (indicator, source, width) indicator, source, width,
       bucket, count, sum, min, max, mean, last, last_ts
FROM rollups
WHERE indicator = ANY(%(indicators)s) AND width = ANY(%(widths)s) AND source <> '*'
  AND bucket >= %(since)s
ORDER BY indicator, source, width, bucket DESC
"""

_FIRST_JUDGED: LiteralString = """
SELECT target_id, min(first_evaluated_at) FROM target_status GROUP BY target_id
"""

_REGIONS: LiteralString = """
SELECT DISTINCT ON (indicator, source) indicator, source, region FROM observations
WHERE indicator = ANY(%(indicators)s) AND ts >= %(since)s
ORDER BY indicator, source, ts DESC
"""


def _bucket(row: Sequence[Any], same: _Shared) -> Bucket:
    at, count, total, low, high, mean, last, last_ts = row
    return Bucket(
        same.at(at),
        int(count),
        float(total),
        float(low),
        float(high),
        float(mean),
        float(last),
        same.at(last_ts),
    )


class _Shared:
    """One object per distinct name and instant of a read: the rows name every series
    several times (freshness, newest buckets, region), and many share their instants."""

    def __init__(self) -> None:
        self._names: dict[str, str] = {}
        self._instants: dict[tuple[datetime, Any], datetime] = {}

    def name(self, value: Any) -> Any:
        return self._names.setdefault(value, value) if isinstance(value, str) else value

    def at(self, value: Any) -> Any:
        if not isinstance(value, datetime):
            return value
        found = self._instants.get((value, value.tzinfo))
        if found is None:
            found = self._instants[(value, value.tzinfo)] = _fixed(value)
        return found


_UTC_ZONES = frozenset({"UTC", "Etc/UTC"})


def _fixed(t: datetime) -> datetime:
    """``t`` in the fixed ``UTC`` zone when the session's zone is UTC (the same instant and
    text): comparisons of datetimes in one fixed zone skip the offset arithmetic
    (services.indicators.target_data.in_zone_of)."""
    zone = t.tzinfo
    if isinstance(zone, ZoneInfo) and zone.key in _UTC_ZONES:
        return t.replace(tzinfo=UTC)
    return t


@dataclass
class ReadPlan:
    """Which indicators (and widths, and since when) each query reads."""

    city: dict[tuple[str, str], datetime] = field(default_factory=dict)
    hourly: set[str] = field(default_factory=set)
    sources: dict[tuple[str, str], datetime] = field(default_factory=dict)
    regional: set[str] = field(default_factory=set)
    aqi: bool = False
    aqi_stations_since: date | None = None
    aqi_since: datetime | None = None  # the city's AQI days: two years, or a deadline year
    latest: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    first_judged: bool = False  # when each target was first judged (for no_data rules)

    def need_city(self, indicator: str, width: str, since: datetime) -> None:
        key = (indicator, width)
        self.city[key] = min(since, self.city.get(key, since))

    def need_sources(self, indicator: str, width: str, since: datetime) -> None:
        key = (indicator, width)
        self.sources[key] = min(since, self.sources.get(key, since))


# --- reading ------------------------------------------------------------------------------


@dataclass
class Rows:
    """What the queries returned, keyed the way services.alerts.snapshot.load looks it up.

    ``fresh`` holds the last reading times of the city's series (source ``*``) and of the
    sources that report for a region; ``series`` every series judged on its own (sorted
    by indicator and source), with its newest buckets. Per-source buckets, stations'
    flags and series are held as columns (services.alerts.snapshot.columns).
    """

    city: dict[tuple[str, str], list[Bucket]] = field(default_factory=lambda: defaultdict(list))
    hourly: dict[str, list[Bucket]] = field(default_factory=lambda: defaultdict(list))
    sources: dict[tuple[str, str], SourceBuckets] = field(
        default_factory=lambda: defaultdict(SourceBuckets)
    )
    fresh: dict[tuple[str, str], datetime] = field(default_factory=dict)
    aqi_city: list[tuple[date, bool, bool]] = field(default_factory=list)
    aqi_stations: FlagDays = field(default_factory=FlagDays)
    series: SeriesColumns = field(default_factory=SeriesColumns)
    regions: dict[tuple[str, str], str] = field(default_factory=dict)
    first_judged: dict[str, datetime] = field(default_factory=dict)


async def read_rows(
    conn: AsyncConnection[Row],
    plan: ReadPlan,
    h: History,
    now: datetime,
    fresh: set[str] | None,
    describe: Describe,
    owns: Callable[[str], bool] | None = None,
) -> Rows:
    """Run the plan's queries (``fresh``: the indicators whose freshness to read, None
    for all) and gather their rows; a series is kept if ``describe`` knows its indicator
    (and ``owns`` its key, when given: an engine shard's series)."""
    queries: list[tuple[str, LiteralString, dict[str, Any]]] = []
    if plan.regional:  # first: the series' scopes are known when their freshness is read
        params = {"indicators": sorted(plan.regional), "since": now - h.regions}
        queries.append(("regions", _REGIONS, params))
    queries.append(("city", _CITY, _unnest(plan.city)))
    queries.append(("fresh", _FRESHNESS, {"all": fresh is None, "indicators": sorted(fresh or ())}))
    if plan.hourly:
        queries.append(
            ("hourly", _HOURLY, {"indicators": sorted(plan.hourly), "since": now - h.hourly_max})
        )
    if plan.sources:
        queries.append(("sources", _SOURCES, _unnest(plan.sources)))
    if plan.aqi:
        since = (plan.aqi_since or now - h.city).astimezone(CITY_TZ).date()
        queries.append(("aqi_city", _AQI_CITY, {"since": since}))
        queries.append(("aqi_stations", _AQI_STATIONS, {"since": plan.aqi_stations_since}))
    for width, indicators in plan.latest.items():
        params = {"indicators": sorted(indicators), "widths": [width], "since": now - h.threshold}
        queries.append(("latest", _LATEST, params))
    if plan.first_judged:
        queries.append(("first_judged", _FIRST_JUDGED, {}))
    rows = Rows()
    same = _Shared()
    # One query at a time, each streamed a few thousand rows at a time: neither libpq nor
    # Python ever holds a whole result (a pipeline would receive every result at once).
    cur: AsyncCursor[Row] = conn.cursor()
    for name, query, params in queries:
        batch: list[Row] = []
        async for row in cur.stream(query, params, size=_CHUNK):
            batch.append(row)
            if len(batch) >= _CHUNK:
                _take(rows, name, batch, same, describe, owns)
                batch = []
        _take(rows, name, batch, same, describe, owns)
    await cur.close()
    rows.series.done()
    return rows


_CHUNK = 2000  # rows of a result held at a time


def _unnest(spans: Mapping[tuple[str, str], datetime]) -> dict[str, Any]:
    """(indicator, width) → since, as the three arrays the queries unnest."""
    keys = sorted(spans)
    return {
        "indicators": [k[0] for k in keys],
        "widths": [k[1] for k in keys],
        "since": [spans[k] for k in keys],
    }


def _take(
    rows: Rows,
    name: str,
    got: Sequence[Row],
    same: _Shared,
    describe: Describe,
    owns: Callable[[str], bool] | None,
) -> None:
    n = same.name
    for r in got:
        if name == "city":
            rows.city[(n(r[0]), n(r[1]))].append(_bucket(r[2:], same))
        elif name == "hourly":
            rows.hourly[n(r[0])].append(_bucket(r[1:], same))
        elif name == "sources":
            rows.sources[(n(r[0]), n(r[2]))].append(n(r[1]), _bucket(r[3:], same))
        elif name == "fresh":
            _take_fresh(rows, n(r[0]), n(r[1]), same.at(r[2]), describe, owns)
        elif name == "aqi_city":
            rows.aqi_city.append((r[0], bool(r[1]), bool(r[2])))
        elif name == "aqi_stations":
            rows.aqi_stations.append(n(r[0]), r[1], bool(r[2]), bool(r[3]))
        elif name == "latest":
            rows.series.add_newest(n(r[0]), n(r[1]), n(r[2]), _bucket(r[3:], same))
        elif name == "regions" and r[2] is not None:
            rows.regions[(n(r[0]), n(r[1]))] = n(r[2])
        elif name == "first_judged" and r[1] is not None:
            rows.first_judged[n(r[0])] = r[1]


def _take_fresh(
    rows: Rows,
    indicator: str,
    source: str,
    last_seen: datetime,
    describe: Describe,
    owns: Callable[[str], bool] | None,
) -> None:
    key = (indicator, source)
    scope = rows.regions.get(key)
    if source == "*" or scope is not None:
        rows.fresh[key] = last_seen
    if (
        source != "*"
        and (kind := describe(indicator)) is not None
        and (owns is None or owns(series_key(indicator, source)))
    ):
        rows.series.add(kind, source, scope if scope is not None else "city", last_seen)

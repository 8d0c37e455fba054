"""What the rollups must hold, computed in Python from the raw observations alone: an oracle
independent of the writer's SQL (merging, recomputing, city rows, the region of each source
row and the city rows of a single city-wide figure without a region's own)."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import psycopg

from services.indicators.catalogue import Catalogue
from services.indicators.city import CITY_TZ

WIDTHS = ("hour", "day", "month", "year")


@dataclass(frozen=True)
class Obs:
    indicator: str
    source: str
    ts: datetime
    value: float
    increment: bool
    region: str | None = None


def bucket(ts: datetime, width: str) -> datetime:
    local = ts.astimezone(CITY_TZ)
    if width == "hour":
        return local.replace(minute=0, second=0, microsecond=0)
    if width == "day":
        return local.replace(hour=0, minute=0, second=0, microsecond=0)
    if width == "month":
        return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    return local.replace(month=1, day=1, hour=0, minute=0, second=0, microsecond=0)


def end_of(start: datetime, width: str) -> datetime:
    if width == "hour":
        return start + timedelta(hours=1)
    if width == "day":
        return start + timedelta(days=1)
    if width == "month":
        return start.replace(year=start.year + start.month // 12, month=start.month % 12 + 1)
    return start.replace(year=start.year + 1)


# count, sum, min, max, mean, last, last_ts, sources, region
Row = tuple[float, float, float, float, float, float, datetime, int, str | None]


def expected(observations: Iterable[Obs], catalogue: Catalogue) -> dict[tuple[Any, ...], Row]:
    """(indicator, width, source, bucket) → (count, sum, min, max, mean, last, last_ts, sources,
    region)."""
    series: dict[tuple[str, str], list[Obs]] = defaultdict(list)
    for o in observations:
        series[(o.indicator, o.source)].append(o)
    out: dict[tuple[Any, ...], Row] = {}
    for (ind, src), rows in series.items():
        rows.sort(key=lambda o: o.ts)
        increment = any(o.increment for o in rows)
        for width in WIDTHS:
            groups: dict[datetime, list[Obs]] = defaultdict(list)
            for o in rows:
                groups[bucket(o.ts, width)].append(o)
            for b, group in groups.items():
                values = [o.value for o in group]
                if increment:
                    stop = end_of(b, width)
                    last = math.fsum(o.value for o in rows if o.ts < stop)
                else:
                    last = group[-1].value
                out[(ind, width, src, b)] = (
                    len(values), math.fsum(values), min(values), max(values),
                    math.fsum(values) / len(values), last, group[-1].ts, 1, group[-1].region,
                )  # fmt: skip
    for ind in {i for i, _ in series}:
        indicator = catalogue.get(ind)
        stock = indicator.kind in ("stock", "capacity") and indicator.combine != "mean"
        for width in WIDTHS:
            mine = {k: v for k, v in out.items() if k[0] == ind and k[1] == width and k[2] != "*"}
            buckets = {k[3] for k in mine}
            if indicator.combine == "single":  # a region's own figure is not the city's
                regional = {k[2] for k, v in mine.items() if v[8] is not None}
                mine = {
                    k: v
                    for k, v in mine.items()
                    if (k[2] not in regional if stock else v[8] is None)
                }
            city = _stock_city(mine, buckets) if stock else _city(mine, indicator.combine)
            out.update({(ind, width, "*", b): row for b, row in city.items()})
    return out


def _city(rows: dict[tuple[Any, ...], Row], combine: str) -> dict[datetime, Row]:
    by_bucket: dict[datetime, list[Row]] = defaultdict(list)
    for key, row in rows.items():
        by_bucket[key[3]].append(row)
    out: dict[datetime, Row] = {}
    for b, group in by_bucket.items():
        n = len(group)
        mean = math.fsum(r[4] for r in group) / (n if combine == "mean" else 1)
        last = math.fsum(r[5] for r in group) / (n if combine == "mean" else 1)
        out[b] = (
            math.fsum(r[0] for r in group), math.fsum(r[1] for r in group),
            min(r[2] for r in group), max(r[3] for r in group), mean, last,
            max(r[6] for r in group), n, None,
        )  # fmt: skip
    return out


def _stock_city(rows: dict[tuple[Any, ...], Row], buckets: set[datetime]) -> dict[datetime, Row]:
    """Every source's last known level, carried forward into each bucket any source has (a
    region's own figure among them, though its level is not counted)."""
    by_source: dict[str, dict[datetime, Row]] = defaultdict(dict)
    for key, row in rows.items():
        by_source[key[2]][key[3]] = row
    out: dict[datetime, Row] = {}
    for b in sorted(buckets):
        known = []
        for seen in by_source.values():
            before = [t for t in seen if t <= b]
            if before:
                known.append((max(before) == b, seen[max(before)]))
        if not known:
            continue
        levels = [r[5] for _, r in known]
        out[b] = (
            math.fsum(r[0] for here, r in known if here),
            math.fsum(r[1] for here, r in known if here),
            min(levels), max(levels), math.fsum(levels), math.fsum(levels),
            max(r[6] for _, r in known), len(known), None,
        )  # fmt: skip
    return out


def stored(dsn: str) -> tuple[list[Obs], dict[tuple[Any, ...], Row]]:
    """The observations and the rollups in the database."""
    with psycopg.connect(dsn) as conn:
        obs = [
            Obs(str(i), str(s), ts, float(v), bool(inc), reg)  # type: ignore[arg-type]
            for i, s, ts, v, inc, reg in conn.execute(
                "SELECT indicator, source, ts, value,"
                " coalesce(labels->>'arrives_as' = 'increment', false), region"
                " FROM observations"
            ).fetchall()
        ]
        rollups = {
            (str(i), str(w), str(s), b.astimezone(CITY_TZ)): (  # type: ignore[union-attr]
                float(c),
                float(su),
                float(mi),
                float(ma),
                float(me),
                float(la),
                lt,
                int(n),  # type: ignore[arg-type]
                reg,  # type: ignore[misc]
            )
            for i, w, s, b, c, su, mi, ma, me, la, lt, n, reg in conn.execute(
                "SELECT indicator, width, source, bucket, count, sum, min, max, mean, last,"
                " last_ts, sources, region FROM rollups"
            ).fetchall()
        }
    return obs, rollups


def differences(got: dict[tuple[Any, ...], Row], want: dict[tuple[Any, ...], Row]) -> list[str]:
    """What differs, said row by row (floats to a relative 1e-9)."""
    out = [f"missing {k}" for k in want.keys() - got.keys()]
    out += [f"extra {k}: {got[k]}" for k in got.keys() - want.keys()]
    for k in want.keys() & got.keys():
        a, b = got[k], want[k]
        same = all(
            math.isclose(x, y, rel_tol=1e-9, abs_tol=1e-9)
            if isinstance(x, float) and isinstance(y, float)
            else x == y
            for x, y in zip(a, b, strict=True)
        )
        if not same:
            out.append(f"{k}: stored {a}, expected {b}")
    return sorted(out)

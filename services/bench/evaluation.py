"""Throughput of the pure evaluation: ``python -m services.bench.evaluation [--regions N] [--shards K]``.

Builds the plan catalogue's targets once per region (N copies of the 39 targets, each
with two years of monthly city data, daily data as the engine reads it, four
contributing sources, and a dozen series per region), then times ``judge`` + ``advance``
with the default rules — the work the engine does per evaluation besides reading from
and writing to the database.

With K shards (services.alerts.snapshot.shards), K processes each build the snapshot, keep their
shard's targets and series, as an engine shard reads only those, and judge them at the
same time; a round takes from the first start to the last end.
"""

from __future__ import annotations

import multiprocessing
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import click

from services.alerts.engine import (
    AlertRecord,
    Bucket,
    SeriesInput,
    Snapshot,
    SourceBuckets,
    TargetInput,
    advance,
    judge,
)
from services.alerts.runtime.gc_freeze import out_of_collections
from services.alerts.snapshot import History, Shard, Universe, load_universe
from services.indicators.plans import Target
from services.indicators.target_data import TargetData
from services.settings import Settings

__all__ = ["Timing", "synthetic_snapshot", "time_evaluations"]

_DAYS = 760
_MONTHS = 25


def _buckets(
    now: datetime, step: timedelta, n: int, level: float, rng: random.Random
) -> list[Bucket]:
    out = []
    total = level
    for i in range(n, 0, -1):
        at = now - step * i
        v = level * rng.uniform(0.7, 1.3)
        total += abs(v) * 0.01
        out.append(Bucket(at, 24, v * 24, v * 0.5, v * 1.5, v, total, at + step / 2))
    return out


def _data(t: Target, day: Sequence[Bucket], month: Sequence[Bucket], now: datetime) -> TargetData:
    """The data as services.alerts.snapshot.load reads it (all days for levels, recent ones else)."""
    if t.kind != "level-mean":
        day = [b for b in day if b.at >= now - History().recent_days]
    if t.kind == "level-mean":
        return TargetData(
            tuple((b.at, b.mean) for b in day), tuple((b.at, b.mean) for b in month), None, now
        )
    if t.kind == "flow":
        return TargetData(
            tuple((b.at, b.sum) for b in day), tuple((b.at, b.sum) for b in month), None, now
        )
    latest = (day[-1].last_ts, day[-1].last)
    if t.kind in ("stock", "capacity"):
        return TargetData(
            tuple((b.at, b.last) for b in day), tuple((b.at, b.last) for b in month), latest, now
        )
    return TargetData((), tuple((b.at, b.last) for b in month), latest, now)


def _region_data(
    u: Universe, t: Target, region: str, now: datetime, rng: random.Random
) -> tuple[TargetData, tuple[tuple[datetime, float], ...], SourceBuckets]:
    per_day = t.value / 365 if t.kind == "flow" else t.value * 0.9
    day = _buckets(now, timedelta(days=1), _DAYS, per_day, rng)
    month = _buckets(now, timedelta(days=30), _MONTHS, per_day * 30, rng)
    sources = SourceBuckets()  # as services.alerts.snapshot.sql holds them
    for k in range(4):
        for b in _buckets(now, timedelta(days=1), 120, per_day / 4, rng):
            sources.append(f"{region}-s{k}", b)
    hourly = tuple((b.at, b.mean) for b in _buckets(now, timedelta(hours=1), 72, per_day, rng))
    return _data(t, day, month, now), hourly, sources


def synthetic_snapshot(
    u: Universe, regions: int, now: datetime, seed: int = 7, profiles: int = 8
) -> Snapshot:
    """Every target of ``u`` once per region, with plausible data around its target value.

    Regions share ``profiles`` sets of data (immutable, so sharing changes no result), which
    keeps a snapshot of 10 000 target×region evaluations small and quick to build.
    """
    rng = random.Random(seed)
    shared = [
        {t.id: _region_data(u, t, f"region-{p:03d}", now, rng) for t in u.targets}
        for p in range(min(profiles, regions))
    ]
    inputs: list[TargetInput] = []
    series: list[SeriesInput] = []
    for r in range(regions):
        region = f"region-{r:03d}"
        for t in u.targets:
            ind = u.catalogue.get(t.indicator)
            data, hourly, sources = shared[r % len(shared)][t.id]
            copy = replace(t, id=f"{t.id}@{region}", region=region)
            inputs.append(
                TargetInput(
                    copy,
                    family=ind.family,
                    data=data,
                    cadence=ind.cadence_max,
                    combine=ind.combine,
                    hourly=hourly,
                    sources=sources,
                )
            )
        for k in range(12):
            latest = {"hour": _buckets(now, timedelta(hours=1), 1, 80.0, rng)[0]}
            seen = now - timedelta(hours=rng.uniform(0, 10))
            series.append(
                SeriesInput(
                    "air.pm25",
                    f"{region}-st{k}",
                    "air",
                    "µg/m³",
                    region,
                    seen,
                    timedelta(hours=1),
                    latest,
                )
            )
    return Snapshot(now, tuple(inputs), tuple(series))


@dataclass(frozen=True, slots=True)
class Timing:
    targets: int
    series: int
    checks: int
    seconds: float  # best of the rounds: judge + advance over every target and series
    shards: int = 1


_NOW = datetime(2026, 11, 22, 8, tzinfo=UTC)


def _regions(u: Universe, evaluations: int) -> int:
    return max(1, -(-evaluations // max(1, len(u.targets))))


def _shard_of(snapshot: Snapshot, shard: Shard) -> Snapshot:
    """What an engine shard reads of ``snapshot``: its targets and series."""
    if shard.whole:
        return snapshot
    return Snapshot(
        snapshot.now,
        tuple(t for t in snapshot.targets if shard.owns(t.target.id)),
        tuple(s for s in snapshot.series if shard.owns(s.key)),
    )


def _rounds(
    u: Universe, snapshot: Snapshot, rounds: int, wait: Any = None
) -> tuple[list[tuple[float, float]], int]:
    """(start, end) of each round on the monotonic clock, and the rule checks of the last.

    Each round judges knowing the alerts the previous one stored, as the engine judges
    knowing the stored alerts (every signal is computed either way). ``wait``: a barrier
    the shards' processes meet at before each round.
    """
    priors: dict[str, AlertRecord] = {}
    spans = []
    checks = 0
    for i in range(rounds):
        at = snapshot.now + timedelta(minutes=i)
        if wait is not None:
            wait.wait()
        start = time.perf_counter()
        stored = {(a.state.rule_id, a.subject) for a in priors.values()}  # as the engine
        with out_of_collections():  # as the engine judges
            judgement = judge(replace(snapshot, now=at), u.rules, known=stored)
        outcome = advance(judgement, priors)
        spans.append((start, time.perf_counter()))
        priors = {a.fingerprint: a for a in outcome.alerts}
        checks = outcome.checks
    return spans, checks


def time_evaluations(
    u: Universe,
    evaluations: int = 10_000,
    rounds: int = 3,
    shards: int = 1,
    settings: Settings | None = None,
) -> Timing:
    """Time judge + advance over at least ``evaluations`` target×region evaluations, in one
    process or split across ``shards`` processes judging at the same time (each loading
    the universe from the files of ``settings``, which ``u`` must have been loaded from)."""
    if shards > 1:
        return _time_shards(settings or Settings(), u.tz, evaluations, rounds, shards)
    snapshot = synthetic_snapshot(u, _regions(u, evaluations), _NOW)
    spans, checks = _rounds(u, snapshot, rounds)
    best = min(end - start for start, end in spans)
    return Timing(len(snapshot.targets), len(snapshot.series), checks, best)


@dataclass(frozen=True, slots=True)
class _Paths:
    plans: Path
    rules: Path
    catalogue: Path
    tz: str


def _time_shards(s: Settings, tz: str, evaluations: int, rounds: int, shards: int) -> Timing:
    # The shards' processes start fresh (spawn: the bench's own threads are not copied)
    # and load the universe from its files.
    paths = _Paths(s.plans_dir, s.rules_dir, s.catalogue_path, tz)
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(shards)
    queue = ctx.SimpleQueue()
    procs = [
        ctx.Process(
            target=_shard_main,
            args=(paths, evaluations, rounds, Shard(i, shards), barrier, queue),
            name=f"bench-shard-{i}",
        )
        for i in range(shards)
    ]
    for p in procs:
        p.start()
    results = [queue.get() for _ in procs]
    for p in procs:
        p.join()
    failed = [r for r in results if isinstance(r, str)]
    if failed:
        raise RuntimeError(f"an engine shard's process failed: {failed[0]}")
    walls = [
        max(r[0][k][1] for r in results) - min(r[0][k][0] for r in results) for k in range(rounds)
    ]
    return Timing(
        sum(r[1] for r in results),
        sum(r[2] for r in results),
        sum(r[3] for r in results),
        min(walls),
        shards,
    )


def _shard_main(
    paths: _Paths, evaluations: int, rounds: int, shard: Shard, barrier: Any, queue: Any
) -> None:
    """One shard's process: its figures (or what went wrong) on ``queue``."""
    try:
        u = load_universe(paths.plans, paths.rules, paths.catalogue, paths.tz)
        snapshot = _shard_of(synthetic_snapshot(u, _regions(u, evaluations), _NOW), shard)
        spans, checks = _rounds(u, snapshot, rounds, barrier)
        queue.put((spans, len(snapshot.targets), len(snapshot.series), checks))
    except Exception as exc:  # noqa: BLE001 - the parent reports it; abort() frees the others
        barrier.abort()
        queue.put(f"shard {shard}: {exc!r}")


@click.command()
@click.option("--regions", default=50, show_default=True, help="Copies of the 39 targets")
@click.option("--rounds", default=3, show_default=True, help="Timed evaluations")
@click.option("--shards", default=1, show_default=True, help="Engine shards, one process each")
def main(regions: int, rounds: int, shards: int) -> None:
    """Time judge + advance over targets × regions with the default rules."""
    s = Settings()
    u = load_universe(s.plans_dir, s.rules_dir, s.catalogue_path)
    t = time_evaluations(u, regions * len(u.targets), rounds, shards)
    click.echo(
        f"{t.targets} target×region evaluations ({t.series} series, {t.checks} rule checks) "
        f"in {t.seconds:.3f} s on {t.shards} shard(s): {t.targets / t.seconds:,.0f} targets/s, "
        f"{t.checks / t.seconds:,.0f} rule checks/s"
    )


if __name__ == "__main__":
    main()

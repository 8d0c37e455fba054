"""What the writer's statements cost: the stream's storing alone, statement by statement.

``python -m services.bench.writer_profile`` writes hourly readings of ``--stations``
stations (time after time, as a backlog drains) in batches of ``--batch`` through
``ObservationWriter`` into a scratch database of its own (``BenchEnv``: created, migrated,
dropped), after ``--warm`` readings written first, and prints per statement the wall time
and the CPU time of the database backend that ran it (``/proc/<pid>/stat``, 10 ms ticks),
in µs per reading. ``--live`` writes instead what a live feed sends: ``--batch`` readings a
batch into the current hour of every station, ``--batches`` times (the latency phase's
shape). docs/performance.md shows what it printed for each change of the hot path.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import click
import psycopg

from services.bench.env import BenchEnv
from services.bench.pipeline import _readings
from services.indicators.catalogue import load_catalogue
from services.indicators.columns import ReadingColumns
from services.settings import Settings
from services.storage import ObservationWriter, open_pool, sync_catalogue
from services.storage import rollups as _rollups
from services.storage import writer as _writer

_TICK = float(os.sysconf("SC_CLK_TCK"))
# The statements by name (the writer's and the rollups' constants), for the table.
_NAMES = {
    id(value): name
    for module in (_rollups, _writer)
    for name, value in vars(module).items()
    if name.lstrip("_").isupper() and isinstance(value, str | psycopg.sql.Composable)
}


def _cpu(pid: int) -> float:
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat[stat.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / _TICK


@contextmanager
def _timed(table: dict[str, list[float]]) -> Iterator[None]:
    """Every statement a cursor runs (and every COPY) timed into ``table``: name → [wall,
    backend CPU, count]; restored afterwards."""
    execute, copy = psycopg.AsyncCursor.execute, psycopg.AsyncCursor.copy

    async def timed_execute(self: Any, query: Any, params: Any = None, **kw: Any) -> Any:
        pid, t0 = self.connection.info.backend_pid, time.perf_counter()
        c0 = _cpu(pid)
        try:
            return await execute(self, query, params, **kw)
        finally:
            name = _NAMES.get(id(query)) or " ".join(str(query).split())[:40]
            if isinstance(params, dict) and "width" in params:
                name += f" {params['width']}"
            row = table.setdefault(name, [0.0, 0.0, 0])
            row[0] += time.perf_counter() - t0
            row[1] += _cpu(pid) - c0
            row[2] += 1

    @asynccontextmanager
    async def timed_copy(
        self: Any, statement: Any, params: Any = None, **kw: Any
    ) -> AsyncIterator[Any]:
        pid, t0 = self.connection.info.backend_pid, time.perf_counter()
        c0 = _cpu(pid)
        async with copy(self, statement, params, **kw) as cp:
            yield cp
        row = table.setdefault("COPY", [0.0, 0.0, 0])
        row[0] += time.perf_counter() - t0
        row[1] += _cpu(pid) - c0
        row[2] += 1

    psycopg.AsyncCursor.execute = timed_execute  # type: ignore[method-assign]
    psycopg.AsyncCursor.copy = timed_copy  # type: ignore[method-assign]
    try:
        yield
    finally:
        psycopg.AsyncCursor.execute = execute  # type: ignore[method-assign]
        psycopg.AsyncCursor.copy = copy  # type: ignore[method-assign]


def _live(stations: int, size: int, batches: int) -> list[ReadingColumns]:
    now = datetime.now(UTC)
    hour = now.replace(minute=0, second=0, microsecond=0)
    out = []
    k = 0
    for _ in range(batches):
        c = ReadingColumns()
        for _ in range(size):
            r = (f"live-{k % stations}", hour + timedelta(microseconds=k * 200), 20.0 + k % 50)
            c.indicator.append("air.pm25")
            c.source.append(r[0])
            c.ts.append(r[1])
            c.value.append(r[2])
            c.raw_unit.append("µg/m³")
            c.received_at.append(now)
            k += 1
        n = len(c.indicator)
        c.region, c.labels, c.reading_id, c.raw_value = (
            [None] * n,
            [None] * n,
            [None] * n,
            [None] * n,
        )
        out.append(c)
    return out


async def _profile(dsn: str, stations: int, hours: int, batch: int, warm: int, live: int) -> None:
    pool = await open_pool(dsn, max_size=2)
    await pool.wait()
    await sync_catalogue(pool, load_catalogue())
    writer = ObservationWriter(pool)
    if live:
        batches = _live(stations, batch, live)
    else:
        start = datetime(2024, 1, 1, tzinfo=UTC)
        data = _readings("p", stations, hours, start)
        now = datetime.now(UTC)
        for i in range(0, warm, batch):
            await writer.write(ReadingColumns.of((r, now) for r in data[i : min(i + batch, warm)]))
        batches = [
            ReadingColumns.of((r, now) for r in data[i : i + batch])
            for i in range(warm, len(data), batch)
        ]
    n = sum(len(b) for b in batches)
    table: dict[str, list[float]] = {}
    t0, c0 = time.perf_counter(), time.process_time()
    with _timed(table):
        for b in batches:
            await writer.write(b)
    wall = time.perf_counter() - t0
    click.echo(
        f"{n:,} readings in {len(batches)} batches: {n / wall:,.0f} readings/s, "
        f"{wall * 1e3 / len(batches):.1f} ms a batch; the writer's Python "
        f"{(time.process_time() - c0) * 1e6 / n:.2f} µs a reading"
    )
    click.echo(f"{'wall µs/reading':>16} {'backend CPU':>12} {'times':>6}  statement")
    for name, (w, c, k) in sorted(table.items(), key=lambda kv: -kv[1][0]):
        click.echo(f"{w * 1e6 / n:16.2f} {c * 1e6 / n:12.2f} {int(k):6d}  {name}")
    await pool.close()


@click.command()
@click.option("--stations", default=500, show_default=True)
@click.option("--hours", default=340, show_default=True, help="hours of every station")
@click.option("--batch", default=150_000, show_default=True, help="readings a batch")
@click.option("--warm", default=20_000, show_default=True, help="readings written first")
@click.option("--live", default=0, help="this many live batches instead (see above)")
def main(stations: int, hours: int, batch: int, warm: int, live: int) -> None:
    """Profile the writer's statements on a scratch database of the embedded stack."""
    env = BenchEnv(Settings())
    env.create_database()
    try:
        asyncio.run(_profile(env.dsn, stations, hours, batch, warm, live))
    finally:
        env.close()


if __name__ == "__main__":
    main()

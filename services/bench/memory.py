"""Memory per active series: N distinct series fed through a worker and the alert engine.

Both run as their own processes (``ontrack worker``, ``ontrack alerts``); their resident
memory is read from the OS before the series arrive and sampled until the engine has
judged all of them in two full evaluations. The growth, divided by N, is the memory one
more active series costs each process.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx

from services.bench.env import BenchEnv, Service, free_port
from services.bench.pipeline import _readings, produce, start_worker
from services.bench.watch import AggregatesWatcher

__all__ = ["SeriesMemory", "memory_per_series", "rss_bytes"]

Say = Callable[[str], None]
_TICKS = re.compile(r'^ontrack_alert_evaluations_total\{trigger="tick"\} ([0-9.e+]+)$', re.M)


@dataclass(frozen=True, slots=True)
class SeriesMemory:
    series: int
    worker_bytes: float  # per series
    engine_bytes: float  # per series
    engine_tick_seconds: float  # one full evaluation with every series, as the engine saw it


def rss_bytes(pid: int) -> int:
    """Resident memory of a process, from /proc (Linux)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError(f"no VmRSS for process {pid}")


class _Peak:
    def __init__(self, *services: Service) -> None:
        self.pids = [s.pid for s in services]
        self.base = [rss_bytes(p) for p in self.pids]
        self.peak = list(self.base)

    def sample(self) -> None:
        for i, p in enumerate(self.pids):
            self.peak[i] = max(self.peak[i], rss_bytes(p))


def _ticks(url: str) -> int:
    found = _TICKS.search(httpx.get(url, timeout=5).text)
    return int(float(found[1])) if found else 0


def memory_per_series(env: BenchEnv, series: int, say: Say) -> SeriesMemory:
    s = env.phase("memory", eval_interval=2.0)
    worker = start_worker(env, s, "memory-worker")
    port = free_port()
    engine = env.start(
        "memory-alerts", ["alerts", "--web-port", str(port), "--eval-interval", "2"], s
    )
    metrics = f"http://127.0.0.1:{port}/metrics"
    env.wait_http(engine, metrics)
    fresh = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    data = _readings("bm", series, 1, fresh)

    async def run() -> SeriesMemory:
        watcher = AggregatesWatcher(s.kafka_bootstrap, s.topic_aggregates)
        await watcher.start()
        try:
            warm = _readings("bmw", 1, 1, fresh)
            await asyncio.to_thread(produce, s, warm)
            if not await watcher.wait_rows(1, 120):
                raise RuntimeError("the memory worker stored nothing within 120 s")
            await _wait_ticks(metrics, 2, 120)
            peak = _Peak(worker, engine)
            say(f"  feeding {series:,} distinct series")
            feeding = asyncio.create_task(asyncio.to_thread(produce, s, data))
            want = 1 + series
            deadline = time.monotonic() + 900
            while watcher.rows < want and time.monotonic() < deadline:
                peak.sample()
                await asyncio.sleep(0.1)
            await feeding
            say("  stored; waiting for two full evaluations of the engine")
            ticks = await asyncio.to_thread(_ticks, metrics)
            t0 = time.monotonic()
            while await asyncio.to_thread(_ticks, metrics) < ticks + 2:
                peak.sample()
                if time.monotonic() - t0 > 600:
                    raise RuntimeError("the alert engine did not evaluate twice within 600 s")
                await asyncio.sleep(0.1)
            tick = (time.monotonic() - t0) / 2
            peak.sample()
            (wb, eb), (wp, ep) = peak.base, peak.peak
            return SeriesMemory(series, (wp - wb) / series, (ep - eb) / series, tick)
        finally:
            await watcher.stop()

    try:
        return asyncio.run(run())
    finally:
        env.stop_services()


async def _wait_ticks(url: str, n: int, within: float) -> None:
    deadline = time.monotonic() + within
    while await asyncio.to_thread(_ticks, url) < n:
        if time.monotonic() > deadline:
            raise RuntimeError(f"the alert engine did not evaluate {n} times within {within} s")
        await asyncio.sleep(0.2)

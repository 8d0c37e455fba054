"""Load for the bench: request bodies of readings, as fast as possible or at a steady rate.

Every reading is an ``air.pm25`` hour of a station ``<prefix>-<n>``; distinct bodies carry
distinct (series, ts), so what is stored can be reconciled with what was sent.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import aiohttp
import orjson

__all__ = ["Hammered", "Steady", "body_of", "hammer", "hourly_records", "steady"]

JSON = {"content-type": "application/json"}


def _record(source: str, ts: datetime, value: float) -> dict[str, object]:
    return {
        "indicator": "air.pm25",
        "source": source,
        "ts": ts.isoformat(),
        "value": value,
        "unit": "µg/m³",
    }


def hourly_records(
    prefix: str, stations: int, hours: int, start: datetime
) -> Iterator[dict[str, object]]:
    """Time-major, as feeds arrive: every station, hour after hour."""
    for h in range(hours):
        ts = start + timedelta(hours=h)
        for s in range(stations):
            yield _record(f"{prefix}-{s}", ts, 10.0 + (h * 7 + s) % 90)


def body_of(records: Sequence[dict[str, object]]) -> bytes:
    return orjson.dumps({"readings": list(records)})


@dataclass(slots=True)
class Hammered:
    requests: int
    accepted: int
    seconds: float

    @property
    def requests_per_s(self) -> float:
        return self.requests / self.seconds

    @property
    def accepted_per_s(self) -> float:
        return self.accepted / self.seconds


async def hammer(
    url: str | Sequence[str],
    bodies: Sequence[bytes],
    requests: int,
    concurrency: int,
    headers: dict[str, str] | None = None,
    on_progress: Callable[[int], None] = lambda n: None,
) -> Hammered:
    """POST ``requests`` bodies (cycling through ``bodies``) over ``concurrency`` keep-alive
    connections (aiohttp, which sets TCP_NODELAY; without it, header and body writes meet
    delayed ACKs). Any answer other than 2xx stops the run. Several URLs (API processes)
    share the connections round robin, as a load balancer spreads them."""
    urls = [url] if isinstance(url, str) else list(url)
    next_index = 0
    accepted = 0
    connector = aiohttp.TCPConnector(limit=concurrency)
    timeout = aiohttp.ClientTimeout(total=120)
    async with aiohttp.ClientSession(
        headers={**JSON, **(headers or {})}, connector=connector, timeout=timeout
    ) as session:

        async def worker(url: str) -> None:
            nonlocal next_index, accepted
            while next_index < requests:
                i = next_index
                next_index += 1
                async with session.post(url, data=bodies[i % len(bodies)]) as resp:
                    answer = await resp.read()
                    if resp.status >= 300:
                        raise RuntimeError(f"{url} answered {resp.status}: {answer[:300]!r}")
                if answer.startswith(b'{"accepted":'):
                    accepted += int(orjson.loads(answer)["accepted"])
                if i % 50 == 0:
                    on_progress(i)

        start = time.perf_counter()
        await asyncio.gather(*(worker(urls[j % len(urls)]) for j in range(concurrency)))
        return Hammered(requests, accepted, time.perf_counter() - start)


@dataclass(slots=True)
class Steady:
    """When each reading was pushed: ``sent[source]`` lists the push times (µs since the
    epoch, which are also the readings' ``ts``)."""

    sent: dict[str, list[int]] = field(default_factory=dict)
    readings: int = 0
    accepted: int = 0
    late: int = 0  # requests sent later than their slot (the client could not keep up)


async def steady(
    url: str,
    headers: dict[str, str],
    prefix: str,
    stations: int,
    rate: float,
    seconds: float,
    per_request: int = 100,
    on_progress: Callable[[int], None] = lambda n: None,
) -> Steady:
    """Push ``rate`` readings/s for ``seconds``, ``per_request`` readings per request, each
    reading stamped with the time it is pushed; requests start on a fixed schedule."""
    out = Steady()
    interval = per_request / rate
    total = int(seconds * rate / per_request)
    pending: set[asyncio.Task[None]] = set()
    async with aiohttp.ClientSession(headers={**JSON, **headers}) as session:

        async def send(i: int) -> None:
            now_us = time.time_ns() // 1000
            ts = datetime.fromtimestamp(now_us / 1e6, UTC)
            sources = [f"{prefix}-{(i * per_request + k) % stations}" for k in range(per_request)]
            body = body_of([_record(s, ts, 20.0 + k % 50) for k, s in enumerate(sources)])
            for s in sources:
                out.sent.setdefault(s, []).append(now_us)
            async with session.post(url, data=body) as resp:
                answer = await resp.read()
                if resp.status >= 300:
                    raise RuntimeError(f"{url} answered {resp.status}: {answer[:300]!r}")
            out.accepted += int(orjson.loads(answer)["accepted"])
            out.readings += per_request

        loop = asyncio.get_running_loop()
        start = loop.time()
        for i in range(total):
            slot = start + i * interval
            delay = slot - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            elif delay < -interval:
                out.late += 1
            task = asyncio.create_task(send(i))
            pending.add(task)
            task.add_done_callback(pending.discard)
            if i % 20 == 0:
                on_progress(i * per_request)
        if pending:
            await asyncio.gather(*pending)
    return out

"""``ontrack demo``: replay the simulated feeds through the real pipeline in accelerated time.

The API and a stream worker run as processes, exactly as in production; the alert engine
runs in this process with a simulated clock, evaluating after each replayed step once
everything pushed so far is stored (counts reconciled), so alerts fire and resolve on the
simulated calendar.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import httpx
import orjson
from prometheus_client import CollectorRegistry

from services.alerts.runtime import AlertEngine, EngineMetrics
from services.alerts.snapshot import load_universe
from services.auth import Scope, new_key
from services.dashboards.targets import publish_plans
from services.demo.env import demo_settings, reset
from services.demo.simulate import CST, PROVIDERS, START, readings_between
from services.ingest.client import IngestClient
from services.settings import Settings, process_env
from services.storage import insert_key, migrate, open_pool

__all__ = ["DemoOptions", "DemoResult", "run_demo"]

Say = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class DemoOptions:
    until: datetime
    start: datetime = START
    step: timedelta = timedelta(days=7)
    api_port: int = 8181
    worker_port: int = 6166
    chunk: int = 5000
    name: str = "demo"  # database ontrack_<name>, topics <name>.*


@dataclass(slots=True)
class DemoResult:
    pushed: int = 0
    accepted: int = 0
    rejected: int = 0
    stored: int = 0
    evaluations: int = 0
    seconds: float = 0.0
    transitions: list[tuple[str, str, str, datetime]] = field(default_factory=list)


def _env(s: Settings) -> dict[str, str]:
    return process_env(
        s,
        ONTRACK_BATCH_WITHIN_SECONDS="0.05",
        ONTRACK_RATE_PER_KEY="1000000",
        ONTRACK_RATE_BURST="1000000",
    )


class _Services:
    """The API and one stream worker as child processes, logs under the stack directory."""

    def __init__(self, s: Settings, opts: DemoOptions) -> None:
        logs = s.stack_dir / "logs"
        logs.mkdir(parents=True, exist_ok=True)
        base = [sys.executable, "-m", "services"]
        self.url = f"http://127.0.0.1:{opts.api_port}"
        self.procs: list[subprocess.Popen[bytes]] = []
        for name, args in (
            (f"{opts.name}-api", ["api", "--port", str(opts.api_port)]),
            (f"{opts.name}-worker", ["worker", "--web-port", str(opts.worker_port)]),
        ):
            with (logs / f"{name}.log").open("ab") as out:
                self.procs.append(
                    subprocess.Popen([*base, *args], env=_env(s), stdout=out, stderr=out)  # noqa: S603
                )
        self.logs = logs

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for p in self.procs:
                if p.poll() is not None:
                    raise RuntimeError(
                        f"a demo service exited with {p.returncode}; see {self.logs}"
                    )
            try:
                if httpx.get(self.url + "/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        raise RuntimeError(f"the demo API did not answer within {timeout:.0f}s; see {self.logs}")

    def stop(self) -> None:
        for p in self.procs:
            if p.poll() is None:
                p.terminate()
        for p in self.procs:
            try:
                p.wait(20)
            except subprocess.TimeoutExpired:
                p.kill()


async def _make_keys(s: Settings) -> dict[str, str]:
    pool = await open_pool(s.dsn)
    tokens = {}
    try:
        async with pool.connection() as conn:
            for provider, indicators in PROVIDERS.items():
                key = new_key()
                await insert_key(
                    conn,
                    key.id,
                    key.hash,
                    provider,
                    Scope(tuple(indicators), ("*",)),
                    ["ingest"],
                    "demo",
                )
                tokens[provider] = key.token
    finally:
        await pool.close()
    return tokens


def _push(
    clients: dict[str, IngestClient],
    batch: dict[str, list[dict[str, object]]],
    chunk: int,
    result: DemoResult,
) -> None:
    for provider, readings in batch.items():
        for i in range(0, len(readings), chunk):
            part = readings[i : i + chunk]
            answer = clients[provider].post(orjson.dumps({"readings": part}), "application/json")
            result.pushed += len(part)
            result.accepted += int(answer.body.get("accepted", 0))
            result.rejected += int(answer.body.get("rejected", 0))


async def _stored(pool: object) -> int:
    async with pool.connection() as conn:  # type: ignore[attr-defined]
        row = await (await conn.execute("SELECT count(*) FROM observations")).fetchone()
    return int(row[0])


async def _wait_stored(pool: object, want: int, within: float = 300) -> int:
    deadline = time.monotonic() + within
    while True:
        got = await _stored(pool)
        if got >= want or time.monotonic() > deadline:
            return got
        await asyncio.sleep(0.05)


async def run_demo(base: Settings, opts: DemoOptions, say: Say) -> tuple[Settings, DemoResult]:
    s = demo_settings(base, opts.name)
    say("resetting the demo database and topics")
    reset(base, s)
    migrate(s.dsn, lambda m: None)
    await publish_plans(s.dsn, s.plans_dir, s.catalogue_path)
    tokens = await _make_keys(s)
    say(
        f"starting the API on :{opts.api_port} and a stream worker (logs in {s.stack_dir / 'logs'})"
    )
    services = _Services(s, opts)
    result = DemoResult()
    started = time.monotonic()
    try:
        services.wait_ready()
        clients = {p: IngestClient(services.url, tok) for p, tok in tokens.items()}
        universe = load_universe(s.plans_dir, s.rules_dir, s.catalogue_path)
        pool = await open_pool(s.dsn, max_size=3, name="ontrack-demo")
        engine = AlertEngine(universe, pool, EngineMetrics.create(CollectorRegistry()))
        try:
            await _replay(opts, clients, pool, engine, result, say)
        finally:
            await pool.close()
            for c in clients.values():
                c.close()
    finally:
        services.stop()
    result.seconds = time.monotonic() - started
    return s, result


async def _replay(
    opts: DemoOptions,
    clients: dict[str, IngestClient],
    pool: object,
    engine: AlertEngine,
    result: DemoResult,
    say: Say,
) -> None:
    t = opts.start
    total_steps = max(1, int((opts.until - opts.start) / opts.step) + 1)
    step_no = 0
    tick = time.monotonic()
    last_month = ""
    while t < opts.until:
        end = min(t + opts.step, opts.until)
        batch: dict[str, list[dict[str, object]]] = defaultdict(list)
        for feed in readings_between(t, end):
            batch[feed.provider].append(feed.reading)
        await asyncio.to_thread(_push, clients, batch, opts.chunk, result)
        result.stored = await _wait_stored(pool, result.accepted)
        outcome = await engine.evaluate(now=end)
        result.evaluations += 1
        for tr in outcome.transitions:
            result.transitions.append((tr.fingerprint, tr.from_state, tr.to_state, tr.at))
        step_no += 1
        month = end.astimezone(CST).strftime("%Y-%m")
        if month != last_month or end >= opts.until:
            last_month = month
            rate = result.accepted / max(time.monotonic() - tick, 1e-6)
            firing = sum(1 for *_x, to, _at in result.transitions if to == "firing")
            say(
                f"[{step_no:>3}/{total_steps}] {month}  {result.accepted:>8,} readings stored "
                f"({rate:,.0f}/s)  alerts fired so far: {firing}"
            )
        t = end

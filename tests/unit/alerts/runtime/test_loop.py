"""The engine loop: a tick first, then events; offsets committed only after a stored evaluation."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

import psycopg
import pytest
from prometheus_client import CollectorRegistry

from services.alerts.runtime.events import indicator_of
from services.alerts.runtime.loop import run_loop
from services.alerts.runtime.metrics import EngineMetrics


class FakeEngine:
    def __init__(self, fail: int = 0) -> None:
        self.metrics = EngineMetrics.create(CollectorRegistry())
        self.log: list[str] = []
        self.fail = fail

    async def evaluate(self, indicators: Iterable[str] | None = None) -> None:
        named = "all" if indicators is None else ",".join(sorted(indicators))
        if self.fail:
            self.fail -= 1
            self.log.append(f"failed {named}")
            raise psycopg.OperationalError("database unavailable")
        self.log.append(f"evaluate {named}")


class FakeEvents:
    """Hands out scripted batches of indicator names, then stops the loop."""

    def __init__(self, log: list[str], batches: list[set[str]], stop: asyncio.Event) -> None:
        self.log, self.batches, self.stop = log, list(batches), stop

    async def poll(self, within: float) -> set[str]:
        await asyncio.sleep(0)
        if not self.batches:
            self.stop.set()
            return set()
        return self.batches.pop(0)

    async def commit(self) -> None:
        self.log.append("commit")


async def run(engine: FakeEngine, batches: list[set[str]]) -> list[str]:
    stop = asyncio.Event()
    events = FakeEvents(engine.log, batches, stop)
    await asyncio.wait_for(run_loop(engine, events, 3600.0, stop, retry=0.01), 5)  # type: ignore[arg-type]
    return engine.log


async def test_a_tick_first_then_what_events_name_each_committed_after_it() -> None:
    log = await run(FakeEngine(), [set(), {"air.pm25"}, set(), {"port.container_teu", "air.o3"}])
    assert log == [
        "evaluate all",
        "commit",
        "evaluate air.pm25",
        "commit",
        "evaluate air.o3,port.container_teu",
        "commit",
    ]


async def test_a_failed_evaluation_keeps_its_events_and_commits_nothing_until_it_succeeds() -> None:
    engine = FakeEngine(fail=2)
    log = await run(engine, [{"air.pm25"}, {"air.o3"}, set()])
    # the tick, once it succeeds, covers the events polled meanwhile; only then a commit
    assert log == ["failed all", "failed all", "evaluate all", "commit"]
    assert (
        engine.metrics.registry.get_sample_value(
            "ontrack_alert_evaluation_failures_total", {"trigger": "tick"}
        )
        == 2.0
    )


async def test_failed_event_evaluations_are_retried_with_the_same_names() -> None:
    engine = FakeEngine()
    stop = asyncio.Event()
    events = FakeEvents(engine.log, [set(), {"air.pm25"}, {"air.o3"}, set()], stop)
    original = engine.evaluate
    calls = 0

    async def flaky(indicators: Iterable[str] | None = None) -> None:
        nonlocal calls
        calls += 1
        if calls == 2:
            engine.log.append("failed")
            raise OSError("connection reset")
        await original(indicators)

    engine.evaluate = flaky  # type: ignore[method-assign]
    await asyncio.wait_for(run_loop(engine, events, 3600.0, stop, retry=0.01), 5)  # type: ignore[arg-type]
    assert engine.log == [
        "evaluate all",
        "commit",
        "failed",
        "evaluate air.o3,air.pm25",
        "commit",
    ]


@pytest.mark.parametrize(
    ("payload", "name"),
    [
        (
            b'{"v":1,"indicator":"air.pm25","at":"2026-11-22T08:00:00+00:00","series":[]}',
            "air.pm25",
        ),
        (b'{"v":1}', None),
        (b'{"indicator": 3}', None),
        (b"[1, 2]", None),
        (b"not json", None),
        (None, None),
    ],
)
def test_reading_an_aggregates_event(payload: bytes | None, name: str | None) -> None:
    assert indicator_of(payload) == name

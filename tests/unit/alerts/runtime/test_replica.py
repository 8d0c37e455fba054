"""A replica evaluates only while it leads, joins ``aggregates`` only then, ends its term when
the lock is gone (found by its watch or by the evaluation's fence), and reports its health."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

import pytest
from prometheus_client import CollectorRegistry

from services.alerts.runtime.leader import LeadershipLost
from services.alerts.runtime.metrics import EngineMetrics
from services.alerts.runtime.replica import Replica, healthy


class FakeLeadership:
    """Answers each step from a script; the stop event is set once the script runs out."""

    def __init__(self, script: list[bool], stop: asyncio.Event) -> None:
        self.script, self.stop = list(script), stop
        self.leading = False
        self.name = "engine-under-test"
        self.leader: str | None = None
        self.last_contact: float | None = None
        self.closed = False

    async def step(self) -> bool:
        if not self.script:
            self.stop.set()
            return self.leading
        self.leading = self.script.pop(0)
        return self.leading

    async def fence(self, conn: object) -> None:
        pass

    async def close(self) -> None:
        self.closed = True


class FakeEngine:
    def __init__(self, lose_at: int | None = None) -> None:
        self.metrics = EngineMetrics.create(CollectorRegistry())
        self.guard: object = None
        self.leadership: FakeLeadership | None = None
        self.log: list[str] = []
        self.lose_at = lose_at

    async def evaluate(self, indicators: Iterable[str] | None = None) -> None:
        assert self.leadership is not None and self.leadership.leading, "evaluated on standby"
        assert (
            self.metrics.registry.get_sample_value("ontrack_alerts_leader", {"shard": "0/1"}) == 1.0
        )
        self.log.append("evaluate")
        if self.lose_at is not None and len(self.log) == self.lose_at:
            self.leadership.leading = False
            raise LeadershipLost("the fence found another leader")


class FakeEvents:
    def __init__(self, log: list[str]) -> None:
        self.log = log
        self.connected = True
        log.append("join")

    async def poll(self, within: float) -> set[str]:
        await asyncio.sleep(min(within, 0.005))
        return set()

    async def commit(self) -> None:
        pass

    async def close(self) -> None:
        self.log.append("leave")


async def run(script: list[bool], engine: FakeEngine) -> tuple[list[str], FakeLeadership]:
    stop = asyncio.Event()
    leadership = FakeLeadership(script, stop)
    engine.leadership = leadership
    replica = Replica(
        engine,  # type: ignore[arg-type]
        leadership,  # type: ignore[arg-type]
        lambda: FakeEvents(engine.log),  # type: ignore[arg-type,return-value]
        interval=0.001,
        retry=0.02,
    )
    assert engine.guard == leadership.fence
    await asyncio.wait_for(replica.run(stop), 5)
    return engine.log, leadership


def terms(log: list[str]) -> list[str]:
    """The log with runs of evaluations collapsed: join, evaluate..., leave per term."""
    out: list[str] = []
    for entry in log:
        if not (entry == "evaluate" and out and out[-1] == "evaluate"):
            out.append(entry)
    return out


async def test_a_standby_evaluates_nothing_and_a_leader_evaluates_until_its_watch_loses_the_lock() -> (
    None
):
    engine = FakeEngine()
    log, leadership = await run([False, False, True, True, False, False, True], engine)
    # two terms: steps 3-4 (its watch's check at step 5 ends it), then step 7 to the stop
    assert terms(log) == ["join", "evaluate", "leave", "join", "evaluate", "leave"]
    assert leadership.closed
    assert (
        engine.metrics.registry.get_sample_value("ontrack_alerts_leader", {"shard": "0/1"}) == 0.0
    )


async def test_an_evaluation_fenced_off_ends_the_term_at_once() -> None:
    engine = FakeEngine(lose_at=3)  # its log: join, evaluate, evaluate (fenced off)
    log, _ = await run([True, True, True, True, False], engine)
    assert log[:4] == ["join", "evaluate", "evaluate", "leave"]


@pytest.mark.parametrize(
    ("leading", "since_eval", "since_leading", "since_contact", "ok"),
    [
        (True, 5.0, 300.0, 1.0, True),  # a leader that evaluates
        (True, None, 2.0, 1.0, True),  # just took over, first evaluation under way
        (True, 250.0, 300.0, 1.0, False),  # leads but has stopped evaluating
        (True, None, None, 1.0, False),
        (False, None, None, 1.0, True),  # a standby the database answers
        (False, 9000.0, None, 44.0, True),  # an old leader's last evaluation does not matter
        (False, None, None, 46.0, False),  # a standby that cannot reach the database
        (False, None, None, None, False),  # never reached it
    ],
)
def test_health_of_leader_and_standby(
    leading: bool,
    since_eval: float | None,
    since_leading: float | None,
    since_contact: float | None,
    ok: bool,
) -> None:
    # interval 60 s (a leader: fresh within 210 s), retry 5 s (a standby: within 45 s)
    assert healthy(leading, since_eval, since_leading, since_contact, 60.0, 5.0) is ok

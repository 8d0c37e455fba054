"""The soak: ten minutes of readings at a steady rate through the API, two stream workers and
the alert engine; every accepted reading is stored once, and no process grows without bound.

Deselected unless ``ONTRACK_SOAK=1`` (``make soak``). ``ONTRACK_SOAK_SECONDS`` and
``ONTRACK_SOAK_RATE`` change the length (600 s) and the rate (200 readings/s). Resident
memory (VmRSS) of every process is sampled every 10 s; the peak of the last third of the run
may exceed the peak of the second third by at most 32 MiB or 25 %, whichever is more (a
leak at this rate would grow steadily through both).
"""

from __future__ import annotations

import os
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import pytest
from pydantic import SecretStr

from services.settings import Settings
from tests.fixtures.keys import key_in
from tests.fixtures.procs import rss_bytes
from tests.fixtures.reconcile import Feeder, reconcile, stored_rows
from tests.fixtures.services import Proc, service_env, start_api, start_service, wait_for
from tests.fixtures.stack import fresh_database

SECONDS = float(os.environ.get("ONTRACK_SOAK_SECONDS", "600"))
RATE = float(os.environ.get("ONTRACK_SOAK_RATE", "200"))
SAMPLE_EVERY = 10.0
MiB = 1 << 20
GROWTH_MIB, GROWTH_SHARE = 32.0, 0.25  # what the last third may add to the second's peak

pytestmark = [
    pytest.mark.integration,
    pytest.mark.slow,
    pytest.mark.soak,
    pytest.mark.timeout(SECONDS + 900),
]


@dataclass
class Memory:
    """RSS samples (seconds since start, bytes) per process, taken from a thread."""

    procs: dict[str, Proc]
    samples: dict[str, list[tuple[float, int]]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self.started = time.monotonic()

    def _run(self) -> None:
        while not self._stop.is_set():
            t = time.monotonic() - self.started
            for name, proc in self.procs.items():
                if proc.popen.poll() is None:
                    self.samples.setdefault(name, []).append((t, rss_bytes(proc.popen.pid)))
            self._stop.wait(SAMPLE_EVERY)

    def __enter__(self) -> Memory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(30)

    def figures(self, total: float) -> dict[str, dict[str, float]]:
        """Per process, in MiB: at 1 min, peak of the second third, peak of the last, end."""
        out = {}
        for name, points in self.samples.items():
            after = [(t, b) for t, b in points if t >= 60]
            middle = [b for t, b in after if total / 3 <= t < 2 * total / 3] or [after[0][1]]
            last = [b for t, b in after if t >= 2 * total / 3] or [after[-1][1]]
            out[name] = {
                "start": points[0][1] / MiB,
                "at_1min": after[0][1] / MiB,
                "peak_middle": max(middle) / MiB,
                "peak_last": max(last) / MiB,
                "end": points[-1][1] / MiB,
            }
        return out


@pytest.fixture
def soak_settings(
    embedded_stack: Settings, private_topics: Callable[..., Settings]
) -> Iterator[Settings]:
    name = f"ontrack_test_soak_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    with fresh_database(embedded_stack.dsn, name) as dsn:
        yield private_topics(
            embedded_stack,
            database_url=SecretStr(dsn),
            alerts_consumer_group=f"test-{uuid.uuid4().hex[:8]}-alerts",
        )


def test_soak_steady_rate_bounded_memory(
    soak_settings: Settings, spawn: Callable[..., Proc], record: Callable[[object], None]
) -> None:
    s = soak_settings
    env = service_env(
        s,
        ONTRACK_EVAL_INTERVAL="5",
        ONTRACK_ALERTS_CONSUMER_GROUP=s.alerts_consumer_group,
    )
    url, api = start_api(spawn, env, name="api-soak")
    procs = {
        "api": api,
        "worker-1": start_service(spawn, "worker-1", ["worker"], env),
        "worker-2": start_service(spawn, "worker-2", ["worker"], env),
        "alerts": start_service(spawn, "alerts", ["alerts"], env, timeout=90),
    }
    token = key_in(s.dsn, "soak-feeds", sources=["soak-*"])
    feeder = Feeder(url, token, "soak", rate=RATE, batch=20, sources=64)
    with Memory(procs) as memory:
        feeder.begin()
        try:
            deadline = time.monotonic() + SECONDS
            while time.monotonic() < deadline:
                for name, proc in procs.items():
                    assert proc.popen.poll() is None, f"{name} died:\n{proc.tail()}"
                time.sleep(5)
        finally:
            feeder.finish()
        wait_for(lambda: len(stored_rows(s.dsn, "soak")) >= feeder.accepted, 300, "all stored")
        time.sleep(2)
    figures = memory.figures(SECONDS)
    result = reconcile(
        f"soak {SECONDS / 60:.0f} min at {RATE:.0f}/s",
        feeder,
        s.dsn,
        achieved_rate=round(feeder.accepted / SECONDS, 1),
        memory_mib={n: {k: round(v, 1) for k, v in f.items()} for n, f in figures.items()},
    )
    record(result)
    result.assert_clean()
    assert feeder.accepted >= 0.9 * RATE * SECONDS, "the rate was not kept"
    for name, f in figures.items():
        grown = f["peak_last"] - f["peak_middle"]
        assert grown <= max(GROWTH_MIB, GROWTH_SHARE * f["peak_middle"]), (name, f)

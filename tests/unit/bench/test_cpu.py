"""CPU per reading from /proc: the stat line, process trees, the meter and the budget."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from services.bench.cpu import CpuBudget, CpuMeter, Stage, Stat, budget, parse_stat, tree_seconds

# utime stime cutime cstime are fields 14..17; the command name may hold spaces and ")"
STAT = "{pid} ({comm}) S {ppid} 1 1 0 -1 4194560 100 0 0 0 {u} {s} {cu} {cs} 20 0 1 0 5 0"


@pytest.mark.parametrize(
    ("comm", "ppid", "u", "s", "cu", "cs", "own", "reaped"),
    [
        ("postgres", 1, 250, 50, 0, 0, 3.0, 0.0),
        ("tansu broker", 7, 1, 2, 30, 40, 0.03, 0.7),
        ("a) b (c", 42, 0, 0, 100, 0, 0.0, 1.0),  # parentheses in the name
    ],
)
def test_parse_stat(
    comm: str, ppid: int, u: int, s: int, cu: int, cs: int, own: float, reaped: float
) -> None:
    text = STAT.format(pid=99, comm=comm, ppid=ppid, u=u, s=s, cu=cu, cs=cs)
    got = parse_stat(text, tick=100.0)
    assert got.ppid == ppid
    assert got.own == pytest.approx(own)
    assert got.reaped == pytest.approx(reaped)


# a postmaster (10) with two backends (11, 12), one of which runs a child (13); another
# server (20) beside it
STATS = {
    1: Stat(0, 5.0, 0.0),
    10: Stat(1, 1.0, 4.0),  # 4 s of backends that have ended
    11: Stat(10, 2.0, 0.0),
    12: Stat(10, 0.5, 0.0),
    13: Stat(12, 0.25, 0.0),
    20: Stat(1, 9.0, 0.0),
}


@pytest.mark.parametrize(
    ("roots", "seconds"),
    [
        ((10,), 1.0 + 4.0 + 2.0 + 0.5 + 0.25),
        ((12,), 0.75),
        ((11, 20), 11.0),
        ((10, 12), 7.75),  # a descendant named as a root too is counted once
        ((99,), 0.0),  # gone
    ],
)
def test_tree_seconds(roots: tuple[int, ...], seconds: float) -> None:
    assert tree_seconds(STATS, roots) == pytest.approx(seconds)


def test_budget_per_reading_and_total() -> None:
    b = CpuBudget("e2e", 200_000, 20_000.0, {"api": 3.0, "worker": 2.0, "postgresql": 5.0})
    per = b.us_per_reading()
    assert per == pytest.approx({"api": 15.0, "worker": 10.0, "postgresql": 25.0, "total": 50.0})
    assert b.as_dict()["us_per_reading"] == per


def test_meter_reads_a_busy_child_and_not_an_idle_one() -> None:
    """A child that spins for 0.3 s of CPU is charged about that; a waiting one nothing."""
    spin = (
        "import sys, time\n"
        "sys.stdin.readline()\n"
        "t = time.process_time()\n"
        "while time.process_time() - t < 0.3: pass\n"
        "print('done', flush=True)\n"
        "sys.stdin.read()\n"
    )
    busy = subprocess.Popen(
        [sys.executable, "-c", spin], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    idle = subprocess.Popen([sys.executable, "-c", "import sys; sys.stdin.read()"],
                            stdin=subprocess.PIPE)  # fmt: skip
    assert busy.stdin is not None and busy.stdout is not None
    try:
        time.sleep(0.5)  # both have started and wait on stdin
        found: list[int] = []
        meter = CpuMeter(
            [
                Stage("busy", (busy.pid,)),
                Stage("idle", (idle.pid,)),
                Stage("found", find=lambda: found),
                Stage("self", (os.getpid(),), tree=False),
            ]
        )
        meter.start()
        found.append(busy.pid)  # first seen after the start: counted from its own start
        busy.stdin.write("go\n")
        busy.stdin.flush()
        assert busy.stdout.readline().strip() == "done"
        spent = meter.spent()  # read while it still runs (waiting on stdin again)
        assert 0.28 <= spent["busy"] <= 1.0, spent
        assert spent["idle"] <= 0.02, spent
        assert spent["found"] >= spent["busy"], spent
        b = budget("x", meter, 1000, 1.0, aside=("self", "found"))
        assert set(b.seconds) == {"busy", "idle"} and set(b.aside) == {"self", "found"}
    finally:
        for p in (busy, idle):
            p.kill()
            p.wait()

"""CPU time per reading: what each stage's processes spend, read from /proc (Linux).

A stage is a set of processes and everything below them: the API process(es), the stream
worker(s), PostgreSQL (the postmaster and all its backends and background workers), the
broker. ``CpuMeter.read`` sums, over each stage's live processes, ``utime + stime`` (all
threads) plus ``cutime + cstime`` (what their children that have exited and been waited
for spent), in seconds. The difference of two reads is what the stage spent between
them, including the whole life of a backend that ended in between: the postmaster waits
for its backends, so their time moves into its ``cutime``.

Figures are CPU seconds divided by the readings stored, in µs. They come from the kernel's
accounting of the processes themselves (10 ms ticks per process), not from the bench's own
clock. PostgreSQL and the broker are shared with whatever else uses the stack while the
bench runs; their share is only the bench's own on a quiet machine.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

__all__ = [
    "budget",
    "CpuBudget",
    "CpuMeter",
    "Stage",
    "backends_of",
    "broker_pid",
    "listening_pid",
    "parse_stat",
    "postmaster_pid",
    "tree_seconds",
]

_PROC = Path("/proc")
_TICK = float(os.sysconf("SC_CLK_TCK")) if hasattr(os, "sysconf") else 100.0


@dataclass(frozen=True, slots=True)
class Stat:
    """Of one process: its parent, its own CPU seconds, and its waited-for children's."""

    ppid: int
    own: float
    reaped: float


def parse_stat(text: str, tick: float = _TICK) -> Stat:
    """``/proc/<pid>/stat``: fields after the command name (which may hold spaces and
    parentheses, so the split is after its last ``)``)."""
    fields = text[text.rindex(")") + 2 :].split()
    # fields[0] is the state (field 3); ppid is field 4, utime..cstime fields 14..17
    utime, stime, cutime, cstime = (int(x) for x in fields[11:15])
    return Stat(int(fields[1]), (utime + stime) / tick, (cutime + cstime) / tick)


def _read_stats() -> dict[int, Stat]:
    out: dict[int, Stat] = {}
    for entry in _PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            out[int(entry.name)] = parse_stat((entry / "stat").read_text())
        except (OSError, ValueError):
            continue  # it ended while we looked
    return out


def tree_seconds(stats: Mapping[int, Stat], roots: Iterable[int]) -> float:
    """CPU seconds of ``roots`` and all their live descendants, with what their exited
    children spent."""
    children: dict[int, list[int]] = {}
    for pid, st in stats.items():
        children.setdefault(st.ppid, []).append(pid)
    total, seen = 0.0, set()
    todo = [r for r in roots if r in stats]
    while todo:
        pid = todo.pop()
        if pid in seen:
            continue
        seen.add(pid)
        total += stats[pid].own + stats[pid].reaped
        todo.extend(children.get(pid, ()))
    return total


@dataclass(frozen=True, slots=True)
class Stage:
    """A stage of the pipeline: the processes (and their descendants) it runs as.

    ``find``, when given, names the stage's processes anew at every read (backends that
    come and go): each is counted from when it was first seen, or from its start if it
    started in between; one that started and ended between two reads is missed.
    """

    name: str
    roots: tuple[int, ...] = ()
    tree: bool = True  # False: only the roots' own time (the bench's process, whose
    # children are the processes it measures)
    find: Callable[[], Iterable[int]] | None = None


@dataclass
class CpuMeter:
    stages: Sequence[Stage]
    _before: dict[str, float] = field(default_factory=dict)
    _found: dict[str, dict[int, float]] = field(default_factory=dict)

    def _read(self) -> tuple[dict[str, float], dict[str, dict[int, float]]]:
        stats = _read_stats()
        out, found = {}, {}
        for st in self.stages:
            if st.find is not None:
                found[st.name] = {p: stats[p].own for p in st.find() if p in stats}
            elif st.tree:
                out[st.name] = tree_seconds(stats, st.roots)
            else:
                out[st.name] = sum(stats[r].own for r in st.roots if r in stats)
        return out, found

    def start(self) -> None:
        self._before, self._found = self._read()

    def spent(self) -> dict[str, float]:
        """CPU seconds per stage since ``start``."""
        after, found = self._read()
        out = {k: max(0.0, v - self._before.get(k, v)) for k, v in after.items()}
        for name, pids in found.items():
            before = self._found.get(name, {})
            out[name] = sum(max(0.0, v - before.get(p, 0.0)) for p, v in pids.items())
        return {st.name: out[st.name] for st in self.stages}


@dataclass(frozen=True, slots=True)
class CpuBudget:
    """CPU seconds each stage spent on ``readings`` stored readings in one phase."""

    phase: str  # e2e, stream, quix_peer, e2e_<n>_series
    readings: int
    per_s: float  # the phase's throughput, readings/s, beside it
    seconds: Mapping[str, float]  # stage → CPU seconds, in the total
    aside: Mapping[str, float] = field(default_factory=dict)  # not in the total: the
    # bench's own process, and the backends of its database (a part of PostgreSQL's)

    def us_per_reading(self) -> dict[str, float]:
        """µs of CPU per reading, per stage, and ``total`` (the sum of the stages)."""
        n = max(self.readings, 1)
        out = {k: v * 1e6 / n for k, v in self.seconds.items()}
        out["total"] = sum(out.values())
        return out

    def aside_us(self) -> dict[str, float]:
        n = max(self.readings, 1)
        return {k: v * 1e6 / n for k, v in self.aside.items()}

    def as_dict(self) -> dict[str, object]:
        return {
            "readings": self.readings,
            "per_s": self.per_s,
            "cpu_seconds": dict(self.seconds),
            "us_per_reading": self.us_per_reading(),
            "aside_cpu_seconds": dict(self.aside),
        }


ASIDE = ("bench", "postgresql_bench_db")


def budget(
    phase: str, meter: CpuMeter, readings: int, per_s: float, aside: Sequence[str] = ASIDE
) -> CpuBudget:
    spent = meter.spent()
    return CpuBudget(
        phase,
        readings,
        per_s,
        {k: v for k, v in spent.items() if k not in aside},
        {k: v for k, v in spent.items() if k in aside},
    )


# --- finding the stack's processes ----------------------------------------------------------


def listening_pid(port: int) -> int | None:
    """The process listening on TCP ``port`` of this machine (any address), if there is one."""
    inodes = set()
    for table in ("tcp", "tcp6"):
        try:
            lines = (_PROC / "net" / table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            cols = line.split()
            if cols[3] == "0A" and int(cols[1].rsplit(":", 1)[1], 16) == port:  # LISTEN
                inodes.add(f"socket:[{cols[9]}]")
    if not inodes:
        return None
    for entry in _PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            for fd in (entry / "fd").iterdir():
                if os.readlink(fd) in inodes:
                    return int(entry.name)
        except OSError:
            continue
    return None


def broker_pid(bootstrap: str) -> int | None:
    """The broker process, if the first bootstrap address is served on this machine."""
    host, _, port = bootstrap.split(",")[0].rpartition(":")
    if host not in ("127.0.0.1", "localhost", "::1", "[::1]", "0.0.0.0", ""):  # noqa: S104
        return None
    return listening_pid(int(port))


def backends_of(admin_dsn: str, database: str) -> Callable[[], list[int]]:
    """A finder of the backends serving ``database`` now (asked over ``admin_dsn``, a
    connection to another database, so that it is not one of them)."""

    def find() -> list[int]:
        with psycopg.connect(admin_dsn) as conn:
            rows = conn.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = %s", [database]
            ).fetchall()
        return [int(r[0]) for r in rows]

    return find


def postmaster_pid(dsn: str) -> int | None:
    """PostgreSQL's postmaster, when the server runs on this machine: the parent of the
    backend serving a connection (the chroot shares this machine's process ids)."""
    with psycopg.connect(dsn) as conn:  # the backend is read while it serves us
        row = conn.execute("SELECT pg_backend_pid()").fetchone()
        if row is None:
            return None
        try:
            backend = parse_stat((_PROC / str(row[0]) / "stat").read_text())
            comm = (_PROC / str(backend.ppid) / "comm").read_text().strip()
        except (OSError, ValueError):
            return None  # a server on another machine
    return backend.ppid if comm.startswith("postgres") else None

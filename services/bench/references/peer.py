"""The Quix Streams peer as the bench runs it: the stream phase's messages, drained again.

After ontrack's worker has drained the stream phase's backlog, a Quix Streams application
(services.bench.references.quix_peer, a process of its own with a consumer group of its own) drains
the same topic from its start into a plain table of the bench's database. It is timed as
the stream stage is: from when processing began (the first reading reached its sink) to
when the last write committed; its CPU and PostgreSQL's and the broker's are read from
/proc from its start (before it joins its group) until it has written everything. Then
the table is counted: the peer must have read every message of the topic and stored every
reading once.
"""

from __future__ import annotations

import os
import queue
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from importlib.util import find_spec
from pathlib import Path
from typing import IO, Any

import orjson
import psycopg
from psycopg import sql

from services.bench.cpu import CpuBudget, budget
from services.bench.env import BenchEnv, Service
from services.bench.pipeline import stack_meter
from services.settings import Settings

__all__ = ["PeerRun", "quix_peer"]

Say = Callable[[str], None]

_TABLE = sql.SQL(
    "CREATE TABLE {} (indicator text NOT NULL, source text NOT NULL,"
    " ts timestamptz NOT NULL, value double precision NOT NULL, unit text NOT NULL)"
)


@dataclass(frozen=True, slots=True)
class PeerRun:
    per_s: float
    sent_messages: int  # in the topic
    messages: int  # the peer read
    readings: int  # the stream phase produced
    rows: int  # the peer wrote (its own count)
    stored: int  # in its table afterwards
    distinct: int  # distinct (source, ts) in its table
    writes: int  # the sink's writes (one per partition per checkpoint)
    cpu: CpuBudget

    @property
    def exact(self) -> bool:
        """Every message read, every reading stored once."""
        return (
            self.messages == self.sent_messages
            and self.rows == self.stored == self.distinct == self.readings
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "per_s": self.per_s,
            "sent_messages": self.sent_messages,
            "messages": self.messages,
            "readings": self.readings,
            "rows": self.rows,
            "stored": self.stored,
            "distinct": self.distinct,
            "writes": self.writes,
            "exact": self.exact,
        }


def _lines(stream: IO[bytes], out: queue.Queue[bytes]) -> None:
    for line in stream:
        out.put(line)
    out.put(b"")


def _next_line(
    lines: queue.Queue[bytes],
    proc: subprocess.Popen[bytes],
    within: float,
    wanted: Callable[[bytes], bool],
    log: Path,
) -> bytes:
    """The peer's next line that ``wanted`` accepts (a library may print other lines)."""
    deadline = time.monotonic() + within
    while True:
        try:
            line = lines.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            raise RuntimeError(
                f"the Quix Streams peer said nothing expected within {within:.0f} s; see {log}"
            ) from None
        if not line:
            proc.wait(10)
            raise RuntimeError(f"the Quix Streams peer exited with {proc.returncode}; see {log}")
        if wanted(line):
            return line


def quix_peer(env: BenchEnv, s: Settings, readings: int, messages: int, say: Say) -> PeerRun:
    """Drain the ``readings`` readings (in ``messages`` messages) of the stream phase's topic
    with Quix Streams."""
    if find_spec("quixstreams") is None:
        raise RuntimeError(
            "the Quix Streams peer needs the package quixstreams[postgresql], which is not "
            "installed; run `make install` (or pip install -e '.[bench]')"
        )
    table = f"bench_quix_peer_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(env.dsn, autocommit=True) as conn:
        conn.execute(_TABLE.format(sql.Identifier(table)))
    # Counted as produced: the embedded broker's end offsets count record batches, not
    # records, when a batch holds several (kafka-python's producer sends such batches).
    sent = messages
    log = env.logs / "quix-peer.log"
    argv = [
        sys.executable, "-m", "services.bench.references.quix_peer", "--bootstrap", s.kafka_bootstrap,
        "--topic", s.topic_readings, "--group", f"{s.consumer_group}-quix", "--table", table,
        "--readings", str(readings),
    ]  # fmt: skip
    with log.open("ab") as err:
        proc = subprocess.Popen(  # noqa: S603 - our own module
            argv,
            env={**os.environ, "ONTRACK_BENCH_PEER_DSN": env.dsn},
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=err,
        )
    assert proc.stdout is not None and proc.stdin is not None
    service = Service("quix-peer", proc, log)
    env.services.append(service)
    lines: queue.Queue[bytes] = queue.Queue()
    threading.Thread(target=_lines, args=(proc.stdout, lines), daemon=True).start()
    try:
        meter = stack_meter(env, peer=[service])
        _next_line(lines, proc, 60, lambda line: line.strip() == b"ready", log)
        meter.start()
        say(f"  a Quix Streams application draining {readings:,} readings ({sent:,} messages)")
        done = orjson.loads(
            _next_line(lines, proc, 120 + readings / 1000, lambda line: line.startswith(b"{"), log)
        )
        first_at, last_at = float(done["first_at"]), float(done["last_at"])
        per_s = int(done["rows"]) / max(last_at - first_at, 1e-6)
        cpu = budget("quix_peer", meter, int(done["rows"]), per_s)
        proc.stdin.close()  # the peer exits once its CPU is read
        proc.wait(30)
    finally:
        service.stop()
        env.services.remove(service)
    with psycopg.connect(env.dsn) as conn:
        row = conn.execute(
            sql.SQL("SELECT count(*), count(DISTINCT (source, ts)) FROM {}").format(
                sql.Identifier(table)
            )
        ).fetchone()
    assert row is not None
    return PeerRun(
        per_s,
        sent,
        int(done["messages"]),
        readings,
        int(done["rows"]),
        int(row[0]),
        int(row[1]),
        int(done["writes"]),
        cpu,
    )

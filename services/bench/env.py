"""The bench's own corner of the stack: a private database, private topics, its processes.

Nothing the bench does touches the ``ontrack`` database or the topics of other users:
``BenchEnv`` creates a database ``ontrack_bench_<pid>`` (migrated from nothing) and,
per phase, topics and a consumer group named ``bench.<tag>.*``; ``close`` drops and
deletes all of them and stops every process it started.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo
from pydantic import SecretStr

from services.ingest.topics import delete_topics, ensure_topics, topic_names
from services.settings import Settings, process_env
from services.storage import migrate

__all__ = ["BenchEnv", "Service", "free_port"]


def free_port() -> int:
    """A port no one listens on now, for a process the bench starts (a fixed range collided
    with another bench's processes on the same machine, whose answers were then taken for
    ours)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Service:
    """One ontrack process the bench started (``python -m services ARGS``)."""

    name: str
    popen: subprocess.Popen[bytes]
    log: Path

    @property
    def pid(self) -> int:
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen.poll() is None

    def stop(self, timeout: float = 20) -> None:
        if self.popen.poll() is None:
            self.popen.terminate()
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(10)

    def tail(self, n: int = 20) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-n:])


@dataclass
class BenchEnv:
    base: Settings
    database: str = field(default_factory=lambda: f"ontrack_bench_{os.getpid()}")
    logs: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="ontrack-bench-")))
    settings: list[Settings] = field(default_factory=list)
    services: list[Service] = field(default_factory=list)

    @property
    def dsn(self) -> str:
        params = conninfo_to_dict(self.base.dsn)
        return make_conninfo("", **{**params, "dbname": self.database})

    @property
    def admin_dsn(self) -> str:
        """The same server's ``postgres`` database (to create and drop the bench's)."""
        return make_conninfo("", **{**conninfo_to_dict(self.base.dsn), "dbname": "postgres"})

    def create_database(self) -> None:
        ident = sql.Identifier(self.database)
        with psycopg.connect(self.admin_dsn, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(ident))
            conn.execute(sql.SQL("CREATE DATABASE {}").format(ident))
        migrate(self.dsn, lambda m: None)

    def phase(self, name: str, **update: object) -> Settings:
        """Settings with topics and consumer groups of their own (created now)."""
        tag = f"{name}.{uuid.uuid4().hex[:6]}"
        s = self.base.model_copy(
            update={
                "database_url": SecretStr(self.dsn),
                "topic_readings": f"bench.{tag}.readings",
                "topic_dlq": f"bench.{tag}.readings.dlq",
                "topic_aggregates": f"bench.{tag}.aggregates",
                "consumer_group": f"bench-{tag}-stream",
                "alerts_consumer_group": f"bench-{tag}-alerts",
                **update,
            }
        )
        ensure_topics(s)
        self.settings.append(s)
        return s

    def env(self, s: Settings, **extra: str) -> dict[str, str]:
        return process_env(
            s, ONTRACK_RATE_PER_KEY="100000000", ONTRACK_RATE_BURST="100000000", **extra
        )

    def start(self, name: str, args: list[str], s: Settings, **extra: str) -> Service:
        log = self.logs / f"{name}.log"
        with log.open("ab") as out:
            popen = subprocess.Popen(  # noqa: S603 - our own command line
                [sys.executable, "-m", "services", *args],
                env=self.env(s, **extra),
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        service = Service(name, popen, log)
        self.services.append(service)
        return service

    def wait_http(self, service: Service, url: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not service.alive():
                raise RuntimeError(f"{service.name} exited:\n{service.tail()}")
            try:
                if httpx.get(url, timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"{service.name} did not answer {url} within {timeout:.0f} s")

    def stop_services(self) -> None:
        for service in self.services:
            service.stop()
        self.services.clear()

    def close(self) -> None:
        """Stop the processes, delete the topics and drop the database."""
        self.stop_services()
        names = [t for s in self.settings for t in topic_names(s)]
        names += [f"{s.consumer_group}-__assignor-__leader" for s in self.settings]
        if names:
            delete_topics(self.base.kafka_bootstrap, names)
        self.settings.clear()
        ident = sql.Identifier(self.database)
        with psycopg.connect(self.admin_dsn, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(ident))

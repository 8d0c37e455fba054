"""TimescaleDB of the embedded stack: Debian trixie's postgresql-17-timescaledb in a chroot.

The root file system is made once by debootstrap into the stack directory and reused;
the cluster lives inside it and listens on the host/port of the configured DSN. Another
cluster can run from the same root with a data directory and a port of its own (the
reliability tests stop and restart one without touching the stack's), and
``PlainPostgreSQL`` runs the same PostgreSQL without TimescaleDB, as a managed server
without the extension would be.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path, PurePosixPath

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict

from services.stack.apt import ensure_commands
from services.stack.base import Component, Report
from services.stack.errors import StackError
from services.stack.process import port_open, run_checked, wait_until

__all__ = ["PlainPostgreSQL", "TimescaleDB"]

PG_BIN = "/usr/lib/postgresql/17/bin"
DATA = "/var/lib/ontrack/pgdata"
SOCKET_DIR = "/var/lib/ontrack/socket"
PACKAGES = "postgresql-17,postgresql-17-timescaledb"


class TimescaleDB(Component):
    name = "timescaledb"

    def __init__(
        self,
        stack_dir: Path,
        dsn: str,
        mirror: str,
        *,
        data_dir: str = DATA,
        shared_buffers: str = "512MB",
    ) -> None:
        """``data_dir``: the cluster's directory inside the root file system (another one
        makes another cluster; give it another port in ``dsn``)."""
        super().__init__(stack_dir)
        self.pg_bin = PG_BIN
        self.preload = "timescaledb"
        self.dsn = dsn
        self.mirror = mirror
        self.root = stack_dir / "timescaledb-trixie"
        self.data_dir = data_dir
        self.shared_buffers = shared_buffers
        params = conninfo_to_dict(dsn)
        self.host = str(params.get("host") or "127.0.0.1")
        self.port = int(params.get("port") or 5432)
        self.user = str(params.get("user") or "ontrack")
        self.password = str(params.get("password") or "")
        self.dbname = str(params.get("dbname") or self.user)

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def _ready_stamp(self) -> Path:
        return self.root / ".ontrack-rootfs-ready"

    def install(self, report: Report) -> None:
        if self._ready_stamp.exists():
            return
        ensure_commands({"debootstrap": "debootstrap"}, report)
        partial = self.root.with_name(self.root.name + ".partial")
        shutil.rmtree(partial, ignore_errors=True)
        partial.parent.mkdir(parents=True, exist_ok=True)
        report(
            f"building the TimescaleDB root file system in {self.root} (debootstrap, ~1 min once)"
        )
        run_checked(
            [
                "debootstrap",
                "--variant=minbase",
                f"--include={PACKAGES}",
                "trixie",
                str(partial),
                self.mirror,
            ],
            "debootstrap of Debian trixie with postgresql-17-timescaledb",
        )
        shutil.rmtree(self.root, ignore_errors=True)
        partial.rename(self.root)
        self._ready_stamp.touch()

    def _chroot(self, *argv: str, what: str) -> str:
        return run_checked(["chroot", "--userspec=postgres:postgres", str(self.root), *argv], what)

    @property
    def data_path(self) -> Path:
        """The data directory as seen from outside the chroot."""
        return self.root / self.data_dir.lstrip("/")

    def _initdb(self, report: Report) -> None:
        if (self.data_path / "PG_VERSION").exists():
            return
        report("initialising the TimescaleDB cluster")
        parent = str(PurePosixPath(self.data_dir).parent)
        for sub in (parent, SOCKET_DIR):
            (self.root / sub.lstrip("/")).mkdir(parents=True, exist_ok=True)
            run_checked(
                ["chroot", str(self.root), "chown", "-R", "postgres:postgres", sub],
                f"chown of {sub}",
            )
        self._chroot(
            f"{self.pg_bin}/initdb",
            "-D",
            self.data_dir,
            "-U",
            "postgres",
            "--auth-local=trust",
            "--auth-host=scram-sha-256",
            "-E",
            "UTF8",
            "--no-locale",
            what="initdb",
        )
        conf = self.data_path / "postgresql.conf"
        with conf.open("a") as f:
            f.write(
                "\n# ontrack embedded stack\n"
                f"shared_preload_libraries = '{self.preload}'\n"
                f"unix_socket_directories = '{SOCKET_DIR}'\n"
                "dynamic_shared_memory_type = mmap\n"
                "timescaledb.telemetry_level = off\n"
                "max_connections = 200\n"
                f"shared_buffers = {self.shared_buffers}\n"
                "synchronous_commit = on\n"
                "wal_compression = on\n"
                "max_wal_size = 2GB\n"
            )

    def start(self, report: Report) -> None:
        if os.geteuid() != 0:
            raise StackError("the embedded TimescaleDB starts with chroot, which needs root")
        self._initdb(report)
        if not self.running():
            if port_open(self.host, self.port):
                raise StackError(
                    f"port {self.address} is taken by a server the stack did not start; stop it "
                    "or point ONTRACK_DATABASE_URL at another address"
                )
            report(f"starting TimescaleDB on {self.address}")
            opts = f"-c listen_addresses={self.host} -c port={self.port}"
            self._chroot(
                f"{self.pg_bin}/pg_ctl",
                "-D",
                self.data_dir,
                "-l",
                self._log_in_root,
                "-o",
                opts,
                "-w",
                "-t",
                "60",
                "start",
                what="pg_ctl start",
            )
        if not wait_until(lambda: port_open(self.host, self.port), 30):
            raise StackError(f"TimescaleDB did not open {self.address}; see {self.server_log}")
        self._ensure_role()

    @property
    def _log_in_root(self) -> str:
        if self.data_dir == DATA:
            return "/var/lib/ontrack/postgres.log"
        return f"{self.data_dir.rstrip('/')}.log"

    @property
    def server_log(self) -> Path:
        return self.root / self._log_in_root.lstrip("/")

    def _ensure_role(self) -> None:
        admin = f"host={self.root / SOCKET_DIR.lstrip('/')} port={self.port} user=postgres dbname=postgres"
        with psycopg.connect(admin, autocommit=True) as conn:
            exists = conn.execute(
                "SELECT 1 FROM pg_roles WHERE rolname = %s", [self.user]
            ).fetchone()
            if not exists:
                conn.execute(
                    sql.SQL("CREATE ROLE {} LOGIN SUPERUSER PASSWORD {}").format(
                        sql.Identifier(self.user), sql.Literal(self.password)
                    )
                )
            has_db = conn.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", [self.dbname]
            ).fetchone()
            if not has_db:
                conn.execute(
                    sql.SQL("CREATE DATABASE {} OWNER {}").format(
                        sql.Identifier(self.dbname), sql.Identifier(self.user)
                    )
                )

    def stop(self, report: Report, *, mode: str = "fast") -> bool:
        """Stop the server; ``mode`` as pg_ctl's: smart, fast (the default) or immediate."""
        if not self.running():
            return False
        self._chroot(
            f"{self.pg_bin}/pg_ctl",
            "-D",
            self.data_dir,
            "-m",
            mode,
            "-w",
            "stop",
            what="pg_ctl stop",
        )
        return True

    def running(self) -> bool:
        pidfile = self.data_path / "postmaster.pid"
        if not pidfile.exists():
            return False
        try:
            pid = int(pidfile.read_text().split()[0])
            os.kill(pid, 0)
        except (ValueError, IndexError, ProcessLookupError):
            return False
        return True

    def answers(self) -> tuple[bool, str]:
        try:
            with psycopg.connect(self.dsn, connect_timeout=3) as conn:
                row = conn.execute(
                    "SELECT current_setting('server_version'), "
                    "(SELECT default_version FROM pg_available_extensions "
                    " WHERE name = 'timescaledb' LIMIT 1)"
                ).fetchone()
        except psycopg.Error as exc:
            return False, str(exc).strip().splitlines()[0] if str(exc).strip() else type(
                exc
            ).__name__
        assert row is not None
        ts = f"TimescaleDB {row[1]}" if row[1] else "no timescaledb extension available"
        return True, f"PostgreSQL {row[0]}, {ts}"


class PlainPostgreSQL(TimescaleDB):
    """The stack's PostgreSQL 17 without TimescaleDB: its binaries copied (hard links) under
    ``/opt/plain-postgresql`` of the same root, without the extension's files. PostgreSQL
    finds its share and library directories relative to its binary, so the copy offers no
    ``timescaledb`` extension at all. Needs the stack's root (``TimescaleDB.install``)."""

    name = "plain-postgresql"
    _prefix = "/opt/plain-postgresql"

    def __init__(self, stack_dir: Path, dsn: str, *, data_dir: str) -> None:
        super().__init__(stack_dir, dsn, "", data_dir=data_dir, shared_buffers="32MB")
        self.pg_bin = self._prefix + PG_BIN
        self.preload = ""

    def install(self, report: Report) -> None:
        if not self._ready_stamp.exists():
            raise StackError(
                "the plain PostgreSQL is made from the stack's: run `ontrack stack up` first"
            )
        prefix = self.root / self._prefix.lstrip("/")
        if (prefix / PG_BIN.lstrip("/") / "postgres").exists():
            return
        shutil.rmtree(prefix, ignore_errors=True)
        for part in ("usr/lib/postgresql/17", "usr/share/postgresql/17"):
            (prefix / part).parent.mkdir(parents=True, exist_ok=True)
            run_checked(["cp", "-al", str(self.root / part), str(prefix / part)], f"copy of {part}")
        extension_files = ("lib/postgresql/17/lib", "share/postgresql/17/extension")
        for found in (
            f for d in extension_files for f in (prefix / "usr" / d).glob("timescaledb*")
        ):
            found.unlink()

    def destroy(self, report: Report) -> None:
        """Stop the server and remove its data directory."""
        self.stop(report, mode="immediate")
        shutil.rmtree(self.data_path, ignore_errors=True)

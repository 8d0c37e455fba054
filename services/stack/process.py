"""Detached background processes with a pidfile and a log file, and waiting for them to answer."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from services.stack.errors import StackError

__all__ = ["is_running", "port_open", "read_pid", "run_checked", "spawn", "stop", "wait_until"]


def read_pid(pidfile: Path) -> int | None:
    try:
        return int(pidfile.read_text().strip())
    except (FileNotFoundError, ValueError):
        return None


def is_running(pidfile: Path) -> bool:
    pid = read_pid(pidfile)
    if pid is None:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return _not_zombie(pid)


def _not_zombie(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[-1].split()[0] != "Z"


def spawn(argv: Sequence[str], *, pidfile: Path, log: Path, cwd: Path | None = None) -> int:
    """Start ``argv`` in its own session, detached from the caller, output appended to ``log``."""
    log.parent.mkdir(parents=True, exist_ok=True)
    pidfile.parent.mkdir(parents=True, exist_ok=True)
    with log.open("ab") as out:
        proc = subprocess.Popen(  # noqa: S603 - argv is built by the stack, never from user input
            list(argv),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=cwd,
            start_new_session=True,
        )
    pidfile.write_text(f"{proc.pid}\n")
    return proc.pid


def stop(pidfile: Path, *, timeout: float = 15.0) -> bool:
    """SIGTERM the process in ``pidfile``, SIGKILL it after ``timeout``; True if one was running."""
    pid = read_pid(pidfile)
    if pid is None or not is_running(pidfile):
        pidfile.unlink(missing_ok=True)
        return False
    os.kill(pid, signal.SIGTERM)
    if not wait_until(lambda: not is_running(pidfile), timeout):
        os.kill(pid, signal.SIGKILL)
        wait_until(lambda: not is_running(pidfile), 5.0)
    pidfile.unlink(missing_ok=True)
    return True


def port_open(host: str, port: int, timeout: float = 1.0) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def wait_until(check: Callable[[], bool], timeout: float, interval: float = 0.2) -> bool:
    deadline = time.monotonic() + timeout
    while True:
        if check():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(interval)


def run_checked(argv: Sequence[str], what: str, **kwargs: object) -> str:
    """Run a set-up command; on failure raise a StackError carrying its output's tail."""
    proc = subprocess.run(  # noqa: S603 - argv is built by the stack
        list(argv),
        capture_output=True,
        text=True,
        check=False,
        **kwargs,  # type: ignore[call-overload]
    )
    if proc.returncode != 0:
        tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-15:])
        raise StackError(f"{what} failed (exit {proc.returncode}):\n{tail}")
    return str(proc.stdout)

"""What every embedded-stack component offers: install, start, answer, stop."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

__all__ = ["LOOPBACK", "Component", "Report", "Status", "host_port"]

Report = Callable[[str], None]
LOOPBACK = {"127.0.0.1", "localhost", "::1"}


@dataclass(frozen=True, slots=True)
class Status:
    name: str
    address: str
    managed: bool  # False when the setting points at a server the embedded stack does not run
    running: bool  # our process is alive
    answers: bool  # it answered a real protocol request
    detail: str = ""


def host_port(address: str, default_port: int) -> tuple[str, int]:
    """``host:port`` or a URL → (host, port)."""
    if "://" not in address:
        address = "tcp://" + address
    parts = urlsplit(address)
    return parts.hostname or "127.0.0.1", parts.port or default_port


class Component:
    """One embedded service. Subclasses fill in the specifics."""

    name = "component"

    def __init__(self, stack_dir: Path) -> None:
        self.stack_dir = stack_dir
        self.pidfile = stack_dir / "run" / f"{self.name}.pid"
        self.log = stack_dir / "logs" / f"{self.name}.log"

    @property
    def address(self) -> str:
        raise NotImplementedError

    @property
    def managed(self) -> bool:
        return host_port(self.address, 0)[0] in LOOPBACK

    def install(self, report: Report) -> None:
        """Make the component's binaries available (idempotent, fast when already done)."""

    def start(self, report: Report) -> None:
        raise NotImplementedError

    def stop(self, report: Report) -> bool:
        raise NotImplementedError

    def running(self) -> bool:
        raise NotImplementedError

    def answers(self) -> tuple[bool, str]:
        raise NotImplementedError

    def status(self) -> Status:
        ok, detail = self.answers()
        running = self.running() if self.managed else False
        return Status(self.name, self.address, self.managed, running, ok, detail)

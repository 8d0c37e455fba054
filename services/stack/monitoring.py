"""Prometheus and Alertmanager of the embedded stack, from Debian's packages, with our config."""

from __future__ import annotations

from pathlib import Path

import httpx

from services.data import packaged
from services.stack.apt import ensure_commands
from services.stack.base import Component, Report, host_port
from services.stack.errors import StackError
from services.stack.process import is_running, port_open, spawn, stop, wait_until

__all__ = ["Alertmanager", "Prometheus"]


class _HttpDaemon(Component):
    command = ""
    package = ""
    ready_path = "/-/ready"
    default_port = 0

    def __init__(self, stack_dir: Path, url: str) -> None:
        super().__init__(stack_dir)
        self.url = url.rstrip("/")
        self.data = stack_dir / self.name

    @property
    def address(self) -> str:
        return self.url

    def argv(self, listen: str) -> list[str]:
        raise NotImplementedError

    def install(self, report: Report) -> None:
        ensure_commands({self.command: self.package}, report)

    def start(self, report: Report) -> None:
        if self.running():
            return
        host, port = host_port(self.url, self.default_port)
        if port_open(host, port):
            raise StackError(
                f"port {host}:{port} is taken by a process the stack did not start; stop it or "
                f"point ONTRACK_{self.name.upper()}_URL at another address"
            )
        self.data.mkdir(parents=True, exist_ok=True)
        report(f"starting {self.name} on {host}:{port}")
        spawn(self.argv(f"{host}:{port}"), pidfile=self.pidfile, log=self.log)
        if not wait_until(lambda: self.answers()[0], 30, 0.3):
            raise StackError(f"{self.name} did not become ready on {self.url}; see {self.log}")

    def stop(self, report: Report) -> bool:
        return stop(self.pidfile)

    def running(self) -> bool:
        return is_running(self.pidfile)

    def answers(self) -> tuple[bool, str]:
        try:
            resp = httpx.get(self.url + self.ready_path, timeout=2.0)
        except httpx.HTTPError as exc:
            return False, f"{type(exc).__name__}"
        return resp.status_code == 200, f"HTTP {resp.status_code} on {self.ready_path}"


class Prometheus(_HttpDaemon):
    name = "prometheus"
    command = "prometheus"
    package = "prometheus"
    default_port = 9090

    def argv(self, listen: str) -> list[str]:
        return [
            "prometheus",
            f"--config.file={packaged('prometheus', 'prometheus.yml')}",
            f"--storage.tsdb.path={self.data}",
            f"--web.listen-address={listen}",
            "--storage.tsdb.retention.time=15d",
            "--web.enable-lifecycle",
        ]


class Alertmanager(_HttpDaemon):
    name = "alertmanager"
    command = "prometheus-alertmanager"
    package = "prometheus-alertmanager"
    default_port = 9093

    def argv(self, listen: str) -> list[str]:
        return [
            "prometheus-alertmanager",
            f"--config.file={packaged('alertmanager', 'alertmanager.yml')}",
            f"--storage.path={self.data}",
            f"--web.listen-address={listen}",
            "--cluster.listen-address=",
        ]

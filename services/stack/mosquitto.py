"""The MQTT broker of the embedded stack: Debian's Mosquitto with a config of our own.

A broker the machine happens to run (the Debian package's own service on 1883) is not the
stack's: ours listens on the loopback port of ``ONTRACK_MQTT_PORT`` (1884 by default) and
keeps its persistence, log and config under the stack directory.
"""

from __future__ import annotations

import socket
import struct
import subprocess
from pathlib import Path

from services.stack.apt import ensure_commands
from services.stack.base import Component, Report
from services.stack.errors import StackError
from services.stack.process import is_running, port_open, spawn, stop, wait_until

__all__ = ["Mosquitto", "mqtt_handshake"]

_CONNACK_ACCEPTED = b"\x20\x02\x00\x00"


def _connect_packet(client_id: str) -> bytes:
    """An MQTT 3.1.1 CONNECT with a clean session, no credentials, keep-alive 10 s."""
    ident = client_id.encode()
    variable = b"\x00\x04MQTT\x04\x02\x00\x0a" + struct.pack(">H", len(ident)) + ident
    return bytes([0x10, len(variable)]) + variable


def mqtt_handshake(host: str, port: int, timeout: float = 2.0) -> tuple[bool, str]:
    """Connect, read the CONNACK, disconnect: does an MQTT broker accept us at host:port?"""
    try:
        with socket.create_connection((host, port), timeout=timeout) as sock:
            sock.sendall(_connect_packet("ontrack-stack-probe"))
            answer = sock.recv(4)
            if answer == _CONNACK_ACCEPTED:
                sock.sendall(b"\xe0\x00")  # DISCONNECT
                return True, "MQTT 3.1.1 CONNACK: accepted"
            return False, f"unexpected answer to CONNECT: {answer.hex() or 'connection closed'}"
    except OSError as exc:
        return False, f"{type(exc).__name__}: {exc}"


class Mosquitto(Component):
    name = "mqtt"

    def __init__(self, stack_dir: Path, host: str, port: int) -> None:
        super().__init__(stack_dir)
        self.host = host
        self.port = port
        self.data = stack_dir / "mosquitto"
        self.config = self.data / "mosquitto.conf"

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    def install(self, report: Report) -> None:
        ensure_commands({"mosquitto": "mosquitto"}, report)

    def _write_config(self) -> None:
        self.data.mkdir(parents=True, exist_ok=True)
        self.config.write_text(
            "# written by `ontrack stack up`; the embedded stack's MQTT broker, loopback only\n"
            f"listener {self.port} {self.host}\n"
            "allow_anonymous true\n"
            "persistence true\n"
            f"persistence_location {self.data}/\n"
            "log_dest stdout\n"
            "log_type error\n"
            "log_type warning\n"
            "log_type notice\n"
            "log_timestamp_format %Y-%m-%dT%H:%M:%S\n"
            # stay the user that started it, so the persistence directory stays writable
            "user root\n"
            "max_queued_messages 100000\n"
        )

    def start(self, report: Report) -> None:
        if self.running():
            return
        if port_open(self.host, self.port):
            raise StackError(
                f"port {self.address} is taken by a process the stack did not start; stop it "
                "or point ONTRACK_MQTT_PORT at another port"
            )
        self._write_config()
        report(f"starting the MQTT broker (Mosquitto) on {self.address}")
        spawn(["mosquitto", "-c", str(self.config)], pidfile=self.pidfile, log=self.log)
        if not wait_until(lambda: self.answers()[0], 20, 0.2):
            raise StackError(f"Mosquitto did not accept MQTT on {self.address}; see {self.log}")

    def stop(self, report: Report) -> bool:
        return stop(self.pidfile)

    def running(self) -> bool:
        return is_running(self.pidfile)

    def answers(self) -> tuple[bool, str]:
        ok, detail = mqtt_handshake(self.host, self.port)
        if ok:
            return ok, f"{_version()}, {detail}"
        return ok, detail


def _version() -> str:
    """ "Mosquitto 2.0.11" from the first line of ``mosquitto -h`` (which exits 3 by design)."""
    argv = ["mosquitto", "-h"]  # from PATH, where apt put it
    try:
        out = subprocess.run(  # noqa: S603 - a fixed argv
            argv, capture_output=True, text=True, check=False, timeout=5
        ).stdout
    except (OSError, subprocess.TimeoutExpired):
        return "Mosquitto"
    first = out.strip().splitlines()[0] if out.strip() else "Mosquitto"
    return first.replace("mosquitto version", "Mosquitto").strip()

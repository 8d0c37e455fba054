"""``ontrack ingest mqtt`` (the MQTT bridge) and ``ontrack replay FILE`` (back-fill history)."""

from __future__ import annotations

import logging
import signal
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from services.settings import Settings

if TYPE_CHECKING:  # imported by the commands that use it: a fast start for every command
    from services.ingest.client import IngestClient

__all__ = ["COMMANDS"]

log = logging.getLogger(__name__)

_api = click.option(
    "--api",
    "api_url",
    envvar="ONTRACK_API_URL",
    show_envvar=True,
    default="http://127.0.0.1:8080",
    help="Base URL of the ontrack API.",
)
_key = click.option(
    "--key",
    envvar="ONTRACK_API_KEY",
    show_envvar=True,
    required=True,
    help="The provider's API key (otk_…); its scope applies to everything sent.",
)


@click.group("ingest")
def ingest_group() -> None:
    """Feeds that are not pushed over HTTP by the providers themselves."""


@ingest_group.command("mqtt")
@click.option(
    "--host",
    envvar="ONTRACK_MQTT_HOST",
    show_envvar=True,
    help="The MQTT broker's host  [default: the embedded stack's, 127.0.0.1]",
)
@click.option(
    "--port",
    envvar="ONTRACK_MQTT_PORT",
    show_envvar=True,
    type=int,
    help="The MQTT broker's port  [default: the embedded stack's, 1884; 1883 is MQTT's usual]",
)
@click.option(
    "--topic",
    "topics",
    envvar="ONTRACK_MQTT_TOPIC",
    show_envvar=True,
    multiple=True,
    default=("ontrack/readings/#",),
    help="Topic filter to subscribe to (repeatable).",
)
@click.option(
    "--errors-prefix",
    envvar="ONTRACK_MQTT_ERRORS_PREFIX",
    show_envvar=True,
    default="ontrack/errors",
    help="Errors of a message on T are published to PREFIX/T.",
)
@click.option(
    "--client-id",
    envvar="ONTRACK_MQTT_CLIENT_ID",
    show_envvar=True,
    default="ontrack-bridge",
    help="MQTT client id; keep it stable, the broker keeps unacknowledged messages under it.",
)
@click.option("--username", envvar="ONTRACK_MQTT_USERNAME", show_envvar=True)
@click.option("--password", envvar="ONTRACK_MQTT_PASSWORD", show_envvar=True)
@click.option(
    "--batch-ms",
    envvar="ONTRACK_MQTT_BATCH_MS",
    show_envvar=True,
    default=200,
    type=click.IntRange(1, 60_000),
    help="Messages arriving within this many milliseconds go in one request.",
)
@click.option(
    "--metrics-port",
    envvar="ONTRACK_MQTT_METRICS_PORT",
    show_envvar=True,
    default=9464,
    type=int,
    help="Port of the bridge's /metrics on 127.0.0.1 (0: none).",
)
@_api
@_key
@click.pass_obj
def mqtt_cmd(
    settings: Settings,
    host: str | None,
    port: int | None,
    topics: tuple[str, ...],
    errors_prefix: str,
    client_id: str,
    username: str | None,
    password: str | None,
    batch_ms: int,
    metrics_port: int,
    api_url: str,
    key: str,
) -> None:
    """Forward readings published on MQTT to the API (same validation); report bad messages."""
    from prometheus_client import CollectorRegistry, start_http_server

    from services.ingest.client import ClientError, IngestClient
    from services.ingest.mqtt.bridge import Bridge, BridgeConfig
    from services.ingest.mqtt.forward import Forwarder
    from services.ingest.mqtt.metrics import MqttMetrics

    stop = _stop_on_signals()
    metrics = MqttMetrics.create(CollectorRegistry())
    client = IngestClient(
        api_url,
        key,
        give_up_after=None,
        should_stop=stop.is_set,
        on_retry=lambda reason, wait: _retried(metrics.retries.inc, reason, wait),
    )
    info = _key_info(client, None)  # unattended: wait for the API to come up
    if metrics_port:
        start_http_server(metrics_port, "127.0.0.1", registry=metrics.registry)
    config = BridgeConfig(
        host=host or settings.mqtt_host,
        port=port or settings.mqtt_port,
        topics=topics,
        errors_prefix=errors_prefix,
        client_id=client_id,
        username=username,
        password=password,
        window=batch_ms / 1000,
    )
    log.info("forwarding for %s (%s) to %s", info["provider"], info["id"], api_url)
    bridge = Bridge(config, Forwarder(client.post), metrics, str(info["provider"]))
    try:
        bridge.run(stop)
    except ClientError as exc:
        if not stop.is_set():
            message = f"{exc}; unacknowledged messages stay with the broker"
            raise click.ClickException(message) from None
    finally:
        client.close()


def _stop_on_signals() -> threading.Event:
    stop = threading.Event()

    def handler(signum: int, frame: object) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)
    return stop


def _retried(count: Any, reason: str, wait: float) -> None:
    count()
    log.warning("the API did not take the batch (%s); sending it again in %.1f s", reason, wait)


def _say_retry(reason: str, wait: float) -> None:
    click.echo(f"\n  the API did not take a batch ({reason}); again in {wait:.1f} s", err=True)


def _key_info(
    client: IngestClient, give_up_after: float | None = 30.0, *, wait_for_api: bool = True
) -> dict[str, Any]:
    from services.ingest.client import ClientError

    try:
        return client.key_info(give_up_after, wait_for_api=wait_for_api)
    except ClientError as exc:
        raise click.ClickException(str(exc)) from None


@click.command("replay")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "ndjson"]),
    help="The file's format  [default: from its name, .csv or .ndjson/.jsonl]",
)
@click.option("--batch", default=1000, type=click.IntRange(1, 10_000), help="Readings per request.")
@_api
@_key
@click.pass_obj
def replay_cmd(
    settings: Settings, file: Path, fmt: str | None, batch: int, api_url: str, key: str
) -> None:
    """Back-fill history from FILE (CSV or NDJSON) through the API, with progress and a summary."""
    from services.ingest.client import ClientError, IngestClient
    from services.ingest.replay import ReplayError, chunks, detect_format, replay

    client = IngestClient(api_url, key, on_retry=_say_retry)
    try:
        info = _key_info(client, wait_for_api=False)  # an API that is not there: exit 3 now
        form = detect_format(file, fmt)
        size = file.stat().st_size
        started = time.monotonic()
        click.echo(f"replaying {file} ({form}) as {info['provider']} to {api_url}", err=True)
        with (
            file.open("rb") as fh,
            click.progressbar(
                length=size, label="readings", file=click.get_text_stream("stderr"), show_pos=False
            ) as bar,
        ):
            done = {"offset": 0}

            def progress(chunk: Any, summary: Any) -> None:
                bar.update(chunk.offset - done["offset"])
                done["offset"] = chunk.offset
                rate = summary.sent / max(time.monotonic() - started, 1e-6)
                bar.label = f"{summary.sent} readings, {rate:,.0f}/s"

            summary = replay(chunks(fh, form, batch), form, client, progress)
    except (ReplayError, ClientError) as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        client.close()
    elapsed = time.monotonic() - started
    click.echo(
        f"sent {summary.sent}, accepted {summary.accepted}, rejected {summary.rejected} "
        f"in {elapsed:.1f} s; {summary.retries} retries (429/503/connection)",
        err=True,
    )
    for line in summary.errors:
        click.echo(f"  {line}", err=True)
    if summary.rejected > len(summary.errors):
        click.echo(f"  … and more ({summary.rejected} readings rejected in all)", err=True)
    if summary.rejected:
        raise SystemExit(1)


COMMANDS = [ingest_group, replay_cmd]

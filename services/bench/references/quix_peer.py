"""The bench's peer: a Quix Streams application draining the readings topic into PostgreSQL.

``python -m services.bench.references.quix_peer`` (run by services.bench.references.peer, as a process of its own
so that its CPU time can be read from /proc). It reads ontrack's ``readings`` messages
(``batch.v2``, the readings as columns, up to 1000 of them; or ``batch.v1`` of earlier
versions) with Quix's JSON deserializer, expands each into its readings and writes them with Quix's own ``PostgreSQLSink`` into a plain table (no
validation, no deduplication, no rollups): what the closest Python peer does with the same
messages, configured as its documentation shows. It stops once it has processed
``--readings`` rows (``Application.run(count=...)``; the final checkpoint flushes the sink).

It talks to the bench on stdout: ``ready`` once the application is built (before it joins
its consumer group), then one JSON line: messages and rows it handled, when processing
began (the first row reached the sink) and when the last write committed, on the wall
clock. Then it waits for its stdin to close, so that the bench can read its CPU time from
/proc before it exits.

The database is given by ``ONTRACK_BENCH_PEER_DSN`` (not on the command line, where other
users of the machine could read its password).

Against the embedded broker (Tansu) Quix's defaults work, with one setting changed: Tansu
completes a consumer group's join after about half the session timeout, and librdkafka's
default (``session.timeout.ms`` 45 000) kept the application waiting 24 s for its
partitions; 6 s (as ontrack's worker uses 10 s) brings that down to about 4 s. The join is
not part of the figure either way.
"""

from __future__ import annotations

import logging
import os
import sys
import tempfile
import time
from collections.abc import Mapping
from typing import Any

import click
import orjson
from psycopg.conninfo import conninfo_to_dict

__all__ = ["COLUMNS", "main"]

# The plain table's columns, in the order the sink writes them.
COLUMNS = ("indicator", "source", "ts", "value", "unit")


def rows_of(doc: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The readings of one message of the API's, as the sink's rows (nothing checked): a
    ``batch.v2`` holds them as columns (the unit as sent, which is the bench's canonical
    one), a ``batch.v1`` as an object each."""
    if doc.get("v") == 2:
        columns = (doc["indicator"], doc["source"], doc["ts"], doc["value"], doc["raw_unit"])
        return [dict(zip(COLUMNS, row, strict=True)) for row in zip(*columns, strict=True)]
    return [{k: r[k] for k in COLUMNS} for r in doc["readings"]]


class _Clock:
    """When processing began and when the last write ended (wall clock), and their counts."""

    def __init__(self) -> None:
        self.first_at = 0.0
        self.last_at = 0.0
        self.messages = 0
        self.rows = 0
        self.writes = 0
        self.write_seconds = 0.0


def _sink_class(clock: _Clock) -> type:
    from quixstreams.sinks.community.postgresql import PostgreSQLSink

    class TimedSink(PostgreSQLSink):
        def add(self, *args: Any, **kwargs: Any) -> Any:
            if not clock.first_at:
                clock.first_at = time.time()
            return super().add(*args, **kwargs)

        def write(self, batch: Any) -> None:
            start = time.perf_counter()
            super().write(batch)
            clock.write_seconds += time.perf_counter() - start
            clock.writes += 1
            clock.rows += batch.size
            clock.last_at = time.time()

    return TimedSink


def _messages(clock: _Clock, doc: Mapping[str, Any]) -> list[dict[str, Any]]:
    clock.messages += 1
    return rows_of(doc)


def _say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def run_peer(
    bootstrap: str, topic: str, group: str, table: str, readings: int, dsn: str
) -> dict[str, Any]:
    from quixstreams import Application

    clock = _Clock()
    params = conninfo_to_dict(dsn)
    sink = _sink_class(clock)(
        host=str(params.get("host", "127.0.0.1")),
        port=int(params.get("port") or 5432),
        dbname=str(params["dbname"]),
        user=str(params.get("user", "")),
        password=str(params.get("password", "")),
        table_name=table,
        schema_auto_update=False,  # the table is made beforehand, with its types
        include_metadata=False,
    )
    with tempfile.TemporaryDirectory(prefix="ontrack-bench-quix-") as state:
        app = Application(
            broker_address=bootstrap,
            consumer_group=group,
            auto_offset_reset="earliest",
            state_dir=state,
            loglevel="DEBUG" if os.environ.get("ONTRACK_BENCH_PEER_DEBUG") else "WARNING",
            # Tansu completes a group join after about half the session timeout (as for the
            # worker): a short one keeps the start quick
            consumer_extra_config={"session.timeout.ms": 6000, "heartbeat.interval.ms": 1000},
        )
        source = app.topic(topic, value_deserializer="json")
        sdf = app.dataframe(source)
        sdf = sdf.apply(lambda doc: _messages(clock, doc), expand=True)
        sdf.sink(sink)
        _say("ready")
        app.run(count=readings)
    return {
        "messages": clock.messages,
        "rows": clock.rows,
        "writes": clock.writes,
        "write_seconds": clock.write_seconds,
        "first_at": clock.first_at,
        "last_at": clock.last_at,
    }


@click.command()
@click.option("--bootstrap", required=True, help="The broker, host:port.")
@click.option("--topic", required=True, help="The readings topic to drain.")
@click.option("--group", required=True, help="A consumer group of the peer's own.")
@click.option("--table", required=True, help="The plain table to write (made beforehand).")
@click.option("--readings", type=int, required=True, help="Stop after this many readings.")
def main(bootstrap: str, topic: str, group: str, table: str, readings: int) -> None:
    """Drain ``--readings`` readings of ``--topic`` into ``--table`` with Quix Streams."""
    logging.basicConfig(level=logging.WARNING)
    dsn = os.environ.get("ONTRACK_BENCH_PEER_DSN")
    if not dsn:
        raise click.ClickException("set ONTRACK_BENCH_PEER_DSN to the database to write into")
    result = run_peer(bootstrap, topic, group, table, readings, dsn)
    _say(orjson.dumps(result).decode())
    sys.stdin.read()  # until the bench has read this process's CPU time


if __name__ == "__main__":
    main()

"""The stream worker's metrics, read back from a registry of their own."""

from __future__ import annotations

import asyncio

import psycopg
import pytest
from prometheus_client import CollectorRegistry

from services.ingest.stream.metrics import PartitionOffsets, StreamMetrics, dead_letter_reason
from services.storage.errors import StorageError, StorageUnavailable


class Clock:
    def __init__(self, t: float) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


def make(t: float = 1000.0) -> tuple[StreamMetrics, CollectorRegistry, Clock]:
    registry, clock = CollectorRegistry(), Clock(t)
    return StreamMetrics.create(registry, clock), registry, clock


@pytest.mark.parametrize(
    ("offsets", "lag"),
    [
        ([PartitionOffsets("readings", 0, 120, 100)], {("readings", "0"): 20.0}),
        ([PartitionOffsets("readings", 3, 7, None)], {("readings", "3"): 7.0}),  # none committed
        ([PartitionOffsets("readings", 1, None, 5)], {}),  # nothing fetched yet
        ([PartitionOffsets("readings", 2, 40, 40)], {("readings", "2"): 0.0}),
        ([PartitionOffsets("readings", 2, 40, 45)], {("readings", "2"): 0.0}),  # stale highwater
        (
            [PartitionOffsets("readings", 1, 9, 4), PartitionOffsets("other", 0, 3, 1)],
            {("readings", "1"): 5.0, ("other", "0"): 2.0},
        ),
    ],
)
def test_consumer_lag_per_partition(
    offsets: list[PartitionOffsets], lag: dict[tuple[str, str], float]
) -> None:
    metrics, registry, _ = make()
    metrics.watch_consumer(lambda: offsets)
    (family,) = [f for f in registry.collect() if f.name == "ontrack_stream_consumer_lag"]
    got = {(s.labels["topic"], s.labels["partition"]): s.value for s in family.samples}
    assert got == lag


def test_rollup_lag_counts_from_the_last_refresh() -> None:
    metrics, registry, clock = make(1000.0)
    lag = lambda: registry.get_sample_value("ontrack_rollup_lag_seconds")  # noqa: E731
    assert lag() == 0.0
    clock.t = 1030.0
    assert lag() == 30.0  # since the worker started: nothing refreshed yet
    assert registry.get_sample_value("ontrack_rollups_updated_timestamp_seconds") == 0.0
    metrics.rollups_refreshed()
    assert registry.get_sample_value("ontrack_rollups_updated_timestamp_seconds") == 1030.0
    clock.t = 1042.5
    assert lag() == 12.5


@pytest.mark.parametrize(
    ("error", "kind"),
    [
        (StorageUnavailable("down"), "unavailable"),
        (psycopg.OperationalError("connection refused"), "unavailable"),
        (StorageError("value out of range"), "refused"),
        (psycopg.errors.NumericValueOutOfRange("too big"), "refused"),
    ],
)
def test_a_failed_write_counts_by_kind_and_is_raised(error: Exception, kind: str) -> None:
    metrics, registry, _ = make()

    async def fail() -> None:
        raise error

    with pytest.raises(type(error)):
        asyncio.run(metrics.timed_write("observations", fail))
    labels = {"op": "observations", "error": kind}
    assert registry.get_sample_value("ontrack_db_write_errors_total", labels) == 1.0
    other = {"op": "observations", "error": "refused" if kind == "unavailable" else "unavailable"}
    assert registry.get_sample_value("ontrack_db_write_errors_total", other) == 0.0
    assert registry.get_sample_value("ontrack_db_write_seconds_count", {"op": "observations"}) == 0


def test_a_write_is_timed_per_operation() -> None:
    metrics, registry, _ = make()

    async def ok() -> int:
        return 7

    assert asyncio.run(metrics.timed_write("air_quality", ok)) == 7
    assert registry.get_sample_value("ontrack_db_write_seconds_count", {"op": "air_quality"}) == 1
    assert registry.get_sample_value("ontrack_db_write_seconds_count", {"op": "observations"}) == 0


def test_a_stored_batch_counts_rows_per_indicator_and_the_delay_of_each_message() -> None:
    metrics, registry, _ = make(1000.0)
    metrics.batch_stored(
        [("air.pm25", 40), ("port.container_teu", 2), ("air.pm25", 1)], [999.5, 970.0]
    )
    rows = lambda ind: registry.get_sample_value(  # noqa: E731
        "ontrack_stream_rows_changed_total", {"indicator": ind}
    )
    assert (rows("air.pm25"), rows("port.container_teu")) == (41.0, 2.0)
    assert registry.get_sample_value("ontrack_stream_delay_seconds_count") == 2
    assert registry.get_sample_value("ontrack_stream_delay_seconds_sum") == 30.5
    assert registry.get_sample_value("ontrack_stream_delay_seconds_bucket", {"le": "1.0"}) == 1


@pytest.mark.parametrize(
    ("message", "reason"),
    [
        ("not JSON: unexpected character", "not_json"),
        ("record 3: unit: µg is not accepted for air.pm25", "invalid_record"),
        ("refused by the database: storing 1 readings failed", "refused_by_database"),
        (
            "header content-format=ontrack-batch on a payload that is not such a batch",
            "not_a_batch",
        ),
        ("batch without signature: header ontrack-format=batch.v1 but no", "unauthenticated_batch"),
        ("batch signed with unknown key k9 (this worker holds k1)", "unauthenticated_batch"),
        ("batch signature does not match (key k1): the message was", "unauthenticated_batch"),
        ("header ontrack-format=batch.v2 is not a format this worker reads", "not_a_batch"),
    ],
)
def test_dead_letter_reasons(message: str, reason: str) -> None:
    assert dead_letter_reason(message) == reason

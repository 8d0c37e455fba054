"""The stream stage's rate from the batches the aggregates topic reports."""

import pytest

from services.bench.pipeline import drain_rate
from services.bench.watch import AggregatesWatcher


def test_a_small_first_batch_then_the_rest_counts_the_rest_over_its_own_time() -> None:
    # the first batch (9 000 readings, seen stored at t=10) was fetched before the backlog
    # arrived; the rest, 291 000 readings, took 3.4 s from there
    assert drain_rate([(13.4, 291_000), (10.0, 9_000)], one=1.7) == pytest.approx(291_000 / 3.4)


def test_even_batches_give_the_steady_rate() -> None:
    batches = [(10.0 + i, 50_000) for i in range(6)]  # one batch a second
    assert drain_rate(batches, one=1.0) == pytest.approx(50_000)


def test_one_batch_is_its_rows_over_the_workers_time_for_it() -> None:
    assert drain_rate([(10.0, 300_000)], one=3.0) == pytest.approx(100_000)
    # two batches seen in one poll of the topic: no span to divide by
    assert drain_rate([(10.0, 200), (10.0, 200)], one=0.02) == pytest.approx(10_000)


def _event(batch: str, indicator: str, rows: int) -> bytes:
    return (
        f'{{"v":1,"indicator":"{indicator}","at":"{batch}","series":[{{"source":"s",'
        f'"rows":{rows},"first_ts":"2024-01-01T00:00:00+00:00",'
        f'"last_ts":"2024-01-01T02:00:00+00:00"}}]}}'
    ).encode()


def test_the_watcher_groups_messages_by_the_batch_that_sent_them() -> None:
    w = AggregatesWatcher("", "")
    w.note(10.0, _event("2024-05-01T00:00:01+00:00", "air.pm25", 3))
    w.note(10.2, _event("2024-05-01T00:00:01+00:00", "air.pm10", 2))  # same batch, later
    w.note(12.0, _event("2024-05-01T00:00:03+00:00", "air.pm25", 7))
    assert sorted(tuple(b) for b in w.batches.values()) == [(10.0, 5), (12.0, 7)]
    assert w.rows == 12 and w.last_at == 12.0 and len(w.events) == 3

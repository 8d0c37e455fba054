"""The snapshot's columns give back exactly the objects that were put in."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from services.alerts.engine.inputs import Bucket, SeriesInput
from services.alerts.engine.source_columns import SourceBuckets
from services.alerts.snapshot.columns import FlagDays, SeriesColumns, SeriesKind

T0 = datetime(2026, 11, 1, tzinfo=UTC)
PM25 = SeriesKind("air.pm25", "air", "µg/m³", timedelta(hours=1))
NO2 = SeriesKind("air.no2", "air", "µg/m³", None)


def bucket(hour: int, value: float, count: int = 3) -> Bucket:
    at = T0 + timedelta(hours=hour)
    return Bucket(at, count, value * count, value - 1, value + 1, value, -0.0, at)


def test_series_come_back_in_order_with_their_newest_buckets() -> None:
    cols = SeriesColumns()
    cols.add(PM25, "st-1", "city", T0)
    cols.add(PM25, "st-2", "west", None)
    cols.add(NO2, "st-1", "city", T0 + timedelta(hours=1))
    cols.add_newest("air.pm25", "st-2", "hour", bucket(1, 12.5))
    cols.add_newest("air.no2", "st-1", "day", bucket(0, 3.0, 24))
    cols.add_newest("air.no2", "st-1", "hour", bucket(2, 4.0))
    cols.add_newest("air.pm25", "st-9", "hour", bucket(2, 4.0))  # no such series: ignored
    cols.done()
    expected = [
        SeriesInput("air.pm25", "st-1", "air", "µg/m³", "city", T0, timedelta(hours=1), {}),
        SeriesInput(
            "air.pm25", "st-2", "air", "µg/m³", "west", None, timedelta(hours=1),
            {"hour": bucket(1, 12.5)},
        ),
        SeriesInput(
            "air.no2", "st-1", "air", "µg/m³", "city", T0 + timedelta(hours=1), None,
            {"hour": bucket(2, 4.0), "day": bucket(0, 3.0, 24)},
        ),
    ]  # fmt: skip
    assert list(cols) == expected
    assert len(cols) == 3
    assert cols[-1] == expected[-1]
    assert list(cols[1:]) == expected[1:]
    # widths in the order they were first read (the engine reads one width per query)
    assert list(cols[2].latest) == ["hour", "day"]
    with pytest.raises(IndexError):
        cols[3]


def test_source_buckets_by_source() -> None:
    b = SourceBuckets()
    rows = {"a": [bucket(0, 1.0), bucket(1, 2.0)], "b": [bucket(0, 5.0)], "c": []}
    for source in ("a", "b"):
        for row in rows[source]:
            b.append(source, row)
    assert list(b) == ["a", "b"]
    assert {s: list(v) for s, v in b.items()} == {"a": rows["a"], "b": rows["b"]}
    assert "c" not in b and len(b) == 2
    assert str(b["b"][0].last) == "-0.0"


def test_source_buckets_refuse_rows_out_of_order() -> None:
    b = SourceBuckets()
    b.append("a", bucket(0, 1.0))
    b.append("b", bucket(0, 1.0))
    with pytest.raises(ValueError, match="do not follow one another"):
        b.append("a", bucket(1, 1.0))


def test_flag_days_as_daily_buckets() -> None:
    days = FlagDays()
    d1, d2 = date(2026, 11, 1), date(2026, 11, 2)
    days.append("st-1", d1, True, False)
    days.append("st-1", d2, False, True)
    days.append("st-2", d1, True, True)
    zone = ZoneInfo("Asia/Shanghai")

    def flag(d: date, v: float) -> Bucket:
        at = datetime.combine(d, time(), zone)
        return Bucket(at, 1, v, v, v, v, v, at)

    good = days.buckets("good", zone)
    heavy = days.buckets("heavy", zone)
    assert dict(good) == {"st-1": (flag(d1, 1.0), flag(d2, 0.0)), "st-2": (flag(d1, 1.0),)}
    assert dict(heavy) == {"st-1": (flag(d1, 0.0), flag(d2, 1.0)), "st-2": (flag(d1, 1.0),)}
    assert good["st-1"][0] is good["st-2"][0]  # one bucket per day and flag

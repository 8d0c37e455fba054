"""Checking a request's records as a batch decides and words everything exactly as checking
them one by one: the same readings accepted, in the same order, the same errors."""

from __future__ import annotations

import math
from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from services.indicators.catalogue import load_catalogue
from services.indicators.columns import ReadingColumns
from services.indicators.readings import Reading
from services.ingest.batch_check import check_records
from services.ingest.bodies import RawRecord
from services.ingest.checks import check_record

CATALOGUE = load_catalogue()
NOW = datetime(2026, 11, 21, 8, tzinfo=UTC)

# Values that pass, and values that trip one rule or another, for every field.
INDICATORS = ["air.pm25", "power.total_capacity", "telecom.5g_base_stations", "port.container_teu",
              "air.aqi", "nope.nope", "Air.PM25", 7, None]  # fmt: skip
UNITS = [
    "µg/m³",
    "ug/m3",
    "mg/m3",
    "万千瓦",
    "kW",
    "个",
    "TEU",
    "万标准箱",
    "",
    "x" * 40,
    "m\x07",
    3,
]
TS = ["2026-11-20T08:00:00+08:00", "2026-11-20T08:00:00Z", "2026-11-20 08:00:00z",
      "2026-11-20T08:00:00", "2026-02-30T08:00:00Z", "2027-01-01T00:00:00Z",
      "2026-11-21T08:04:00Z", "2026-11-21T08:06:00Z", "yesterday", 1700000000]  # fmt: skip
VALUES = [0, -0.0, 3, 31.5, -5, 1e308, 10**400, float("nan"), float("inf"), "2600万", "1.2",
          "abc", True, None, [1], 12000, 60.0]  # fmt: skip
NAMES = ["qd-1", "shinan", "=cmd()", "-12", "+x", "@a", " lead", "trail ", "", "a" * 65,
         "b" * 129, "tab\there", "中文站", 5]  # fmt: skip
OPTIONAL = [None, "qd", "=x", "", 4]
LABELS = [None, {}, {"arrives_as": "increment"}, {"arrives_as": "ytd"}, {"source": "wind"},
          {"k": 1}, "x"]  # fmt: skip

MISSING = object()
record = st.fixed_dictionaries(
    {
        "indicator": st.sampled_from(INDICATORS),
        "unit": st.sampled_from(UNITS),
        "ts": st.sampled_from(TS),
        "value": st.sampled_from(VALUES),
        "source": st.sampled_from(NAMES),
    },
    optional={
        "region": st.sampled_from(OPTIONAL),
        "id": st.sampled_from(OPTIONAL),
        "labels": st.sampled_from(LABELS),
        "extra": st.just(1),
    },
)
plain = st.fixed_dictionaries(  # mostly valid: the fast path's own cases
    {
        "indicator": st.sampled_from(["air.pm25", "port.container_teu", "power.total_capacity"]),
        "unit": st.sampled_from(["µg/m³", "TEU", "万千瓦", "kW"]),
        "ts": st.sampled_from(TS[:3] + TS[6:8]),
        "value": st.sampled_from([0, 3, 31.5, -0.0, 1.5e6, 12000, -1]),
        "source": st.sampled_from(NAMES[:2] + NAMES[3:4] + NAMES[12:13]),
    },
    optional={"region": st.sampled_from(OPTIONAL[:2]), "id": st.sampled_from(OPTIONAL[:2])},
)


def one_by_one(records: list[object]) -> tuple[ReadingColumns, list[object]]:
    columns, errors = ReadingColumns(), []
    for i, raw in enumerate(records):
        got = check_record(raw, i, CATALOGUE, NOW)
        if isinstance(got, Reading):
            columns.append(got, NOW)
        else:
            errors.extend(got)
    return columns, errors


def same_columns(a: ReadingColumns, b: ReadingColumns) -> bool:
    def key(x: object) -> object:
        if isinstance(x, float):
            return (math.copysign(1.0, x), x) if not math.isnan(x) else "nan"
        return dict(x) if isinstance(x, dict) or hasattr(x, "keys") else x

    return all(
        [key(x) for x in getattr(a, name)] == [key(x) for x in getattr(b, name)]
        for name in ReadingColumns.__slots__
    )


@settings(max_examples=400, deadline=None)
@given(st.lists(st.one_of(record, plain, st.sampled_from([1, "x", None, []])), max_size=30))
def test_a_batch_is_judged_as_its_records_are_one_by_one(records: list[object]) -> None:
    got = check_records([RawRecord(i, None, r) for i, r in enumerate(records)], CATALOGUE, NOW)
    columns, errors = one_by_one(records)
    assert got.errors == errors
    assert same_columns(got.readings, columns)


def test_shared_values_are_shared_objects() -> None:
    records = [
        {"indicator": "air.pm25", "ts": "2026-11-20T08:00:00+08:00", "value": v, "unit": "µg/m³",
         "source": f"qd-{v % 3}"}
        for v in range(9)
    ]  # fmt: skip
    got = check_records([RawRecord(i, None, r) for i, r in enumerate(records)], CATALOGUE, NOW)
    assert got.errors == [] and len(got.readings) == 9
    assert len({id(t) for t in got.readings.ts}) == 1
    assert got.readings.raw_value == [None] * 9 and got.readings.labels == [None] * 9


def test_json_problems_keep_their_place() -> None:
    records = [
        RawRecord(0, 1, {"indicator": "air.pm25", "ts": "2026-11-20T08:00:00Z", "value": 1,
                         "unit": "µg/m³", "source": "a"}),
        RawRecord(1, 2, None, "line 2 is not JSON"),
        RawRecord(2, 3, {"indicator": "air.pm25"}),
    ]  # fmt: skip
    got = check_records(records, CATALOGUE, NOW)
    assert len(got.readings) == 1
    assert [(e.index, e.line, e.code) for e in got.errors][:2] == [
        (1, 2, "json"),
        (2, 3, "missing"),
    ]
    assert got.rejected == 2


def test_plain_records_take_the_batch_path(monkeypatch: object) -> None:
    import services.ingest.batch_check as batch_check

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("a plain record went through check_record")

    monkeypatch.setattr(batch_check, "check_record", refuse)  # type: ignore[attr-defined]
    records = [
        {"indicator": ind, "ts": ts, "value": v, "unit": unit, "source": src, "region": "qd"}
        for ind, unit in (("air.pm25", "µg/m³"), ("power.total_capacity", "万千瓦"))
        for ts in ("2026-11-20T08:00:00+08:00", "2026-11-20T09:00:00Z")
        for v, src in ((1, "a"), (2.5, "b-1"), (0, "-3"))
    ]
    got = check_records([RawRecord(i, None, r) for i, r in enumerate(records)], CATALOGUE, NOW)
    assert len(got.readings) == len(records) and got.errors == []
    assert got.readings.labels[-1] == {"arrives_as": "total"}  # a capacity's default
    assert got.readings.value[-2] == 2.5e4 and got.readings.raw_value[-2] == 2.5

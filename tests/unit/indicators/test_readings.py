"""Validation of raw records into readings: a row per case, plus properties."""

from __future__ import annotations

import math
import time
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.indicators.catalogue import load_catalogue
from services.indicators.readings import (
    FIELDS,
    Reading,
    RecordError,
    csv_row_to_record,
    validate_record,
)

CATALOGUE = load_catalogue()
NOW = datetime(2026, 11, 21, tzinfo=UTC)
GOOD: dict[str, Any] = {
    "indicator": "air.pm25",
    "ts": "2026-11-20T08:00:00+08:00",
    "value": 35,
    "unit": "µg/m³",
    "source": "qd-station-01",
}


def _with(**changes: Any) -> dict[str, Any]:
    record = {**GOOD, **changes}
    return {k: v for k, v in record.items() if v is not _DROP}


_DROP: Any = object()


def _errors(raw: object, **kwargs: Any) -> list[RecordError]:
    result = validate_record(raw, 7, CATALOGUE, NOW, **kwargs)
    assert isinstance(result, list), result
    assert result, "an invalid record must give at least one error"
    return result


# ── accepted records ─────────────────────────────────────────────────────────────


@pytest.mark.parametrize(
    ("changes", "value", "unit", "ts"),
    [
        ({}, 35.0, "µg/m³", datetime(2026, 11, 20, 0, tzinfo=UTC)),
        ({"unit": "ug/m3"}, 35.0, "µg/m³", None),
        ({"unit": "微克/立方米"}, 35.0, "µg/m³", None),
        ({"value": 0.035, "unit": "mg/m3"}, 35.0, "µg/m³", None),
        ({"value": "35.5"}, 35.5, "µg/m³", None),
        ({"value": 0}, 0.0, "µg/m³", None),
        ({"ts": "2026-11-20T00:00:00Z"}, 35.0, "µg/m³", datetime(2026, 11, 20, tzinfo=UTC)),
        ({"ts": "2026-11-20t00:00:00z"}, 35.0, "µg/m³", datetime(2026, 11, 20, tzinfo=UTC)),
        ({"ts": "2026-11-20 08:00:00.5+08:00"}, 35.0, "µg/m³", None),
        ({"ts": "2026-11-21T00:04:59Z"}, 35.0, "µg/m³", None),  # inside the skew
        (
            {"indicator": "port.container_teu", "value": "3.5万", "unit": "TEU"},
            35_000.0,
            "TEU",
            None,
        ),
        (
            {"indicator": "port.container_teu", "value": 260, "unit": "万标准箱"},
            2_600_000.0,
            "TEU",
            None,
        ),
        (
            {"indicator": "power.renewable_capacity", "value": 520, "unit": "万千瓦"},
            5_200_000.0,
            "kW",
            None,
        ),
        (
            {"indicator": "port.cargo_tonnes", "value": "0.5亿", "unit": "吨"},
            50_000_000.0,
            "t",
            None,
        ),
        (
            {"indicator": "economy.foreign_trade", "value": "1,100", "unit": "亿元"},
            1.1e11,
            "CNY",
            None,
        ),
        ({"indicator": "air.co", "value": 800, "unit": "ug/m3"}, 0.8, "mg/m³", None),
        ({"indicator": "economy.gdp_growth", "value": -3.5, "unit": "%"}, -3.5, "%", None),
        (
            {
                "indicator": "power.generation",
                "value": 1.2,
                "unit": "亿千瓦时",
                "labels": {"source": "wind"},
            },
            1.2e8,
            "kWh",
            None,
        ),
    ],
)
def test_accepted(changes: dict[str, Any], value: float, unit: str, ts: datetime | None) -> None:
    result = validate_record(_with(**changes), 0, CATALOGUE, NOW)
    assert isinstance(result, Reading), result
    assert result.value == pytest.approx(value, rel=1e-12)
    assert result.unit == unit
    assert result.ts.tzinfo is UTC
    if ts is not None:
        assert result.ts == ts


def test_a_reading_keeps_what_was_sent() -> None:
    raw = _with(
        indicator="port.container_teu",
        value="2.5",
        unit="万TEU",
        region="huangdao",
        id="r-1",
        labels={"terminal": "qianwan"},
        source="qqct",
    )
    reading = validate_record(raw, 0, CATALOGUE, NOW)
    assert reading == Reading(
        indicator="port.container_teu",
        source="qqct",
        ts=datetime(2026, 11, 20, tzinfo=UTC),
        value=25_000.0,
        unit="TEU",
        region="huangdao",
        labels={"terminal": "qianwan"},
        id="r-1",
        raw_value=2.5,
        raw_unit="万TEU",
    )
    assert isinstance(reading, Reading)
    assert reading.series == "port.container_teu/qqct"
    assert reading.arrives_as is None


def test_null_optional_fields_are_absent() -> None:
    reading = validate_record(_with(region=None, id=None, labels=None), 0, CATALOGUE, NOW)
    assert isinstance(reading, Reading)
    assert (reading.region, reading.id, dict(reading.labels)) == (None, None, {})


def test_labels_cannot_be_changed_through_the_reading() -> None:
    labels = {"district": "shinan"}
    reading = validate_record(_with(labels=labels), 0, CATALOGUE, NOW)
    assert isinstance(reading, Reading)
    labels["district"] = "laoshan"
    assert reading.labels["district"] == "shinan"
    with pytest.raises(TypeError):
        reading.labels["district"] = "x"  # type: ignore[index]


@pytest.mark.parametrize(
    ("labels", "value", "arrives_as"),
    [
        (None, 34_000, "total"),
        ({"arrives_as": "total"}, 34_000, "total"),
        ({"arrives_as": "increment"}, 120, "increment"),
        ({"arrives_as": "increment"}, -3, "increment"),  # stations taken down
    ],
)
def test_stocks_carry_arrives_as(
    labels: dict[str, str] | None, value: float, arrives_as: str
) -> None:
    raw = _with(
        indicator="telecom.5g_base_stations", value=value, unit="个", source="cmcc", labels=labels
    )
    reading = validate_record(raw, 0, CATALOGUE, NOW)
    assert isinstance(reading, Reading), reading
    assert reading.arrives_as == arrives_as
    assert reading.labels["arrives_as"] == arrives_as


@pytest.mark.parametrize(
    ("labels", "value", "arrives_as", "stored"),
    [
        (None, 2_000_000, None, 2_000_000),  # the period's amount: no label
        ({"arrives_as": "period"}, 2_000_000, None, 2_000_000),
        ({"arrives_as": "ytd"}, 4_200_000, "ytd", 4_200_000),
        # a year's total so far may pass the range of one period's amount: the stream checks
        # the range on the flow it derives
        ({"arrives_as": "ytd"}, "2600万", "ytd", 26_000_000),
        ({"arrives_as": "ytd", "terminal": "qqct"}, 10, "ytd", 10),
    ],
)
def test_flows_arrive_per_period_or_year_to_date(
    labels: dict[str, str] | None, value: object, arrives_as: str | None, stored: float
) -> None:
    raw = _with(indicator="port.container_teu", value=value, unit="TEU", source="qqct",
                labels=labels)  # fmt: skip
    reading = validate_record(raw, 0, CATALOGUE, NOW)
    assert isinstance(reading, Reading), reading
    assert (reading.arrives_as, reading.value) == (arrives_as, stored)
    assert "arrives_as" not in reading.labels or reading.labels["arrives_as"] == "ytd"


# ── refused records: one row per problem ─────────────────────────────────────────


@pytest.mark.parametrize(
    ("raw", "field", "code", "message"),
    [
        (
            _with(unit="mg/l"),
            "unit",
            "unit",
            'unit "mg/l" is not accepted for air.pm25 (accepted: µg/m³, mg/m³)',
        ),
        (
            _with(unit="kW"),
            "unit",
            "unit",
            'unit "kW" is not accepted for air.pm25 (accepted: µg/m³, mg/m³)',
        ),
        (
            _with(value=5000),
            "value",
            "range",
            "value 5000 µg/m³ is outside the plausible range 0–1000 µg/m³ for air.pm25; "
            "check the unit or the sensor",
        ),
        (
            _with(value=5, unit="mg/m3"),
            "value",
            "range",
            "value 5 mg/m3 (5000 µg/m³) is outside the plausible range 0–1000 µg/m³",
        ),
        (_with(value=-1), "value", "range", "outside the plausible range"),
        (
            _with(ts="2026-13-01"),
            "ts",
            "format",
            'ts "2026-13-01" is not an RFC 3339 timestamp with offset, '
            "e.g. 2026-11-22T08:00:00+08:00",
        ),
        (
            _with(ts="2027-01-01T00:00:00Z"),
            "ts",
            "future",
            "ts 2027-01-01T00:00:00+00:00 is 41 days in the future (allowed skew 5 min)",
        ),
        (_with(ts="2026-11-21T03:00:00Z"), "ts", "future", "is 3 h in the future"),
        (_with(ts="2026-11-21T00:05:01Z"), "ts", "future", "is 5 min in the future"),
        (
            _with(ts="2026-11-20T08:00:00"),
            "ts",
            "format",
            'ts "2026-11-20T08:00:00" has no UTC offset; add one',
        ),
        (_with(ts="2026-02-30T00:00:00Z"), "ts", "date", "is not a valid date and time"),
        (_with(ts="2026-11-20T08:00:60Z"), "ts", "date", "is not a valid date and time"),
        (_with(ts="20261120T080000Z"), "ts", "format", "is not an RFC 3339 timestamp"),
        (_with(ts=1763600000), "ts", "type", "ts must be an RFC 3339 text"),
        (
            _with(indicator="air.pm2.5"),
            "indicator",
            "unknown",
            'indicator "air.pm2.5" is unknown (did you mean air.pm25?)',
        ),
        (_with(indicator="PM2.5"), "indicator", "format", "is not an indicator id"),
        (_with(indicator=25), "indicator", "type", "indicator must be a text"),
        (
            _with(indicator="air.aqi_daily", unit="AQI", value=80),
            "indicator",
            "derived",
            "indicator air.aqi_daily is computed by the stream from air.pm25",
        ),
        (
            _with(indicator="air.good_days_ratio", unit="%", value=90),
            "indicator",
            "derived",
            "push those readings instead",
        ),
        (_with(value=True), "value", "type", "value must be a number"),
        (_with(value=None), "value", "type", "not null"),
        (_with(value=[1]), "value", "type", "value must be a number"),
        (_with(value="35 ug"), "value", "format", 'value "35 ug" is not a number'),
        (_with(value=""), "value", "format", "is not a number"),
        (_with(value=math.nan), "value", "not_finite", "value NaN is not a finite number"),
        (_with(value=math.inf), "value", "not_finite", "not a finite number"),
        (_with(value=10**400), "value", "not_finite", "not a finite number"),
        (_with(value="1e400"), "value", "not_finite", "not a finite number"),
        (_with(unit=""), "unit", "length", "unit must be 1 to 32 characters long, not 0"),
        (_with(unit="µg/m³\u0000"), "unit", "format", "has control characters"),
        (_with(unit=3), "unit", "type", "unit must be a text"),
        (_with(source=""), "source", "length", "source must be 1 to 128 characters"),
        (_with(source="x" * 129), "source", "length", "not 129"),
        (_with(source="a\nb"), "source", "format", "control characters"),
        (_with(source="a\u200bb"), "source", "format", "control characters"),
        (_with(source=" qd-01"), "source", "format", "leading/trailing spaces"),
        (_with(source=7), "source", "type", "source must be a text"),
        (_with(source=_DROP), "source", "missing", "source is missing"),
        (_with(region=""), "region", "length", "region must be 1 to 64"),
        (_with(region="r" * 65), "region", "length", "region must be 1 to 64"),
        (_with(id="i" * 129), "id", "length", "id must be 1 to 128"),
        (_with(id=5), "id", "type", "id must be a text"),
        (_with(labels=["a"]), "labels", "type", "labels must be an object"),
        (
            _with(labels={f"k{i}": "v" for i in range(33)}),
            "labels",
            "length",
            "at most 32",
        ),
        (_with(labels={"k": 1}), "labels.k", "type", "label k must be a text"),
        (_with(labels={"k": "v" * 257}), "labels.k", "format", "at most 256"),
        (_with(labels={"": "v"}), "labels.", "format", "label names"),
        (_with(labels={"k" * 65: "v"}), "labels." + "k" * 65, "format", "1 to 64"),
        (
            _with(labels={"arrives_as": "increment"}),
            "labels.arrives_as",
            "labels",
            "applies to stocks and capacities (total, increment) and flows (period, ytd); "
            "air.pm25 is a level",
        ),
        (
            _with(indicator="port.container_teu", unit="TEU", labels={"arrives_as": "total"}),
            "labels.arrives_as",
            "labels",
            'label arrives_as is "total"; for a flow use ytd',
        ),
        (
            _with(
                indicator="port.container_teu", unit="TEU", value=-5, labels={"arrives_as": "ytd"}
            ),
            "value",
            "range",
            "value -5 TEU is a year's total so far below 0 TEU, the least port.container_teu can",
        ),
        (
            _with(indicator="telecom.5g_base_stations", unit="个", labels={"arrives_as": "delta"}),
            "labels.arrives_as",
            "labels",
            "use total or increment",
        ),
        (
            _with(indicator="power.generation", unit="kWh", value=1e6),
            "labels.source",
            "labels",
            "labels.source is required for power.generation",
        ),
        (
            _with(extra=1),
            "extra",
            "extra",
            'unknown field(s) "extra"; the fields are indicator, ts, value, unit, source',
        ),
        (_with(indicator=_DROP), "indicator", "missing", "indicator is missing"),
        (_with(ts=_DROP), "ts", "missing", "ts is missing"),
        (_with(value=_DROP), "value", "missing", "value is missing"),
        (_with(unit=_DROP), "unit", "missing", "unit is missing"),
        ([GOOD], None, "object", "must be a JSON object"),
        ("text", None, "object", "not a text"),
        (None, None, "object", "not null"),
    ],
)
def test_refused(raw: object, field: str | None, code: str, message: str) -> None:
    errors = _errors(raw)
    assert (errors[0].field, errors[0].code) == (field, code), errors
    assert message in errors[0].message
    assert len(errors) == 1, errors


def _deep(depth: int) -> object:
    value: object = 1
    for i in range(depth):
        value = [value] if i % 2 else {"a": value}
    return value


@pytest.mark.parametrize("field", ["indicator", "ts", "value", "unit", "source", "labels"])
def test_a_value_nested_past_the_recursion_limit_is_refused_not_raised(field: str) -> None:
    errors = _errors({**GOOD, field: _deep(3000)})
    assert errors[0].field == field and "nested too deeply" in errors[0].message, errors


def test_every_problem_of_a_record_is_reported() -> None:
    raw = {"indicator": "air.pm2.5", "ts": "yesterday", "value": True, "unit": "", "x": 1}
    errors = _errors(raw)
    assert {e.field for e in errors} == {"x", "indicator", "ts", "value", "unit", "source"}


def test_an_unknown_unit_is_reported_even_without_a_known_indicator() -> None:
    errors = _errors(_with(unit="bananas", indicator="nothing.here"))
    assert [(e.field, e.code) for e in errors] == [("indicator", "unknown"), ("unit", "unit")]
    assert 'unit "bananas" is unknown (accepted: µg/m³' in errors[1].message


def test_errors_carry_index_and_line() -> None:
    [error] = _errors(_with(unit="mg/l"), line=12)
    assert (error.index, error.line) == (7, 12)
    assert (
        str(error) == 'line 12: unit "mg/l" is not accepted for air.pm25 (accepted: µg/m³, mg/m³)'
    )
    [error] = _errors(_with(unit="mg/l"))
    assert str(error).startswith("reading 7: unit")


def test_max_skew_is_a_parameter() -> None:
    raw = _with(ts="2026-11-21T00:30:00Z")
    assert isinstance(validate_record(raw, 0, CATALOGUE, NOW), list)
    wide = validate_record(raw, 0, CATALOGUE, NOW, max_skew=timedelta(hours=1))
    assert isinstance(wide, Reading)


def test_now_in_another_zone_is_the_same_instant() -> None:
    local_now = NOW.astimezone(timezone(timedelta(hours=8)))
    assert validate_record(GOOD, 0, CATALOGUE, local_now) == validate_record(
        GOOD, 0, CATALOGUE, NOW
    )


def test_naive_now_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        validate_record(GOOD, 0, CATALOGUE, datetime(2026, 11, 21))  # noqa: DTZ001


# ── CSV rows ─────────────────────────────────────────────────────────────────────


@pytest.mark.parametrize(
    ("row", "record"),
    [
        (
            {"indicator": "air.pm25", "ts": "t", "value": "35", "unit": "ug/m3", "source": "s"},
            {"indicator": "air.pm25", "ts": "t", "value": "35", "unit": "ug/m3", "source": "s"},
        ),
        (
            {"indicator": "i", "value": "1", "region": "", "id": "", "label.district": ""},
            {"indicator": "i", "value": "1"},
        ),
        (
            {"value": "", "region": "shinan", "id": "r1", "label.district": "d", "label.k": "v"},
            {"value": "", "region": "shinan", "id": "r1", "labels": {"district": "d", "k": "v"}},
        ),
        ({"indicator": "i", "colour": "red"}, {"indicator": "i", "colour": "red"}),
        ({"indicator": "i", None: ["x"]}, {"indicator": "i", "(cells beyond the header)": ["x"]}),
        ({"indicator": "i", "source": None}, {"indicator": "i"}),
    ],
)
def test_csv_row_to_record(row: dict[Any, Any], record: dict[str, object]) -> None:
    assert csv_row_to_record(row) == record


def test_a_csv_row_validates() -> None:
    row = {
        "indicator": "port.container_teu",
        "ts": "2026-11-20T00:00:00+08:00",
        "value": "2.5万",
        "unit": "TEU",
        "source": "qqct",
        "region": "",
        "label.terminal": "qianwan",
    }
    reading = validate_record(csv_row_to_record(row), 0, CATALOGUE, NOW, line=2)
    assert isinstance(reading, Reading), reading
    assert (reading.value, reading.region, dict(reading.labels)) == (
        25_000.0,
        None,
        {"terminal": "qianwan"},
    )
    errors = _errors(csv_row_to_record({**row, "colour": "red"}), line=3)
    assert [(e.field, e.line) for e in errors] == [("colour", 3)]


# ── properties ───────────────────────────────────────────────────────────────────

_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
_field_values = {
    "indicator": st.sampled_from(CATALOGUE.ids) | st.text(max_size=70),
    "ts": st.sampled_from(
        ["2026-11-20T08:00:00+08:00", "2026-11-20T08:00:00", "2099-01-01T00:00:00Z"]
    )
    | st.datetimes(timezones=st.timezones()).map(lambda d: d.isoformat())
    | st.text(max_size=40),
    "value": st.floats()
    | st.integers()
    | st.from_regex(r"[0-9]{1,6}(\.[0-9]{1,3})?(万|亿)?", fullmatch=True)
    | st.text(max_size=10),
    "unit": st.sampled_from(["µg/m³", "ug/m3", "万千瓦", "TEU", "个", "%", ""])
    | st.text(max_size=40),
    "source": st.text(max_size=140),
    "region": st.none() | st.text(max_size=70),
    "labels": st.none()
    | st.dictionaries(st.text(max_size=70), st.text(max_size=10) | _json, max_size=34),
    "id": st.none() | st.text(max_size=130),
}
records = st.fixed_dictionaries(
    {},
    optional={**{k: v | _json for k, v in _field_values.items()}, "extra": _json},
)


@settings(max_examples=400, deadline=None)
@given(st.one_of(records, _json))
def test_validation_never_raises(raw: object) -> None:
    result = validate_record(raw, 0, CATALOGUE, NOW)
    if isinstance(result, Reading):
        assert result.indicator in CATALOGUE
        assert result.ts.tzinfo is UTC
        assert (
            result.value in CATALOGUE.get(result.indicator).range
            or result.arrives_as == "increment"
        )
    else:
        assert result and all(isinstance(e, RecordError) for e in result)
        for e in result:
            assert e.field is None or e.code == "extra" or e.field.split(".")[0] in FIELDS
        assert all(e.message for e in result)


@pytest.mark.slow
def test_validation_is_fast() -> None:
    """A loose floor (the aim is >100k records/s on one core) that catches gross slowdowns."""
    raws = [{**GOOD, "value": i % 500, "source": f"station-{i % 40}"} for i in range(20_000)]
    start = time.perf_counter()
    results = [validate_record(raw, i, CATALOGUE, NOW) for i, raw in enumerate(raws)]
    rate = len(raws) / (time.perf_counter() - start)
    assert all(isinstance(r, Reading) for r in results)
    assert rate > 25_000, f"{rate:.0f} records/s"

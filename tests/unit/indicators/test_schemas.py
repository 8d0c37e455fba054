"""The JSON Schemas of a reading and a batch, and their agreement with validate_record."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator
from referencing import Registry, Resource

from services.indicators.catalogue import load_catalogue
from services.indicators.readings import (
    FIELDS,
    FORBIDDEN_PATTERN,
    INDICATOR_PATTERN,
    MAX_BATCH_ITEMS,
    REQUIRED_FIELDS,
    STRUCTURAL_CODES,
    TS_PATTERN,
    Reading,
    validate_record,
)
from services.indicators.units import QUANTITY_PATTERN
from tests.fixtures.paths import DATA

SCHEMAS = DATA / "schemas"
READING = json.loads((SCHEMAS / "reading.schema.json").read_text(encoding="utf-8"))
BATCH = json.loads((SCHEMAS / "batch.schema.json").read_text(encoding="utf-8"))
REGISTRY: Registry[Any] = Registry().with_resources(
    [(s["$id"], Resource.from_contents(s)) for s in (READING, BATCH)]
)
READING_CHECK = Draft202012Validator(READING, registry=REGISTRY)
BATCH_CHECK = Draft202012Validator(BATCH, registry=REGISTRY)
CATALOGUE = load_catalogue()
NOW = datetime(2026, 11, 21, tzinfo=UTC)
GOOD: dict[str, Any] = {
    "indicator": "air.pm25",
    "ts": "2026-11-20T08:00:00+08:00",
    "value": 35,
    "unit": "µg/m³",
    "source": "qd-station-01",
}


@pytest.mark.parametrize("schema", [READING, BATCH], ids=["reading", "batch"])
def test_schemas_are_valid_draft_2020_12(schema: dict[str, Any]) -> None:
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(schema)


def test_the_schema_states_the_validators_structure() -> None:
    props = READING["properties"]
    assert tuple(READING["required"]) == REQUIRED_FIELDS
    assert tuple(props) == FIELDS
    assert READING["additionalProperties"] is False
    assert props["indicator"]["pattern"] == INDICATOR_PATTERN
    assert props["ts"]["pattern"] == TS_PATTERN
    assert props["value"]["anyOf"][1]["pattern"] == QUANTITY_PATTERN
    assert props["unit"]["not"]["pattern"] == FORBIDDEN_PATTERN
    assert BATCH["properties"]["readings"]["maxItems"] == MAX_BATCH_ITEMS


def _structural(raw: object) -> list[str]:
    result = validate_record(raw, 0, CATALOGUE, NOW)
    if isinstance(result, Reading):
        return []
    return [e.code for e in result if e.code in STRUCTURAL_CODES]


@pytest.mark.parametrize(
    ("changes", "valid"),
    [
        ({}, True),
        ({"region": None, "id": None, "labels": None}, True),
        ({"value": "2600万"}, True),
        ({"ts": "2026-11-20T08:00:00Z"}, True),
        ({"ts": "2026-02-30T00:00:00Z"}, True),  # shape right, date wrong: not structural
        ({"indicator": "air.pm2.5"}, True),  # unknown, but shaped like an id
        ({"value": 1e9}, True),  # implausible, but a number
        ({"ts": "2026-11-20T08:00:00"}, False),
        ({"ts": "2026-13-01T00:00:00Z"}, False),
        ({"indicator": "AIR.PM25"}, False),
        ({"value": True}, False),
        ({"value": "35 µg"}, False),
        ({"unit": ""}, False),
        ({"source": ""}, False),
        ({"source": " x"}, False),
        ({"source": "x\u0007"}, False),
        ({"source": "x" * 129}, False),
        ({"region": ""}, False),
        ({"id": "i" * 129}, False),
        ({"labels": {"k": 1}}, False),
        ({"labels": {"": "v"}}, False),
        ({"labels": {f"k{i}": "v" for i in range(33)}}, False),
        ({"colour": "red"}, False),
    ],
)
def test_schema_and_validator_agree_on_examples(changes: dict[str, Any], valid: bool) -> None:
    raw = {**GOOD, **changes}
    assert READING_CHECK.is_valid(raw) is valid
    assert (not _structural(raw)) is valid


@pytest.mark.parametrize("missing", REQUIRED_FIELDS)
def test_required_fields_agree(missing: str) -> None:
    raw = {k: v for k, v in GOOD.items() if k != missing}
    assert not READING_CHECK.is_valid(raw)
    assert _structural(raw) == ["missing"]


@pytest.mark.parametrize(
    ("batch", "valid"),
    [
        ({"readings": [GOOD]}, True),
        ({"readings": [GOOD] * MAX_BATCH_ITEMS}, True),
        ({"readings": [GOOD] * (MAX_BATCH_ITEMS + 1)}, False),
        ({"readings": []}, True),  # the API answers 202 with nothing accepted
        ({"readings": [{**GOOD, "value": "x"}]}, False),
        ({"readings": GOOD}, False),
        ({"readings": [GOOD], "more": 1}, False),
        ([GOOD], False),
        ({}, False),
    ],
)
def test_batch_schema(batch: object, valid: bool) -> None:
    assert BATCH_CHECK.is_valid(batch) is valid


# Strings near every rule's edges: lengths, control and invisible characters, spaces.
_EDGES = [
    "",
    " ",
    "a ",
    " a",
    "a\n",
    "a\u0000",
    "a\u200b",
    "a\u2028",
    "\ufeff",
    "\ud800",
    "a\u00a0",
]


def _texts(limit: int) -> st.SearchStrategy[str]:
    return (
        st.sampled_from(_EDGES)
        | st.text(max_size=8)
        | st.text(alphabet="ab ", min_size=limit - 1, max_size=limit + 1)
        | st.text(alphabet=st.characters(codec="utf-8"), max_size=4)
    )


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=6),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3)
    ),
    max_leaves=6,
)
_CHANGES: dict[str, st.SearchStrategy[Any]] = {
    "indicator": st.sampled_from(["air.pm25", "port.container_teu", "air.pm2.5", "Air.pm25"])
    | st.from_regex(r"[a-z0-9_.]{1,66}", fullmatch=True)
    | _texts(64),
    "ts": st.sampled_from(
        ["2026-11-20T08:00:00+08:00", "2026-11-20T08:00:00", "2026-11-20t00:00:00z"]
    )
    | st.datetimes(timezones=st.timezones()).map(lambda d: d.isoformat())
    | st.from_regex(TS_PATTERN, fullmatch=True)
    | _texts(30),
    "value": st.floats()
    | st.integers()
    | st.booleans()
    | st.from_regex(QUANTITY_PATTERN, fullmatch=True)
    | st.text(alphabet="0123456789.,万亿e+- ", max_size=8)
    | st.text(alphabet="1", min_size=63, max_size=65),
    "unit": st.sampled_from(["µg/m³", "ug/m3", "mg/m3", "kW"]) | _texts(32),
    "source": _texts(128),
    "region": st.none() | _texts(64),
    "id": st.none() | _texts(128),
    "labels": st.none()
    | st.dictionaries(_texts(64), _texts(256) | _json, max_size=3)
    | st.dictionaries(
        st.text(alphabet="k0123456789", max_size=3), st.just("v"), min_size=31, max_size=34
    ),
}


@st.composite
def _records(draw: st.DrawFn) -> dict[str, Any]:
    record: dict[str, Any] = dict(GOOD)
    for field in draw(st.lists(st.sampled_from(FIELDS), max_size=3, unique=True)):
        if draw(st.integers(0, 9)) == 0:
            record.pop(field, None)
        else:
            record[field] = draw(_CHANGES[field] | _json)
    if draw(st.integers(0, 9)) == 0:
        record[draw(st.text(max_size=6))] = draw(_json)
    return record


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_records())
def test_schema_and_validator_agree(raw: dict[str, Any]) -> None:
    schema_errors = [e.message for e in READING_CHECK.iter_errors(raw)]
    structural = _structural(raw)
    assert (not schema_errors) == (not structural), (schema_errors, structural)

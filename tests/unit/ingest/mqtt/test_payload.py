"""MQTT payloads to records, and the error report of a message."""

from __future__ import annotations

from datetime import UTC, datetime

import orjson
import pytest

from services.ingest.bodies import RawRecord
from services.ingest.mqtt.payload import decode_payload, error_report, errors_topic


@pytest.mark.parametrize(
    ("payload", "records"),
    [
        (b'{"indicator": "air.pm25"}', [RawRecord(0, None, {"indicator": "air.pm25"})]),
        (
            b'{"readings": [{"a": 1}, {"b": 2}]}',
            [RawRecord(0, None, {"a": 1}), RawRecord(1, None, {"b": 2})],
        ),
        (b"[1, 2]", [RawRecord(0, None, 1), RawRecord(1, None, 2)]),
        (b"42", [RawRecord(0, None, 42)]),
        (
            b'\xef\xbb\xbf{"a": 1}\n{"b": 2}\n',
            [RawRecord(0, 1, {"a": 1}), RawRecord(1, 2, {"b": 2})],
        ),
    ],
)
def test_shapes(payload: bytes, records: list[RawRecord]) -> None:
    assert decode_payload(payload) == records


@pytest.mark.parametrize(
    ("payload", "words"),
    [
        (b"pm25=31", "the message is not JSON"),
        (b"\xff\xfe", "not UTF-8"),
        (b'{"readings": 5}', '"readings" must be an array'),
        (b"", "not JSON"),
    ],
)
def test_a_message_that_cannot_be_read(payload: bytes, words: str) -> None:
    [record] = decode_payload(payload)
    assert record.index == 0 and record.problem is not None and words in record.problem


def test_a_bad_ndjson_line_is_a_problem_of_that_record() -> None:
    got = decode_payload(b'{"a": 1}\n\n{oops}\n{"c": 3}')
    assert [(r.index, r.line, r.problem is not None) for r in got] == [
        (0, 1, False),
        (1, 3, True),
        (2, 4, False),
    ]


def test_a_record_nested_too_deeply_is_not_passed_on() -> None:
    deep = b'{"a":' * 300 + b"1" + b"}" * 300
    for payload in (b"[" + deep + b', {"b": 2}]', deep + b'\n{"b": 2}\n'):
        first, second = decode_payload(payload)
        assert first.value is None and first.problem is not None
        assert "nested more than 32 levels deep" in first.problem
        assert (second.value, second.problem) == ({"b": 2}, None)


def test_errors_topic_and_report() -> None:
    assert (
        errors_topic("ontrack/errors/", "ontrack/readings/port/teu")
        == "ontrack/errors/ontrack/readings/port/teu"
    )
    errors = [
        {"index": 0, "field": "unit", "message": "a"},
        {"index": 0, "field": "ts", "message": "b"},
    ]
    report = orjson.loads(error_report("t", 2, errors, datetime(2026, 1, 1, tzinfo=UTC)))
    assert report == {
        "topic": "t",
        "at": "2026-01-01T00:00:00+00:00",
        "accepted": 2,
        "rejected": 1,
        "errors": errors,
    }

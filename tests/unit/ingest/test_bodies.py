"""Request bodies to raw records: JSON, NDJSON, CSV; index and line numbers; whole-body errors."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.ingest.bodies import BodyError, RawRecord, parse_body

R = {
    "indicator": "air.pm25",
    "ts": "2026-10-01T00:00:00Z",
    "value": 1,
    "unit": "µg/m³",
    "source": "s",
}


def test_json_object_and_array() -> None:
    assert parse_body("application/json", b'{"readings": [{"a": 1}, 2]}', 10) == [
        RawRecord(0, None, {"a": 1}),
        RawRecord(1, None, 2),
    ]
    assert parse_body("application/json; charset=UTF-8", "\ufeff[1]".encode(), 10) == [
        RawRecord(0, None, 1)
    ]


def test_ndjson_counts_lines_and_keeps_undecodable_ones_as_problems() -> None:
    body = b'{"a": 1}\r\n\n  \nnot json\n{"b": 2}'
    got = parse_body("application/x-ndjson", body, 10)
    assert [(r.index, r.line, r.value) for r in got] == [
        (0, 1, {"a": 1}),
        (1, 4, None),
        (2, 5, {"b": 2}),
    ]
    assert got[1].problem is not None and "line 4 is not JSON" in got[1].problem


def test_csv_rows_become_records_with_the_header_as_line_1() -> None:
    body = (
        "indicator, ts ,value,unit,source,region,label.source\n"
        'power.generation,2026-10-01T00:00:00Z,"1,200",万千瓦时,grid,,wind\n'
        "\n"
        "air.pm25,2026-10-01T00:00:00Z,3,µg/m³,st\n"
        "air.pm25,2026-10-01T00:00:00Z,3,µg/m³,st,shinan,x,extra\n"
    ).encode()
    got = parse_body("text/csv", body, 10)
    assert [(r.index, r.line) for r in got] == [(0, 2), (1, 4), (2, 5)]
    assert got[0].value == {
        "indicator": "power.generation",
        "ts": "2026-10-01T00:00:00Z",
        "value": "1,200",
        "unit": "万千瓦时",
        "source": "grid",
        "labels": {"source": "wind"},
    }
    assert got[1].value == {
        "indicator": "air.pm25",
        "ts": "2026-10-01T00:00:00Z",
        "value": "3",
        "unit": "µg/m³",
        "source": "st",
    }
    assert got[2].value["(cells beyond the header)"] == "extra"  # type: ignore[index]


def test_a_quoted_cell_over_two_lines_keeps_the_line_of_its_row() -> None:
    body = b'indicator,ts,value,unit,source,id\nair.pm25,t,1,u,s,"a\nb"\nair.pm25,t,1,u,s,c\n'
    assert [r.line for r in parse_body("text/csv", body, 10)] == [2, 4]


@pytest.mark.parametrize(
    ("ctype", "body", "status", "words"),
    [
        ("application/json", b"{", 400, "not valid JSON"),
        ("application/json", b'{"readings": 1}', 400, "expected an object"),
        ("application/json", b'{"readings": [], "x": 1}', 400, "unexpected top-level field(s) x"),
        ("application/json", b"[1, 2, 3]", 413, "send at most 2 per request"),
        ("application/x-ndjson", b"1\n2\n3\n", 413, "more than 2 readings"),
        ("text/csv", b"indicator,ts,value,unit,source\n1\n2\n3\n", 413, "more than 2"),
        ("application/json", b'["\xff"]', 400, "byte 0xff at offset 2 (line 1) is not valid UTF-8"),
        ("text/csv", b"\n\nindicator\xc3", 400, "(line 3)"),
        ("text/csv", b"", 400, "the CSV body is empty"),
        ("text/csv", b"indicator,ts,value,unit\n", 400, "required column(s) source missing"),
        (
            "text/csv",
            b"indicator,ts,value,unit,source,source\n",
            400,
            'column "source" appears twice',
        ),
        ("text/csv", b"indicator,ts,value,unit,source,,\n", 400, "column 6 has no name"),
        ("text/csv", b"indicator,ts,value,unit,source,labels\n", 400, 'column "labels" is unknown'),
        ("text/csv", b"indicator,ts,value,unit,source,label.\n", 400, 'column "label." is unknown'),
        (
            "text/csv",
            b'indicator,ts,value,unit,source\na,"b\n',
            400,
            "the CSV is malformed at line 2",
        ),
        (None, b"[]", 415, "no Content-Type"),
        ("text/plain", b"[]", 415, "Content-Type text/plain"),
        ("text/csv; charset=gbk", b"", 415, "charset=gbk is not supported"),
    ],
)
def test_unreadable_bodies(ctype: str | None, body: bytes, status: int, words: str) -> None:
    with pytest.raises(BodyError) as caught:
        parse_body(ctype, body, 2)
    assert caught.value.status == status
    assert words in str(caught.value)


@settings(max_examples=500)
@given(
    ctype=st.sampled_from(["application/json", "application/x-ndjson", "text/csv"]),
    body=st.one_of(
        st.binary(max_size=300),
        st.text(max_size=300).map(lambda t: t.encode("utf-8", "surrogatepass")),
    ),
)
def test_any_body_is_records_or_a_body_error(ctype: str, body: bytes) -> None:
    try:
        records = parse_body(ctype, body, 50)
    except BodyError as exc:
        assert exc.status in (400, 413) and str(exc)
    else:
        assert [r.index for r in records] == list(range(len(records)))

"""Files cut into batches that remember their lines; answers tallied back onto the file."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from services.ingest.client import Answer
from services.ingest.replay import ReplayError, Summary, _tally, chunks, detect_format


def test_ndjson_batches_keep_file_lines() -> None:
    data = b'\xef\xbb\xbf{"a":1}\n\n{"a":2}\r\n{"a":3}\n{"a":4}'
    got = list(chunks(io.BytesIO(data), "ndjson", 2))
    assert [c.lines for c in got] == [[1, 3], [4, 5]]
    assert got[0].body == b'{"a":1}\n{"a":2}\n'
    assert got[-1].offset == len(data)


def test_csv_batches_repeat_the_header_and_keep_file_lines() -> None:
    data = b'indicator,ts,value,unit,source,id\na,t,1,u,s,"x\ny"\n\nb,t,2,u,s,z\nc,t,3,u,s,w\n'
    got = list(chunks(io.BytesIO(data), "csv", 2))
    assert [c.lines for c in got] == [[2, 5], [6]]
    assert got[0].body == b'indicator,ts,value,unit,source,id\na,t,1,u,s,"x\ny"\nb,t,2,u,s,z\n'
    assert got[1].body == b"indicator,ts,value,unit,source,id\nc,t,3,u,s,w\n"


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"", "the CSV file is empty"),
        (b"a,b\n\xff,1\n", "not UTF-8"),
        (b'a,b\n"x\n', "malformed at line"),
    ],
)
def test_unreadable_csv(data: bytes, words: str) -> None:
    with pytest.raises(ReplayError, match=words):
        list(chunks(io.BytesIO(data), "csv", 2))


def test_format_from_name_or_flag() -> None:
    assert detect_format(Path("a.CSV"), None) == "csv"
    assert detect_format(Path("a.jsonl"), None) == "ndjson"
    assert detect_format(Path("a.txt"), "ndjson") == "ndjson"
    with pytest.raises(ReplayError, match="name it .csv or .ndjson"):
        detect_format(Path("a.txt"), None)


def test_tally_names_file_lines() -> None:
    from services.ingest.replay import Chunk

    summary = Summary()
    chunk = Chunk(b"", [10, 11, 14], 0)
    _tally(
        summary,
        chunk,
        Answer(
            202,
            {
                "accepted": 2,
                "rejected": 1,
                "errors": [{"index": 2, "field": "unit", "message": "bad unit"}],
            },
        ),
    )
    _tally(
        summary,
        chunk,
        Answer(
            403,
            {
                "detail": "outside scope",
                "errors": [{"index": 0, "field": "source", "message": "no"}],
            },
        ),
    )
    assert (summary.accepted, summary.rejected) == (2, 4)
    assert summary.errors == [
        "line 14, unit: bad unit",
        "lines 10-14: refused whole (HTTP 403): outside scope",
        "line 10, source: no",
    ]

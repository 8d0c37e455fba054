"""Each kind of error gets its status and a message that names the problem; nothing bad is stored."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from services.settings import Settings
from tests.fixtures.keys import MakeKey
from tests.fixtures.services import Running, wait_for
from tests.integration.ingest.helpers import count_rows, day, post, reading

pytestmark = [pytest.mark.integration, pytest.mark.slow]

PROBLEM = "application/problem+json"


def _future() -> str:
    return (datetime.now(UTC) + timedelta(days=2)).isoformat()


RECORD_ERRORS = [
    # (what is wrong, changes to a good reading, field, words the message must hold)
    ("schema: missing field", {"unit": None}, "unit", "unit is missing"),
    ("schema: wrong type", {"value": [31]}, "value", "must be a number"),
    ("schema: unknown field", {"colour": "red"}, "colour", 'unknown field(s) "colour"'),
    ("unknown indicator", {"indicator": "air.pm26"}, "indicator", "did you mean air.pm25"),
    ("bad unit", {"unit": "kg"}, "unit", 'unit "kg" is not accepted for air.pm25'),
    ("implausible value", {"value": 5000}, "value", "outside the plausible range"),
    ("future timestamp", {"ts": _future()}, "ts", "in the future"),
    ("naive timestamp", {"ts": "2026-10-01T08:00:00"}, "ts", "has no UTC offset"),
    ("formula in source", {"source": "=HYPERLINK(1)"}, "source", "formula"),
]


@pytest.mark.parametrize(("case", "change", "field", "words"), RECORD_ERRORS)
def test_a_bad_record_is_refused_with_its_field_and_what_to_do(
    pipeline: Running, api_key: str, case: str, change: dict[str, Any], field: str, words: str
) -> None:
    rec = {k: v for k, v in {**reading("err-record", day(6)), **change}.items() if v is not None}
    resp = post(pipeline.api_url, api_key, {"readings": [rec]})
    assert resp.status_code == 422, resp.text
    assert resp.headers["content-type"] == PROBLEM
    body = resp.json()
    assert (body["accepted"], body["rejected"]) == (0, 1)
    assert body["title"] == "no reading accepted"
    assert [(e["index"], e["field"]) for e in body["errors"]] == [(0, field)]
    assert words in body["errors"][0]["message"]


def test_a_mixed_batch_keeps_the_good_and_names_the_bad(
    pipeline: Running, settings: Settings, api_key: str
) -> None:
    good = [reading("err-mixed", day(7, 9).replace(hour=h), 20 + h) for h in range(3)]
    bad_unit = reading("err-mixed", day(7, 9).replace(hour=5), 1, unit="ppm")
    too_high = reading("err-mixed", day(7, 9).replace(hour=6), 99999)
    resp = post(pipeline.api_url, api_key, [good[0], bad_unit, good[1], too_high, good[2]])
    assert resp.status_code == 202
    body = resp.json()
    assert (body["accepted"], body["rejected"]) == (3, 2)
    assert [(e["index"], e["field"], e["code"]) for e in body["errors"]] == [
        (1, "unit", "unit"),
        (3, "value", "range"),
    ]
    wait_for(lambda: count_rows(settings.dsn, "err-mixed") == 3, 60, "the 3 good rows")
    post(pipeline.api_url, api_key, [reading("err-mixed-done", day(7, 9))])
    wait_for(lambda: count_rows(settings.dsn, "err-mixed-done") == 1, 60, "a later batch")
    assert count_rows(settings.dsn, "err-mixed") == 3


def test_line_formats_name_the_line(pipeline: Running, api_key: str) -> None:
    ndjson = (
        '{"indicator":"air.pm25","ts":"2026-10-08T00:00:00Z","value":1,"unit":"µg/m³",'
        '"source":"err-lines"}\n\n{not json}\n'
        '{"indicator":"air.pm25","ts":"2026-10-08T01:00:00Z","value":1,"unit":"kg",'
        '"source":"err-lines"}\n'
    )
    resp = post(
        pipeline.api_url,
        api_key,
        content=ndjson.encode(),
        headers={"content-type": "application/x-ndjson"},
    )
    assert resp.status_code == 202
    errors = resp.json()["errors"]
    assert [(e["index"], e["line"], e["field"]) for e in errors] == [(1, 3, None), (2, 4, "unit")]
    assert "line 3 is not JSON" in errors[0]["message"]

    csv = (
        "indicator,ts,value,unit,source,region\n"
        "air.pm25,2026-10-08T00:00:00Z,1,µg/m³,err-lines,shinan\n"
        "air.pm25,2026-10-08T01:00:00Z,1,µg/m³,err-lines,-cmd|calc\n"
        "air.pm25,2026-10-08T02:00:00Z,-3,µg/m³,err-lines,shinan\n"
    )
    resp = post(
        pipeline.api_url, api_key, content=csv.encode(), headers={"content-type": "text/csv"}
    )
    assert resp.status_code == 202
    errors = resp.json()["errors"]
    assert [(e["index"], e["line"], e["field"]) for e in errors] == [
        (1, 3, "region"),
        (2, 4, "value"),
    ]
    assert "would run as a formula" in errors[0]["message"]


@pytest.mark.parametrize(
    ("content_type", "body", "status", "words"),
    [
        ("application/json", b'{"readings": [', 400, "not valid JSON"),
        ("application/json", b'{"rows": []}', 400, "unexpected top-level field(s) rows"),
        ("application/json", '[{"source": "caf\u00e9"}]'.encode("latin-1"), 400, "not UTF-8"),
        ("text/csv", b"indicator,ts,value,unit\nair.pm25,x,1,ug\n", 400, "source missing"),
        ("text/csv", b"indicator,ts,value,unit,source,colour\n", 400, 'column "colour" is unknown'),
        ("text/csv", b"", 400, "the CSV body is empty"),
        ("application/x-www-form-urlencoded", b"a=1", 415, "application/x-ndjson or text/csv"),
        ("application/json; charset=latin-1", b"[]", 415, "send UTF-8"),
    ],
)
def test_an_unreadable_body_is_refused_whole(
    pipeline: Running, api_key: str, content_type: str, body: bytes, status: int, words: str
) -> None:
    resp = post(pipeline.api_url, api_key, content=body, headers={"content-type": content_type})
    assert resp.status_code == status, resp.text
    assert resp.headers["content-type"] == PROBLEM
    assert words in resp.json()["detail"]


def _fake_token(token: str) -> str:
    return token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")


@pytest.mark.parametrize(
    ("headers", "words"),
    [
        ({}, "no API key"),
        ({"Authorization": "Bearer nonsense"}, "malformed"),
        ({"Authorization": "Basic dXNlcjpwdw=="}, "no API key"),
        ({"X-API-Key": "otk_0123456789abcdef_" + "x" * 43}, "not valid"),
    ],
)
def test_no_key_or_a_bad_one_is_401(pipeline: Running, headers: dict[str, str], words: str) -> None:
    resp = httpx.post(
        pipeline.api_url + "/v1/readings", json=[reading("err-auth", day(9))], headers=headers
    )
    assert resp.status_code == 401
    assert resp.headers["www-authenticate"].startswith("Bearer")
    assert words in resp.json()["detail"]


def test_a_key_with_a_wrong_secret_is_401(pipeline: Running, api_key: str) -> None:
    resp = post(pipeline.api_url, _fake_token(api_key), [reading("err-auth", day(9))])
    assert resp.status_code == 401
    assert "not valid" in resp.json()["detail"]
    # the same key, whole, still works (X-API-Key is the other way to send it)
    ok = httpx.post(
        pipeline.api_url + "/v1/readings",
        json=[reading("err-auth-ok", day(9))],
        headers={"X-API-Key": api_key},
    )
    assert ok.status_code == 202


def test_outside_the_scope_is_403_and_nothing_is_accepted(
    pipeline: Running, settings: Settings, make_key: MakeKey
) -> None:
    token = make_key("qd-emc", indicators=["air.*"], sources=["qd-station-*"])
    ok = reading("qd-station-07", day(10))
    other_indicator = {**ok, "indicator": "port.container_teu", "unit": "TEU", "value": 1000}
    other_source = {**ok, "source": "port-terminal-1"}
    resp = post(pipeline.api_url, token, [ok, other_indicator, other_source])
    assert resp.status_code == 403
    body = resp.json()
    assert resp.headers["content-type"] == PROBLEM
    assert "nothing of this batch was accepted" in body["detail"]
    assert [(e["index"], e["field"], e["code"]) for e in body["errors"]] == [
        (1, "indicator", "scope"),
        (2, "source", "scope"),
    ]
    assert 'may not write indicator "port.container_teu"' in body["errors"][0]["message"]
    assert "(it may write qd-station-*)" in body["errors"][1]["message"]
    # within its scope the same key is fine; what was refused never reaches the database
    assert post(pipeline.api_url, token, [reading("qd-station-07", day(11))]).status_code == 202
    wait_for(lambda: count_rows(settings.dsn, "qd-station-07") == 1, 60, "the in-scope row")
    assert count_rows(settings.dsn, "port-terminal-1") == 0


def test_a_key_without_the_ingest_role_is_403(pipeline: Running, make_key: MakeKey) -> None:
    token = make_key("duty-office", roles=["operator"])
    resp = post(pipeline.api_url, token, [reading("err-role", day(12))])
    assert resp.status_code == 403
    assert "not ingest" in resp.json()["detail"]
    me = httpx.get(pipeline.api_url + "/v1/keys/self", headers={"X-API-Key": token}).json()
    assert (me["provider"], me["roles"]) == ("duty-office", ["operator"])


def test_metrics_count_by_provider(pipeline: Running, make_key: MakeKey) -> None:
    token = make_key("port-of-qingdao", indicators=["port.*"], sources=["*"])
    good = {
        "indicator": "port.container_teu",
        "source": "qdport",
        "ts": "2026-10-31T00:00:00+08:00",
        "value": 1,
        "unit": "万标准箱",
    }
    resp = post(pipeline.api_url, token, [good, {**good, "unit": "kg"}])
    assert resp.json()["accepted"] == 1
    assert post(pipeline.api_url, "otk_nonsense", [good]).status_code == 401
    text = httpx.get(pipeline.api_url + "/metrics").text
    assert (
        'ontrack_readings_accepted_total{indicator="port.container_teu",provider="port-of-qingdao"} 1.0'
        in text
    )
    assert 'ontrack_readings_rejected_total{provider="port-of-qingdao",reason="unit"} 1.0' in text
    assert 'ontrack_http_auth_failures_total{reason="malformed"}' in text

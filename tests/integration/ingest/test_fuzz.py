"""Thousands of malformed bodies against the running API: never a 5xx, every error well formed,
and exactly the accepted readings reach TimescaleDB (nothing of a rejected record)."""

from __future__ import annotations

import csv
import io
import itertools
import json
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import psycopg
import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from services.indicators.catalogue import load_catalogue
from services.settings import Settings
from tests.fixtures.keys import MakeKey
from tests.fixtures.services import Running, wait_for
from tests.integration.ingest.helpers import count_rows, post, reading

pytestmark = [pytest.mark.integration, pytest.mark.slow]

EXAMPLES = 2500
CATALOGUE = load_catalogue()
IDS = list(CATALOGUE.ids)
UNITS = sorted({u for i in CATALOGUE for u in i.accepted_units})
BASE = datetime(2025, 1, 1, tzinfo=UTC)
VALID_TS = "<valid ts>"  # replaced by a timestamp of its own, so no two records share a key
_clock = itertools.count()

Key = tuple[str, str, datetime]

texts = st.text(max_size=12)
junk = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), texts,
    st.lists(st.integers(), max_size=2), st.dictionaries(texts, st.integers(), max_size=2),
)  # fmt: skip

fields: dict[str, st.SearchStrategy[Any]] = {
    "indicator": st.one_of(st.sampled_from(IDS), st.sampled_from(["air.pm26", "AIR.PM25", "air"]), junk),
    "source": st.one_of(
        st.integers(1, 9).map(lambda n: f"fz-{n}"), texts.map(lambda t: f"fz-{t}"),
        st.sampled_from(["fz-=1+2", "fz- ", "=fz", "fz-\u200b"]), junk,
    ),
    "ts": st.one_of(
        st.just(VALID_TS), st.just(VALID_TS), st.just(VALID_TS),
        st.sampled_from(["2030-01-01T00:00:00Z", "2026-10-01T08:00:00", "2026-02-30T00:00:00Z",
                         "yesterday", "2026-10-01T24:00:00+08:00"]),
        junk,
    ),
    "value": st.one_of(
        st.floats(-1e3, 1e7, allow_nan=False), st.integers(-10, 10**9),
        st.sampled_from(["12", "2600万", "6.7亿", "1,200", "1e400", "NaN", "-", "=1+1", "+5"]),
        junk,
    ),
    "unit": st.one_of(st.sampled_from(UNITS), st.sampled_from(["ug/m3", "微克/立方米", "kg", ""]), junk),
    "region": st.one_of(st.none(), st.sampled_from(["shinan", "@cmd", "-x", " a"]), junk),
    "id": st.one_of(st.none(), texts, junk),
    "labels": st.one_of(
        st.none(), st.just({"source": "wind"}), st.just({"arrives_as": "increment"}),
        st.just({"arrives_as": "bogus"}), st.dictionaries(texts, junk, max_size=3), junk,
    ),
}  # fmt: skip


@st.composite
def good_records(draw: st.DrawFn) -> dict[str, Any]:
    ind = CATALOGUE.get(draw(st.sampled_from([i.id for i in CATALOGUE if not i.derived])))
    rec: dict[str, Any] = {
        "indicator": ind.id,
        "ts": VALID_TS,
        "value": draw(st.integers(0, 30)),
        "unit": draw(st.sampled_from(ind.accepted_units)),
        "source": f"fz-{draw(st.integers(1, 9))}",
    }
    if ind.required_labels:
        rec["labels"] = {name: "wind" for name in ind.required_labels}
    return rec


@st.composite
def records(draw: st.DrawFn) -> Any:
    """Mostly good records with a mutation or two; some made of parts; some not objects."""
    kind = draw(st.integers(0, 19))
    if kind == 0:
        return draw(junk)
    if kind <= 4:
        return {name: draw(strategy) for name, strategy in fields.items() if draw(st.booleans())}
    rec = draw(good_records())
    for _ in range(draw(st.sampled_from([0, 0, 1, 1, 2]))):
        name = draw(st.sampled_from([*fields, "extra"]))
        if name == "extra":
            rec[draw(texts)] = draw(junk)
        elif draw(st.integers(0, 3)) == 0:
            rec.pop(name, None)
        else:
            rec[name] = draw(fields[name])
    return rec


@dataclass
class Body:
    content_type: str
    payload: bytes
    sent: dict[int, Any] | None  # index → the record as the API reads it; None: unknown


def _stamp(rec: Any) -> Any:
    if isinstance(rec, dict) and rec.get("ts") == VALID_TS:
        rec = {**rec, "ts": (BASE + timedelta(minutes=next(_clock))).isoformat()}
    return rec


def _dumps(value: Any) -> str:
    """JSON as a sender might write it: big integers, Infinity and lone surrogates included."""
    return json.dumps(value)


def _cell(value: Any) -> str:
    if isinstance(value, str):
        return value
    return "" if value is None else _dumps(value)


@st.composite
def bodies(draw: st.DrawFn) -> Body:
    recs = [_stamp(r) for r in draw(st.lists(records(), max_size=8))]
    shape = draw(st.sampled_from(["object", "array", "ndjson", "csv", "bytes", "json-junk"]))
    if shape in ("object", "array"):
        doc = {"readings": recs} if shape == "object" else recs
        return Body("application/json", _dumps(doc).encode(), dict(enumerate(recs)))
    if shape == "ndjson":
        lines, sent = [], {}
        for rec in recs:
            if draw(st.integers(0, 5)) == 0:
                lines.append(draw(st.sampled_from(["{", "[]", "1 2", "\t"])))
                if lines[-1].strip():
                    sent[len(sent)] = None
            sent[len(sent)] = rec
            lines.append(_dumps(rec))
        return Body("application/x-ndjson", "\n".join(lines).encode(), sent)
    if shape == "csv":
        return _csv_body(draw, recs)
    if shape == "bytes":
        ctype = draw(
            st.sampled_from(["application/json", "text/csv", "application/x-ndjson", "text/plain"])
        )
        return Body(ctype, draw(st.binary(max_size=200)), None)
    value = draw(junk)
    sent = dict(enumerate(value)) if isinstance(value, list) else {}
    return Body("application/json", _dumps(value).encode(), sent)


def _csv_body(draw: st.DrawFn, recs: list[Any]) -> Body:
    header = ["indicator", "ts", "value", "unit", "source", "region", "id", "label.source"]
    if draw(st.integers(0, 9)) == 0:
        header = draw(st.permutations(header + [draw(texts)]))[: draw(st.integers(0, 9))]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    sent: dict[int, Any] = {}
    for rec in recs:
        row = rec if isinstance(rec, dict) else {}
        labels = row.get("labels") if isinstance(row.get("labels"), dict) else {}
        cells = [
            _cell(labels.get("source")) if col == "label.source" else _cell(row.get(col))
            for col in header
        ]
        if any(c.strip() for c in cells) and not any(("\n" in c or "\r" in c) for c in cells):
            sent[len(sent)] = dict(zip(header, cells, strict=True))
            writer.writerow(cells)
    return Body("text/csv", out.getvalue().encode("utf-8", "surrogatepass"), sent)


def _key(rec: Any) -> Key:
    ts = datetime.fromisoformat(rec["ts"].upper()).astimezone(UTC)
    return (rec["indicator"], rec["source"], ts)


def _check_answer(body: Body, resp: httpx.Response, accepted: set[Key], seen: Counter[int]) -> None:
    seen[resp.status_code] += 1
    assert resp.status_code < 500, (body, resp.text)
    doc = resp.json()
    if resp.status_code != 202:
        assert resp.headers["content-type"] == "application/problem+json", resp.text
        assert doc["title"] and doc["detail"] and doc["status"] == resp.status_code
    for error in doc.get("errors") or []:
        assert error["message"] and isinstance(error["index"], int)
    if resp.status_code not in (202, 422):
        return
    bad = {e["index"] for e in doc["errors"]}
    if body.sent is None:  # random bytes: not one reading in them
        assert doc["accepted"] == 0, (body, resp.text)
        return
    assert doc["rejected"] == len(bad) and doc["accepted"] + len(bad) == len(body.sent), resp.text
    for index, rec in body.sent.items():
        if index not in bad:
            accepted.add(_key(rec))


def test_malformed_bodies_never_5xx_and_only_accepted_readings_are_stored(
    pipeline: Running, settings: Settings, make_key: MakeKey
) -> None:
    token = make_key("fuzzer", indicators=["*"], sources=["fz-*"])
    accepted: set[Key] = set()
    seen: Counter[int] = Counter()
    http = httpx.Client(base_url=pipeline.api_url, timeout=30)

    @hsettings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(body=bodies())
    def send(body: Body) -> None:
        resp = http.post(
            "/v1/readings",
            content=body.payload,
            headers={"content-type": body.content_type, "authorization": f"Bearer {token}"},
        )
        _check_answer(body, resp, accepted, seen)

    try:
        send()
    finally:
        http.close()
    assert sum(seen.values()) >= EXAMPLES
    assert {202, 400, 403, 422} <= set(seen), seen
    assert len(accepted) > 100, seen  # the fuzz reaches the database, not only the parsers

    done = reading("fz-done", datetime(2026, 1, 1, tzinfo=UTC))
    assert post(pipeline.api_url, token, [done]).status_code == 202
    wait_for(lambda: count_rows(settings.dsn, "fz-done") == 1, 120, "the fuzz's last batch")
    with psycopg.connect(settings.dsn) as conn:
        stored = {
            (i, s, ts.astimezone(UTC))
            for i, s, ts in conn.execute(
                "SELECT indicator, source, ts FROM observations "
                "WHERE starts_with(source, 'fz-') AND source <> 'fz-done'"
            )
        }
    assert stored == accepted, (len(stored), len(accepted))

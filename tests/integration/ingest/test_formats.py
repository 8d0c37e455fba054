"""Every format goes through to TimescaleDB, once, units normalised; retries add nothing."""

from __future__ import annotations

import httpx
import orjson
import pytest

from services.settings import Settings
from tests.fixtures.services import Running, wait_for
from tests.integration.ingest.helpers import count_rows, day, hours, post, reading, rows

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def test_json_array_is_accepted_and_stored(
    pipeline: Running, settings: Settings, api_key: str
) -> None:
    batch = [reading("fmt-array", ts, 10 + i) for i, ts in enumerate(hours(day(1), 5))]
    resp = post(pipeline.api_url, api_key, batch)
    assert resp.status_code == 202, resp.text
    assert resp.json() == {"accepted": 5, "rejected": 0, "errors": []}
    wait_for(lambda: count_rows(settings.dsn, "fmt-array") == 5, 60, "5 rows")
    assert [r[2] for r in rows(settings.dsn, "fmt-array")] == [10.0, 11.0, 12.0, 13.0, 14.0]


def test_ndjson_with_blank_lines_and_crlf(
    pipeline: Running, settings: Settings, api_key: str
) -> None:
    lines = [
        orjson.dumps(reading("fmt-nd", day(2), 0.035, unit="mg/m³", id="nd-1")),
        b"",
        orjson.dumps(reading("fmt-nd", day(2).replace(hour=1), "36", unit="ug/m3", id="nd-2")),
    ]
    body = b"\r\n".join(lines) + b"\r\n"
    resp = post(
        pipeline.api_url,
        api_key,
        content=body,
        headers={"content-type": "application/x-ndjson"},
    )
    assert resp.status_code == 202, resp.text
    assert resp.json()["accepted"] == 2
    wait_for(lambda: count_rows(settings.dsn, "fmt-nd") == 2, 60, "2 rows")
    stored = rows(settings.dsn, "fmt-nd")
    assert [r[2] for r in stored] == pytest.approx([35.0, 36.0])  # mg/m³ → µg/m³
    assert [(r[3], r[4]) for r in stored] == [(0.035, "mg/m³"), (36.0, "ug/m3")]
    assert [r[7] for r in stored] == ["nd-1", "nd-2"]


CSV = (
    "\ufeffindicator,ts,value,unit,source,region,id,label.source\n"
    "port.container_teu,2026-10-31T23:59:59+08:00,2.5,万标准箱,fmt-csv,,teu-10,\n"
    'power.generation,2026-10-31T23:59:59+08:00,"1,200",万千瓦时,fmt-csv,"huangdao",gen-10,wind\n'
    "\n"
    "port.cargo_tonnes,2026-10-31T23:59:59+08:00,0.6亿,吨,fmt-csv,,cargo-10,\n"
)


def test_csv_with_bom_quotes_labels_and_chinese_units(
    pipeline: Running, settings: Settings, api_key: str
) -> None:
    resp = post(
        pipeline.api_url,
        api_key,
        content=CSV.encode(),
        headers={"content-type": "text/csv; charset=utf-8"},
    )
    assert resp.status_code == 202, resp.text
    assert resp.json() == {"accepted": 3, "rejected": 0, "errors": []}
    wait_for(lambda: count_rows(settings.dsn, "fmt-csv") == 3, 60, "3 rows")
    stored = {r[0]: r for r in rows(settings.dsn, "fmt-csv")}
    assert stored["port.container_teu"][2] == 25_000.0  # 2.5 万标准箱
    assert stored["power.generation"][2] == 12_000_000.0  # 1,200 万千瓦时 in kWh
    assert stored["power.generation"][5] == "huangdao"
    assert stored["power.generation"][6] == {"source": "wind"}
    assert stored["port.cargo_tonnes"][2] == 60_000_000.0  # 0.6亿 吨 in t


def test_retried_batches_store_nothing_twice(
    pipeline: Running, settings: Settings, api_key: str
) -> None:
    with_ids = [
        reading("fmt-retry", ts, 40 + i, id=f"r-{i}") for i, ts in enumerate(hours(day(3), 6))
    ]
    without_ids = [reading("fmt-retry", ts, 50 + i) for i, ts in enumerate(hours(day(4), 6))]
    for batch in (with_ids, without_ids):
        assert post(pipeline.api_url, api_key, batch).status_code == 202
    wait_for(lambda: count_rows(settings.dsn, "fmt-retry") == 12, 60, "12 rows")
    before = rows(settings.dsn, "fmt-retry")
    # The client did not see the answers and sends both again, once as NDJSON; a batch
    # repeating a reading within itself is also harmless.
    assert post(pipeline.api_url, api_key, with_ids + with_ids[:2]).status_code == 202
    ndjson = b"\n".join(orjson.dumps(r) for r in without_ids)
    resp = post(
        pipeline.api_url, api_key, content=ndjson, headers={"content-type": "application/x-ndjson"}
    )
    assert resp.status_code == 202
    assert post(pipeline.api_url, api_key, [reading("fmt-retry-done", day(5))]).status_code == 202
    wait_for(lambda: count_rows(settings.dsn, "fmt-retry-done") == 1, 60, "the sentinel")
    assert rows(settings.dsn, "fmt-retry") == before


def test_openapi_documents_formats_answers_and_keys(pipeline: Running) -> None:
    doc = httpx.get(pipeline.api_url + "/openapi.json").json()
    op = doc["paths"]["/v1/readings"]["post"]
    assert set(op["requestBody"]["content"]) == {
        "application/json",
        "application/x-ndjson",
        "text/csv",
    }
    assert {"202", "400", "401", "403", "413", "415", "422", "429", "503"} <= set(op["responses"])
    assert op["security"] == [{"bearer": []}, {"apiKey": []}]
    assert doc["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    batch = doc["components"]["schemas"]["ReadingBatch"]
    assert batch["properties"]["readings"]["items"] == {"$ref": "#/components/schemas/Reading"}
    assert httpx.get(pipeline.api_url + "/docs").status_code == 200

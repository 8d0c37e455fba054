"""The Quix Streams peer reads the API's messages in either layout, a row per reading."""

from __future__ import annotations

from datetime import UTC, datetime

import orjson

from services.bench.references.quix_peer import rows_of
from services.indicators.catalogue import load_catalogue
from services.indicators.columns import ReadingColumns
from services.indicators.readings import Reading, validate_record
from services.ingest.codec import encode_batch, encode_columns

AT = datetime(2026, 1, 1, tzinfo=UTC)


def test_both_layouts_give_the_same_rows() -> None:
    catalogue = load_catalogue()
    readings = []
    for i in range(3):
        raw = {"indicator": "air.pm25", "source": f"s-{i}", "ts": "2025-01-01T00:00:00Z",
               "value": 10 + i, "unit": "µg/m³"}  # fmt: skip
        got = validate_record(raw, i, catalogue, AT)
        assert isinstance(got, Reading)
        readings.append(got)
    v1 = rows_of(orjson.loads(encode_batch(readings, AT)))
    v2 = rows_of(orjson.loads(encode_columns(ReadingColumns.of((r, AT) for r in readings), AT)))
    assert v1 == v2
    assert v2[2] == {"indicator": "air.pm25", "source": "s-2", "ts": "2025-01-01T00:00:00+00:00",
                     "value": 12.0, "unit": "µg/m³"}  # fmt: skip

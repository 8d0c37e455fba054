"""The wire format of the ``readings`` topic.

ontrack's own ingest writes batches of readings it has already validated and normalised:

    {"v": 1, "received_at": "...", "readings": [{"indicator", "source", "ts", "value", "unit",
     "region", "labels", "id", "raw_value", "raw_unit"}, ...]}

with the header ``ontrack-format: batch.v1``. Anything else on the topic (a Kafka-native
producer's single reading or ``{"readings": [...]}``) is validated by the stream like any
HTTP body, and what fails goes to ``readings.dlq`` with the reason.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

import orjson

from services.indicators.readings import Reading

__all__ = ["FORMAT_HEADER", "TRUSTED_FORMAT", "decode_trusted", "encode_batch"]

FORMAT_HEADER = "ontrack-format"
TRUSTED_FORMAT = b"batch.v1"


def _reading_dict(r: Reading) -> dict[str, object]:
    return {
        "indicator": r.indicator,
        "source": r.source,
        "ts": r.ts.isoformat(),
        "value": r.value,
        "unit": r.unit,
        "region": r.region,
        "labels": dict(r.labels) if r.labels else None,
        "id": r.id,
        "raw_value": r.raw_value,
        "raw_unit": r.raw_unit,
    }


def encode_batch(readings: Iterable[Reading], received_at: datetime) -> bytes:
    return orjson.dumps(
        {
            "v": 1,
            "received_at": received_at.isoformat(),
            "readings": [_reading_dict(r) for r in readings],
        }
    )


def decode_trusted(payload: bytes) -> tuple[datetime, Sequence[Reading]]:
    """Decode a batch written by ontrack's ingest (validated upstream)."""
    doc = orjson.loads(payload)
    received_at = datetime.fromisoformat(doc["received_at"])
    readings = [
        Reading(
            indicator=d["indicator"],
            source=d["source"],
            ts=datetime.fromisoformat(d["ts"]),
            value=float(d["value"]),
            unit=d["unit"],
            region=d.get("region"),
            labels=d.get("labels") or {},
            id=d.get("id"),
            raw_value=float(d["raw_value"]),
            raw_unit=d["raw_unit"],
        )
        for d in doc["readings"]
    ]
    return received_at, readings

"""The wire format of the ``readings`` topic.

ontrack's own ingest writes batches of readings it has already validated and normalised:

    {"v": 1, "received_at": "...", "readings": [{"indicator", "source", "ts", "value", "unit",
     "region", "labels", "id", "raw_value", "raw_unit"}, ...]}

with the header ``ontrack-format: batch.v1``, signed (``services.ingest.signing``): the stream
takes such a batch as it is only when its signature verifies, and dead-letters it otherwise.
Anything else on the topic (a Kafka-native producer's single reading or
``{"readings": [...]}``, without that header) is validated by the stream like any HTTP body,
and what fails goes to ``readings.dlq`` with the reason.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from sys import intern
from types import MappingProxyType

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
    """Decode a batch written by ontrack's ingest (validated upstream).

    What repeats from reading to reading is shared rather than copied: indicator, unit
    and region names (interned), the instants (one datetime per distinct ``ts`` of the
    message), a raw value equal to the value, and empty labels.
    """
    doc = orjson.loads(payload)
    received_at = datetime.fromisoformat(doc["received_at"])
    instants: dict[str, datetime] = {}
    readings = []
    for d in doc["readings"]:
        ts = d["ts"]
        at = instants.get(ts)
        if at is None:
            at = instants[ts] = datetime.fromisoformat(ts)
        value = float(d["value"])
        raw = float(d["raw_value"])
        region = d.get("region")
        readings.append(
            Reading(
                indicator=intern(d["indicator"]),
                source=d["source"],
                ts=at,
                value=value,
                unit=intern(d["unit"]),
                region=intern(region) if region is not None else None,
                labels=d.get("labels") or _NO_LABELS,
                id=d.get("id"),
                raw_value=value if _same(raw, value) else raw,
                raw_unit=intern(d["raw_unit"]),
            )
        )
    return received_at, readings


_NO_LABELS: Mapping[str, str] = MappingProxyType({})


def _same(a: float, b: float) -> bool:
    """The same float, sign of zero included."""
    return a == b and (a != 0.0 or math.copysign(1.0, a) == math.copysign(1.0, b))

"""The wire format of the ``readings`` topic.

ontrack's own ingest writes batches of readings it has already validated and normalised, as
columns (``ontrack-format: batch.v2``)::

    {"v": 2, "received_at": "...", "indicator": [...], "source": [...], "ts": [...],
     "value": [...], "raw_unit": [...], "raw_value": [...], "region": [...], "labels": [...],
     "id": [...]}

one list per field, an entry per reading; the last four are left out when no reading of the
batch has one, and ``raw_value`` is null where it equals ``value``. The stream decodes such a
message straight into columns (``decode_columns``): no object per reading. Batches of the
earlier layout, a JSON object per reading (``ontrack-format: batch.v1``)::

    {"v": 1, "received_at": "...", "readings": [{"indicator", "source", "ts", "value", "unit",
     "region", "labels", "id", "raw_value", "raw_unit"}, ...]}

are still read, so that a worker drains what an API of the previous version wrote. Either is
signed (``services.ingest.signing``): the stream takes a batch as it is only when its
signature verifies, and dead-letters it otherwise. Anything else on the topic (a
Kafka-native producer's single reading or ``{"readings": [...]}``, without that header) is
validated by the stream like any HTTP body, and what fails goes to ``readings.dlq`` with the
reason.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from sys import intern
from types import MappingProxyType
from typing import Any

import orjson

from services.indicators.columns import ReadingColumns
from services.indicators.readings import Reading

__all__ = [
    "COLUMNS_FORMAT",
    "FORMAT_HEADER",
    "TRUSTED_FORMAT",
    "TRUSTED_FORMATS",
    "decode_columns",
    "decode_trusted",
    "encode_batch",
    "encode_columns",
]

FORMAT_HEADER = "ontrack-format"
TRUSTED_FORMAT = b"batch.v1"  # a JSON object per reading (written by earlier versions)
COLUMNS_FORMAT = b"batch.v2"  # a list per field (what the API writes)
TRUSTED_FORMATS = (COLUMNS_FORMAT, TRUSTED_FORMAT)
_OPTIONAL = ("raw_value", "region", "labels", "id")


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
    """A ``batch.v1`` message: a JSON object per reading."""
    return orjson.dumps(
        {
            "v": 1,
            "received_at": received_at.isoformat(),
            "readings": [_reading_dict(r) for r in readings],
        }
    )


def encode_columns(readings: ReadingColumns, received_at: datetime) -> bytes:
    """A ``batch.v2`` message: the readings as columns."""
    instants: dict[datetime, str] = {}
    for at in set(readings.ts):
        instants[at] = at.isoformat()
    doc: dict[str, Any] = {
        "v": 2,
        "received_at": received_at.isoformat(),
        "indicator": readings.indicator,
        "source": readings.source,
        "ts": [instants[at] for at in readings.ts],
        "value": readings.value,
        "raw_unit": readings.raw_unit,
    }
    optional: dict[str, list[Any]] = {
        "raw_value": readings.raw_value,
        "region": readings.region,
        "labels": readings.labels,
        "id": readings.reading_id,
    }
    for name, column in optional.items():
        if any(x is not None for x in column):
            doc[name] = [_plain(x) for x in column] if name == "labels" else column
    return orjson.dumps(doc)


def decode_columns(payload: bytes) -> ReadingColumns:
    """A trusted batch (either layout) as columns; ValueError, KeyError or TypeError when the
    payload is not such a batch.

    Names are interned and every distinct instant is parsed once, so a column holds shared
    objects."""
    doc = orjson.loads(payload)
    if not isinstance(doc, dict):
        raise TypeError(f"a batch is a JSON object, not {type(doc).__name__}")
    received_at = datetime.fromisoformat(doc["received_at"])
    if doc.get("v") == 1:
        return ReadingColumns.of((r, received_at) for r in _readings_v1(doc))
    if doc.get("v") != 2:
        raise ValueError(f"batch version {doc.get('v')!r} is not one this worker reads")
    n = len(doc["indicator"])
    texts: list[str] = doc["ts"]
    instants = {t: _instant(t) for t in set(texts)}
    out = ReadingColumns(
        indicator=list(map(intern, doc["indicator"])),
        source=doc["source"],
        ts=[instants[t] for t in texts],
        value=list(map(float, doc["value"])),
        region=doc.get("region") or [None] * n,
        labels=doc.get("labels") or [None] * n,
        reading_id=doc.get("id") or [None] * n,
        raw_value=[None if v is None else float(v) for v in doc["raw_value"]]
        if "raw_value" in doc
        else [None] * n,
        raw_unit=list(map(intern, doc["raw_unit"])),
        received_at=[received_at] * n,
    )
    out.check()
    return out


def _plain(labels: Mapping[str, str] | None) -> dict[str, str] | None:
    return None if labels is None else dict(labels)


def _instant(text: str) -> datetime:
    at = datetime.fromisoformat(text)
    if at.tzinfo is None:
        raise ValueError(f"ts {text!r} has no UTC offset")
    return at


def decode_trusted(payload: bytes) -> tuple[datetime, Sequence[Reading]]:
    """Decode a ``batch.v1`` message written by ontrack's ingest (validated upstream) as
    readings.

    What repeats from reading to reading is shared rather than copied: indicator, unit
    and region names (interned), the instants (one datetime per distinct ``ts`` of the
    message), a raw value equal to the value, and empty labels.
    """
    doc = orjson.loads(payload)
    return datetime.fromisoformat(doc["received_at"]), _readings_v1(doc)


def _readings_v1(doc: Mapping[str, Any]) -> list[Reading]:
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
    return readings


_NO_LABELS: Mapping[str, str] = MappingProxyType({})


def _same(a: float, b: float) -> bool:
    """The same float, sign of zero included."""
    return a == b and (a != 0.0 or math.copysign(1.0, a) == math.copysign(1.0, b))

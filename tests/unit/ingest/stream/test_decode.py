"""Decoding a Kafka-native message: what cannot be stored is dead-lettered, never raised."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import orjson
import pytest

from services.indicators.catalogue import load_catalogue
from services.ingest.stream.handler import decode_event

CATALOGUE = load_catalogue()
NOW = datetime(2026, 11, 21, tzinfo=UTC)
GOOD = {"indicator": "air.pm25", "ts": "2026-11-20T08:00:00Z", "value": 3, "unit": "µg/m³",
        "source": "qd-1"}  # fmt: skip
DEEP = b'{"a":' * 300 + b"1" + b"}" * 300  # past orjson's limit of 254 levels to encode


@dataclass
class Message:
    value: bytes
    topic: str = "readings"
    partition: int = 2
    offset: int = 7
    headers: tuple[tuple[str, bytes], ...] = ()


@pytest.mark.parametrize(
    ("payload", "stored", "dead", "reason", "dead_payload"),
    [
        (orjson.dumps(GOOD), 1, 0, None, None),
        (b"{oops", 0, 1, "not JSON", b"{oops"),
        (b"[" + orjson.dumps(GOOD) + b", 5]", 1, 1, "record 1: record: a reading must be", b"5"),
        (b'[{"value": ' + DEEP + b"}]", 0, 1, "nested more than 32 levels", "message"),
        (DEEP, 0, 1, "nested more than 32 levels", "message"),
        (b"[]", 0, 0, None, None),
    ],
)
def test_decode_event(
    payload: bytes, stored: int, dead: int, reason: str | None, dead_payload: object
) -> None:
    got = decode_event(Message(payload), CATALOGUE, NOW)
    assert (len(got.readings), len(got.dead)) == (stored, dead)
    if dead:
        letter = got.dead[0]
        assert (letter.topic, letter.partition, letter.offset) == ("readings", 2, 7)
        assert reason is not None and reason in letter.reason
        assert letter.payload == (payload if dead_payload == "message" else dead_payload)

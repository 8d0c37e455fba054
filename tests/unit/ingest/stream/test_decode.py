"""Decoding a message of the readings topic: what cannot be stored is dead-lettered, never
raised; a batch is taken as it is only when its signature verifies."""

from __future__ import annotations

import base64
from dataclasses import dataclass, replace
from datetime import UTC, datetime

import orjson
import pytest

from services.indicators.catalogue import load_catalogue
from services.indicators.columns import ReadingColumns
from services.indicators.readings import Reading
from services.ingest.checks import check_record
from services.ingest.codec import COLUMNS_FORMAT, TRUSTED_FORMAT, encode_batch, encode_columns
from services.ingest.signing import parse_batch_keys, sign_batch
from services.ingest.stream.handler import decode_event

CATALOGUE = load_catalogue()
NOW = datetime(2026, 11, 21, tzinfo=UTC)
GOOD = {"indicator": "air.pm25", "ts": "2026-11-20T08:00:00Z", "value": 3, "unit": "µg/m³",
        "source": "qd-1"}  # fmt: skip
KEYS = parse_batch_keys(f"k1:{base64.b64encode(b'k' * 32).decode()}")
OTHER = parse_batch_keys(f"k1:{base64.b64encode(b'o' * 32).decode()}")
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
    got = decode_event(Message(payload), CATALOGUE, NOW, KEYS)
    assert (len(got.readings), len(got.dead)) == (stored, dead)
    if dead:
        letter = got.dead[0]
        assert (letter.topic, letter.partition, letter.offset) == ("readings", 2, 7)
        assert reason is not None and reason in letter.reason
        assert letter.payload == (payload if dead_payload == "message" else dead_payload)


def _batch(value: float) -> bytes:
    reading = check_record(GOOD, 0, CATALOGUE, NOW)
    assert isinstance(reading, Reading)
    return encode_batch([replace(reading, value=value)], NOW)


def _columns(*values: float) -> bytes:
    reading = check_record(GOOD, 0, CATALOGUE, NOW)
    assert isinstance(reading, Reading)
    return encode_columns(ReadingColumns.of((replace(reading, value=v), NOW) for v in values), NOW)


BATCH = _batch(3.0)
SIGNED = tuple(sign_batch(KEYS, TRUSTED_FORMAT, BATCH))
FORMAT_ONLY = (("ontrack-format", TRUSTED_FORMAT),)
COLUMNS = _columns(3.0, 4.0)
SIGNED_COLUMNS = tuple(sign_batch(KEYS, COLUMNS_FORMAT, COLUMNS))


@pytest.mark.parametrize(
    ("payload", "headers", "stored", "reason"),
    [
        (BATCH, SIGNED, 1, None),
        (BATCH, FORMAT_ONLY, 0, "batch without signature"),
        (BATCH, tuple(sign_batch(OTHER, TRUSTED_FORMAT, BATCH)), 0, "batch signature does not match"),
        (_batch(-5e9), SIGNED, 0, "batch signature does not match"),  # one value changed
        (BATCH, (SIGNED[0], ("ontrack-batch-key", b"k9"), SIGNED[2]), 0, "unknown key k9"),
        # a reading a provider could send, claiming to be a batch: not validated and stored either
        (orjson.dumps(GOOD), FORMAT_ONLY, 0, "batch without signature"),
        (orjson.dumps(GOOD), (("ontrack-format", b"batch.v3"),), 0, "is not a format this worker reads"),
        # the columns the API writes, and a batch of one layout signed as the other
        (COLUMNS, SIGNED_COLUMNS, 2, None),
        (COLUMNS, FORMAT_ONLY[:0] + (("ontrack-format", COLUMNS_FORMAT),), 0, "batch without signature"),
        (_columns(3.0, 5.0), SIGNED_COLUMNS, 0, "batch signature does not match"),
        (COLUMNS, tuple(sign_batch(KEYS, TRUSTED_FORMAT, COLUMNS)), 2, None),
        (b'{"v": 2, "received_at": "2026-11-21T00:00:00+00:00", "indicator": ["air.pm25"], "source": [], "ts": [], "value": [], "raw_unit": []}',
         tuple(sign_batch(KEYS, COLUMNS_FORMAT, b'{"v": 2, "received_at": "2026-11-21T00:00:00+00:00", "indicator": ["air.pm25"], "source": [], "ts": [], "value": [], "raw_unit": []}')),
         0, "on a signed payload that is not"),
        # signed, but not a batch: said so, not raised
        (b"[]", tuple(sign_batch(KEYS, TRUSTED_FORMAT, b"[]")), 0, "on a signed payload that is not"),
        # a provider's message carrying our key headers but no format: validated as any other
        (orjson.dumps(GOOD), SIGNED[1:], 1, None),
    ],
)  # fmt: skip
def test_decode_batch(
    payload: bytes, headers: tuple[tuple[str, bytes], ...], stored: int, reason: str | None
) -> None:
    got = decode_event(Message(payload, headers=headers), CATALOGUE, NOW, KEYS)
    assert len(got.readings) == stored
    if reason is None:
        assert got.dead == []
    else:
        (letter,) = got.dead
        assert reason in letter.reason and letter.payload == payload
        assert (letter.topic, letter.partition, letter.offset) == ("readings", 2, 7)


@pytest.mark.parametrize(("payload", "headers"), [(BATCH, SIGNED), (COLUMNS, SIGNED_COLUMNS)])
def test_a_verified_batch_is_taken_as_it_was_sent(
    payload: bytes, headers: tuple[tuple[str, bytes], ...]
) -> None:
    got = decode_event(Message(payload, headers=headers), CATALOGUE, NOW, KEYS)
    c = got.readings
    assert (c.indicator[0], c.source[0], c.value[0]) == ("air.pm25", "qd-1", 3.0)
    assert c.ts[0] == datetime(2026, 11, 20, 8, tzinfo=UTC)
    assert set(c.received_at) == {NOW} and c.raw_value[0] is None and c.labels[0] is None

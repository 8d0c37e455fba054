"""Signing and verifying the API's batches: one table row per case, the reason or None out."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest

from services.ingest.errors import BatchKeyError
from services.ingest.signing import (
    KEY_HEADER,
    MAC_HEADER,
    BatchKeys,
    batch_mac,
    parse_batch_keys,
    sign_batch,
    verify_batch,
)

S1, S2, S3 = (bytes([n]) * 32 for n in (1, 2, 3))
B64 = {n: base64.b64encode(s).decode() for n, s in ((1, S1), (2, S2), (3, S3))}
FMT = b"batch.v1"
PAYLOAD = b'{"v": 1, "received_at": "2026-11-21T00:00:00+00:00", "readings": [{"value": 31.0}]}'

ROTATING = parse_batch_keys(f"k2:{B64[2]},k1:{B64[1]}")  # k2 signs, k1 still verifies
ONLY_K2 = parse_batch_keys(f"k2:{B64[2]}")  # k1 rotated out
K1 = parse_batch_keys(f"k1:{B64[1]}")
K1_OTHER_SECRET = parse_batch_keys(f"k1:{B64[3]}")


def test_the_mac_covers_the_format_a_newline_and_the_exact_payload() -> None:
    want = hmac.new(S1, FMT + b"\n" + PAYLOAD, hashlib.sha256).hexdigest().encode()
    assert batch_mac(S1, FMT, PAYLOAD) == want


def test_the_first_key_signs_and_its_id_travels_with_the_mac() -> None:
    headers = dict(sign_batch(ROTATING, FMT, PAYLOAD))
    assert headers == {
        "ontrack-format": FMT,
        KEY_HEADER: b"k2",
        MAC_HEADER: batch_mac(S2, FMT, PAYLOAD),
    }


def _signed(keys: BatchKeys) -> tuple[bytes, bytes]:
    h = dict(sign_batch(keys, FMT, PAYLOAD))
    return h[KEY_HEADER], h[MAC_HEADER]


K2_ID, K2_MAC = _signed(ROTATING)
K1_ID, K1_MAC = _signed(K1)
TAMPERED = PAYLOAD.replace(b"31.0", b"-5000000000.0")


@pytest.mark.parametrize(
    ("worker", "fmt", "payload", "key_id", "mac", "reason"),
    [
        (ROTATING, FMT, PAYLOAD, K2_ID, K2_MAC, None),
        (ROTATING, FMT, PAYLOAD, K1_ID, K1_MAC, None),  # the old key verifies while rotating
        (ONLY_K2, FMT, PAYLOAD, K2_ID, K2_MAC, None),
        (ROTATING, FMT, PAYLOAD, None, None, "batch without signature"),
        (ROTATING, FMT, PAYLOAD, K2_ID, None, f"but no {MAC_HEADER};"),
        (ROTATING, FMT, PAYLOAD, None, K2_MAC, f"but no {KEY_HEADER};"),
        (ROTATING, FMT, PAYLOAD, b"k9", K2_MAC, "batch signed with unknown key k9 (this worker holds k2, k1)"),
        (ONLY_K2, FMT, PAYLOAD, K1_ID, K1_MAC, "batch signed with unknown key k1 (this worker holds k2)"),
        (ROTATING, FMT, PAYLOAD, K2_ID, b"0" * 64, "batch signature does not match (key k2)"),
        (ROTATING, FMT, PAYLOAD, K2_ID, b"", "batch signature does not match"),
        (ROTATING, FMT, PAYLOAD, K2_ID, K2_MAC.upper(), "batch signature does not match"),
        (ROTATING, FMT, TAMPERED, K2_ID, K2_MAC, "batch signature does not match"),
        (ROTATING, FMT, PAYLOAD + b" ", K2_ID, K2_MAC, "batch signature does not match"),
        (ROTATING, b"batch.v2", PAYLOAD, K2_ID, K2_MAC, "batch signature does not match"),
        (ROTATING, FMT, PAYLOAD, K2_ID, K1_MAC, "batch signature does not match"),  # k1's MAC
        (K1_OTHER_SECRET, FMT, PAYLOAD, K1_ID, K1_MAC, "the APIs and the workers hold different"),
    ],
)  # fmt: skip
def test_verify_batch(
    worker: BatchKeys,
    fmt: bytes,
    payload: bytes,
    key_id: bytes | None,
    mac: bytes | None,
    reason: str | None,
) -> None:
    got = verify_batch(worker, fmt, payload, key_id, mac)
    if reason is None:
        assert got is None
    else:
        assert got is not None and reason in got
        assert "nothing of it was stored" in got


def test_a_long_key_id_is_cut_short_in_the_reason() -> None:
    got = verify_batch(ROTATING, FMT, PAYLOAD, b"x" * 10_000, K2_MAC)
    assert got is not None and len(got) < 500 and "x" * 40 + "…" in got


@pytest.mark.parametrize(
    ("text", "signer", "ids"),
    [
        (f"k1:{B64[1]}", "k1", ("k1",)),
        (f"k2:{B64[2]},k1:{B64[1]}", "k2", ("k2", "k1")),
        (f"  k2 : {B64[2]} ,\n k1:{B64[1]}\n", "k2", ("k2", "k1")),  # spaces, a newline at the end
        (f"stack:{B64[3]},", "stack", ("stack",)),
        (f"2026-12.a_b:{B64[1]}", "2026-12.a_b", ("2026-12.a_b",)),
    ],
)
def test_parse_batch_keys(text: str, signer: str, ids: tuple[str, ...]) -> None:
    keys = parse_batch_keys(text)
    assert (keys.signer, keys.ids) == (signer, ids)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "ONTRACK_BATCH_KEYS is empty: give at least one key"),
        (" , ", "ONTRACK_BATCH_KEYS is empty"),
        (B64[1], "entry 1 has no ':'; write each key as <id>:<base64 secret>"),
        (f"k1:{B64[1]},{B64[2]}", "entry 2 has no ':'"),
        (f"k 1:{B64[1]}", "key id 'k 1' must be 1-32 letters"),
        (f":{B64[1]}", "key id '' must be"),
        (f"{'k' * 33}:{B64[1]}", "must be 1-32 letters"),
        (f"k1:{B64[1]},k1:{B64[2]}", "key id k1 is given twice"),
        ("k1:CHANGE-ME", "the secret of key k1 is not base64; e.g. k1:$(openssl rand -base64 32)"),
        (f"k1:{base64.b64encode(b'short').decode()}", "the secret of key k1 is 5 bytes, fewer than 32"),
    ],
)  # fmt: skip
def test_parse_batch_keys_refuses_with_the_fix(text: str, message: str) -> None:
    with pytest.raises(BatchKeyError) as err:
        parse_batch_keys(text)
    assert message in str(err.value)
    assert "\n" not in str(err.value)


def test_secrets_are_not_in_the_repr() -> None:
    assert B64[2] not in repr(ROTATING) and repr(S2) not in repr(ROTATING)
    assert "k2" in repr(ROTATING)

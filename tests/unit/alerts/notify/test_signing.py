from __future__ import annotations

import pytest

from services.alerts.notify.errors import SignatureError
from services.alerts.notify.receivers.webhook import sign, verify

BODY = b'{"version":1,"notifications":[{"dedup_key":"abc"}]}'
TS = 1_772_438_400
NEW, OLD = "whsec_new_2026", "whsec_old_2025"


def test_known_vector() -> None:
    """HMAC-SHA256 over "<t>." + body, hex: a receiver in any language can check this."""
    import hashlib
    import hmac

    expected = hmac.new(NEW.encode(), f"{TS}.".encode() + BODY, hashlib.sha256).hexdigest()
    assert sign(BODY, [NEW], TS) == f"t={TS},v1={expected}"


def test_one_v1_per_secret_in_order() -> None:
    header = sign(BODY, [NEW, OLD], TS)
    parts = header.split(",")
    assert parts[0] == f"t={TS}" and [p[:3] for p in parts[1:]] == ["v1=", "v1="]
    assert parts[1] != parts[2]
    assert sign(BODY, [NEW], TS).split(",")[1] == parts[1]


@pytest.mark.parametrize(
    ("signed_with", "receiver_knows", "ok"),
    [
        ([NEW], [NEW], True),
        ([NEW, OLD], [OLD], True),  # rotation: a receiver still on the old secret verifies
        ([NEW, OLD], [NEW], True),  # ... and one already on the new one
        ([NEW], [OLD, NEW], True),  # receiver accepting both during its own rotation
        ([OLD], [NEW], False),  # sender dropped the new one too early
        (["other"], [NEW, OLD], False),
    ],
)
def test_rotation(signed_with: list[str], receiver_knows: list[str], ok: bool) -> None:
    header = sign(BODY, signed_with, TS)
    if ok:
        assert verify(BODY, header, receiver_knows, now=TS, tolerance=300) == TS
    else:
        with pytest.raises(SignatureError) as caught:
            verify(BODY, header, receiver_knows, now=TS, tolerance=300)
        assert caught.value.reason == "mismatch"


@pytest.mark.parametrize(
    ("now", "ok"),
    [
        (TS, True),
        (TS + 300, True),
        (TS - 300, True),
        (TS + 301, False),
        (TS - 301, False),
        (TS + 86_400, False),
    ],
)
def test_tolerance_window(now: int, ok: bool) -> None:
    header = sign(BODY, [NEW], TS)
    if ok:
        verify(BODY, header, [NEW], now=now, tolerance=300)
    else:
        with pytest.raises(SignatureError) as caught:
            verify(BODY, header, [NEW], now=now, tolerance=300)
        assert caught.value.reason == "expired"


@pytest.mark.parametrize(
    "body",
    [
        BODY.replace(b"abc", b"abd"),  # one character changed
        BODY + b" ",  # a byte added
        BODY[:-1],  # a byte removed
        b"",
    ],
)
def test_tampered_body(body: bytes) -> None:
    header = sign(BODY, [NEW, OLD], TS)
    with pytest.raises(SignatureError) as caught:
        verify(body, header, [NEW, OLD], now=TS, tolerance=300)
    assert caught.value.reason == "mismatch"


def test_replayed_timestamp_changed() -> None:
    """Moving t to look fresh breaks the signature: t is signed too."""
    header = sign(BODY, [NEW], TS)
    forged = header.replace(f"t={TS}", f"t={TS + 3600}")
    with pytest.raises(SignatureError) as caught:
        verify(BODY, forged, [NEW], now=TS + 3600, tolerance=300)
    assert caught.value.reason == "mismatch"


@pytest.mark.parametrize(
    ("header", "reason"),
    [
        (None, "missing"),
        ("", "missing"),
        ("v1=abcd", "malformed"),  # no timestamp
        (f"t={TS}", "malformed"),  # no signature
        (f"t={TS},v1=zz", "malformed"),  # not hex
        (f"t={TS};v1=ab", "malformed"),
        (f"t={TS},v0=" + "a" * 64, "malformed"),  # only an unknown scheme
    ],
)
def test_malformed_headers(header: str | None, reason: str) -> None:
    with pytest.raises(SignatureError) as caught:
        verify(BODY, header, [NEW], now=TS, tolerance=300)
    assert caught.value.reason == reason


def test_sign_needs_a_secret() -> None:
    with pytest.raises(ValueError):
        sign(BODY, [], TS)

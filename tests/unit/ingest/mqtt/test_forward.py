"""Batches of MQTT messages to API requests and back to per-message outcomes (API faked)."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from services.ingest.client import Answer, ClientError
from services.ingest.mqtt.forward import Forwarder
from services.ingest.mqtt.payload import Incoming


class FakeApi:
    """Refuses records whose ``bad`` is set (422 style), scope-refuses ``out``, 413 above ``max``."""

    def __init__(self, status: int | None = None, max_batch: int = 100) -> None:
        self.bodies: list[list[Any]] = []
        self.status = status
        self.max_batch = max_batch

    def post(self, body: bytes, content_type: str) -> Answer:
        assert content_type == "application/json"
        records = orjson.loads(body)
        self.bodies.append(records)
        if self.status is not None:
            return Answer(self.status, {"detail": "no"})
        if len(records) > self.max_batch:
            return Answer(413, {"detail": "batch too long"})
        out = [
            {"index": i, "field": "source", "code": "scope", "message": "outside"}
            for i, r in enumerate(records)
            if isinstance(r, dict) and r.get("out")
        ]
        if out:
            return Answer(403, {"errors": out, "detail": "scope"})
        bad = [
            {"index": i, "field": "value", "code": "range", "message": "too high"}
            for i, r in enumerate(records)
            if not isinstance(r, dict) or r.get("bad")
        ]
        ok = len(records) - len(bad)
        return Answer(202 if ok else 422, {"accepted": ok, "rejected": len(bad), "errors": bad})


def _msg(payload: Any, mid: int = 1) -> Incoming:
    raw = payload if isinstance(payload, bytes) else orjson.dumps(payload)
    return Incoming("t/x", raw, mid, 1)


def test_errors_go_back_to_their_message_and_index() -> None:
    api = FakeApi()
    outcomes = Forwarder(api.post).handle(
        [
            _msg({"v": 1}),
            _msg([{"v": 2}, {"bad": True}, {"v": 3}]),
            _msg(b"junk"),
            _msg(b'{"v": 4}\n{x\n{"bad": 1}\n'),
        ]
    )
    assert api.bodies == [[{"v": 1}, {"v": 2}, {"bad": True}, {"v": 3}, {"v": 4}, {"bad": 1}]]
    assert [(o.accepted, o.rejected) for o in outcomes] == [(1, 0), (2, 1), (0, 1), (1, 2)]
    assert outcomes[1].errors == [
        {"index": 1, "field": "value", "code": "range", "message": "too high"}
    ]
    assert [(e["index"], e.get("line"), e["code"]) for e in outcomes[3].errors] == [
        (1, 2, "json"),
        (2, 3, "range"),
    ]


def test_out_of_scope_records_are_reported_and_the_rest_sent_again() -> None:
    api = FakeApi()
    outcomes = Forwarder(api.post).handle([_msg([{"v": 1}, {"out": 1}]), _msg({"v": 2})])
    assert api.bodies == [[{"v": 1}, {"out": 1}, {"v": 2}], [{"v": 1}, {"v": 2}]]
    assert [(o.accepted, o.rejected) for o in outcomes] == [(1, 1), (1, 0)]
    assert outcomes[0].errors[0]["code"] == "scope"


def test_a_batch_too_long_is_split() -> None:
    api = FakeApi(max_batch=2)
    outcomes = Forwarder(api.post).handle([_msg([{"v": i} for i in range(5)])])
    assert sorted(len(b) for b in api.bodies) == [1, 2, 2, 3, 5]
    assert outcomes[0].accepted == 5


@pytest.mark.parametrize("status", [401, 403])
def test_a_refused_key_stops_the_bridge(status: int) -> None:
    with pytest.raises(ClientError, match="refused the bridge's key"):
        Forwarder(FakeApi(status).post).handle([_msg({"v": 1})])


def test_any_other_refusal_is_reported_on_every_record() -> None:
    outcomes = Forwarder(FakeApi(400).post).handle([_msg([{"v": 1}, {"v": 2}])])
    assert [e["code"] for e in outcomes[0].errors] == ["http_400", "http_400"]


def test_a_batch_of_nothing_readable_sends_nothing() -> None:
    api = FakeApi()
    outcomes = Forwarder(api.post).handle([_msg(b"junk"), _msg([])])
    assert api.bodies == [] and [o.rejected for o in outcomes] == [1, 0]

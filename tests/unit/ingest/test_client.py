"""The API client retries 429/503 and connection errors, and returns every other answer."""

from __future__ import annotations

import httpx
import pytest

from services.errors import Unreachable
from services.ingest.client import ClientError, IngestClient


def _client(
    answers: list[httpx.Response | Exception], **kw: object
) -> tuple[IngestClient, list[float], list[httpx.Request]]:
    slept: list[float] = []
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    client = IngestClient(
        "http://api.test/",
        "otk_k",
        transport=httpx.MockTransport(handler),
        sleep=slept.append,
        **kw,  # type: ignore[arg-type]
    )
    return client, slept, seen


def test_retries_honour_retry_after_and_back_off() -> None:
    client, slept, seen = _client(
        [
            httpx.Response(429, headers={"retry-after": "3"}, json={"title": "too many"}),
            httpx.ConnectError("refused"),
            httpx.Response(503, json={}),
            httpx.Response(202, json={"accepted": 1, "rejected": 0, "errors": []}),
        ]
    )
    answer = client.post(b"[]", "application/json")
    assert (answer.status, answer.body["accepted"], client.retries) == (202, 1, 3)
    assert 3 <= slept[0] <= 3.25 and 1 <= slept[1] <= 1.25 and 2 <= slept[2] <= 2.5
    assert seen[0].headers["authorization"] == "Bearer otk_k"
    assert seen[0].headers["content-type"] == "application/json"
    assert str(seen[0].url) == "http://api.test/v1/readings"


@pytest.mark.parametrize("status", [400, 401, 403, 413, 422])
def test_final_answers_are_returned_as_they_are(status: int) -> None:
    client, slept, _ = _client(
        [httpx.Response(status, json={"detail": "why", "errors": [{"index": 0}]})]
    )
    answer = client.post(b"x", "text/csv")
    assert (answer.status, answer.detail, answer.errors, slept) == (
        status,
        "why",
        [{"index": 0}],
        [],
    )


def test_a_body_that_is_not_json_still_gives_a_detail() -> None:
    client, _, _ = _client(
        [httpx.Response(502, text="bad gateway"), httpx.Response(404, text="nope")]
    )
    assert client.post(b"", "text/csv").detail == "nope"


def test_it_gives_up_and_stops() -> None:
    client, _, _ = _client([httpx.Response(503)] * 3, give_up_after=0.0)
    with pytest.raises(ClientError, match="gave up on http://api.test"):
        client.post(b"", "text/csv")
    stopped, _, _ = _client([], should_stop=lambda: True)
    with pytest.raises(ClientError, match="stopped"):
        stopped.post(b"", "text/csv")


def test_key_info() -> None:
    client, _, seen = _client(
        [
            httpx.Response(200, json={"provider": "port"}),
            httpx.Response(401, json={"detail": "revoked"}),
        ]
    )
    assert client.key_info() == {"provider": "port"}
    assert seen[0].url.path == "/v1/keys/self"
    with pytest.raises(ClientError, match=r"refused the key \(HTTP 401\): revoked"):
        client.key_info()


def test_an_api_that_refuses_is_unreachable_at_once_for_a_command() -> None:
    client, slept, seen = _client([httpx.ConnectError("[Errno 111] Connection refused")])
    with pytest.raises(Unreachable, match=r"cannot reach the ontrack API at http://api.test") as e:
        client.key_info(wait_for_api=False)
    assert "Connection refused" in str(e.value) and "ONTRACK_API_URL" in str(e.value)
    assert (len(seen), slept) == (1, [])


def test_an_api_that_a_daemon_waits_for_is_tried_again() -> None:
    client, slept, _ = _client(
        [httpx.ConnectError("refused"), httpx.Response(200, json={"provider": "port"})]
    )
    assert client.key_info(None) == {"provider": "port"} and len(slept) == 1


def test_giving_up_on_a_lost_connection_is_unreachable_and_on_503_is_not() -> None:
    lost, _, _ = _client([httpx.ConnectError("refused")] * 3, give_up_after=0.0)
    with pytest.raises(Unreachable, match="no answer for 0 s; last: connection"):
        lost.post(b"", "text/csv")
    busy, _, _ = _client([httpx.Response(503)] * 3, give_up_after=0.0)
    with pytest.raises(ClientError) as e:
        busy.post(b"", "text/csv")
    assert not isinstance(e.value, Unreachable)

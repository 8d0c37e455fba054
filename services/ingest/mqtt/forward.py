"""Forward a batch of MQTT messages to the HTTP API and say, per message, what became of it.

All records of the batch go in one request (a JSON array); the answer's errors are mapped
back to their message. Records outside the key's scope (403) are reported on their
message and the rest is sent again; a batch too large (413) is split in halves. A key the
API refuses (401, or 403 for its role) stops the bridge: nothing is acknowledged, so the
MQTT broker keeps the messages for a bridge with a good key.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson

from services.ingest.bodies import RawRecord
from services.ingest.client import Answer, ClientError
from services.ingest.mqtt.payload import Incoming, decode_payload

__all__ = ["Forwarder", "Outcome"]

Post = Callable[[bytes, str], Answer]


@dataclass(slots=True)
class Outcome:
    """What became of one message: readings accepted, and an error per problem."""

    message: Incoming
    accepted: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)

    @property
    def rejected(self) -> int:
        return len({e.get("index") for e in self.errors})


@dataclass(frozen=True, slots=True)
class _Slot:
    message: int  # position of the message in the batch
    record: RawRecord  # index and line within the message


def _error(record: RawRecord, field_: str | None, code: str, message: str) -> dict[str, Any]:
    entry: dict[str, Any] = {"index": record.index}
    if record.line is not None:
        entry["line"] = record.line
    entry.update(field=field_, code=code, message=message)
    return entry


class Forwarder:
    def __init__(self, post: Post) -> None:
        self._post = post

    def handle(self, messages: Sequence[Incoming]) -> list[Outcome]:
        outcomes = [Outcome(m) for m in messages]
        slots: list[_Slot] = []
        for i, message in enumerate(messages):
            for record in decode_payload(message.payload):
                if record.problem is not None:
                    outcomes[i].errors.append(_error(record, None, "json", record.problem))
                else:
                    slots.append(_Slot(i, record))
        self._send(slots, outcomes)
        for outcome in outcomes:
            outcome.errors.sort(key=lambda e: int(e["index"]))
        return outcomes

    def _send(self, slots: Sequence[_Slot], outcomes: list[Outcome]) -> None:
        if not slots:
            return
        body = orjson.dumps([s.record.value for s in slots])
        answer = self._post(body, "application/json")
        if answer.status in (202, 422):
            bad = self._attach(answer.errors, slots, outcomes)
            for k, slot in enumerate(slots):
                if k not in bad:
                    outcomes[slot.message].accepted += 1
        elif answer.status == 403 and answer.errors:
            bad = self._attach(answer.errors, slots, outcomes)
            self._send([s for k, s in enumerate(slots) if k not in bad], outcomes)
        elif answer.status == 413 and len(slots) > 1:
            half = len(slots) // 2
            self._send(slots[:half], outcomes)
            self._send(slots[half:], outcomes)
        elif answer.status in (401, 403):
            raise ClientError(f"the API refused the bridge's key: {answer.detail}")
        else:
            for slot in slots:
                outcomes[slot.message].errors.append(
                    _error(slot.record, None, f"http_{answer.status}", answer.detail)
                )

    @staticmethod
    def _attach(
        errors: Sequence[dict[str, Any]], slots: Sequence[_Slot], outcomes: list[Outcome]
    ) -> set[int]:
        """Put each error on its message (renumbered within it); the batch indexes in error."""
        bad: set[int] = set()
        for e in errors:
            k = e.get("index")
            if not isinstance(k, int) or not 0 <= k < len(slots):
                continue
            bad.add(k)
            slot = slots[k]
            outcomes[slot.message].errors.append(
                _error(
                    slot.record,
                    e.get("field"),
                    str(e.get("code", "invalid")),
                    str(e.get("message", "")),
                )
            )
        return bad

from __future__ import annotations

from dataclasses import replace

import pytest

from services.alerts.engine.lifecycle import AlertState, State, Transition
from services.alerts.notify.message import (
    AlertSnapshot,
    Kind,
    Message,
    Notification,
    dedup_key,
    from_transition,
    repeat_of,
)
from tests.unit.alerts.notify.builders import alert, at, firing, resolved

FP = "a1b2c3d4e5f60718"
P, F, R, IN = State.PENDING, State.FIRING, State.RESOLVED, State.INACTIVE


@pytest.mark.parametrize(
    ("from_state", "to_state", "kind"),
    [(P, F, Kind.FIRING), (F, R, Kind.RESOLVED), (IN, P, None), (P, IN, None), (R, P, None)],
)
def test_which_transitions_notify(from_state: State, to_state: State, kind: Kind | None) -> None:
    change = Transition(
        fingerprint=FP, from_state=from_state, to_state=to_state, at=at(5), value=1.0, reason="r"
    )
    got = from_transition(alert(FP), change)
    assert (got.kind if got else None) == kind


def test_dedup_key_is_stable_per_change_of_an_episode() -> None:
    a = alert(FP, fired=0)
    first = firing(a, 0)
    assert first.dedup_key == firing(a, 0).dedup_key  # the same change, enqueued again
    assert first.dedup_key == dedup_key(FP, "firing", at(0))
    assert resolved(a, 90).dedup_key != first.dedup_key  # another change
    assert resolved(a, 90).dedup_key == resolved(a, 95).dedup_key  # one resolve per episode
    next_episode = alert(FP, fired=200)
    assert firing(next_episode, 200).dedup_key != first.dedup_key
    assert firing(alert("0" * 16), 0).dedup_key != first.dedup_key
    assert len(first.dedup_key) == 64 and int(first.dedup_key, 16) >= 0


def test_repeats_are_numbered() -> None:
    a = alert(FP)
    one, two = repeat_of(a, 1, at(240), 17.0), repeat_of(a, 2, at(480), 17.0)
    assert one.kind is Kind.REPEAT and one.dedup_key != two.dedup_key
    assert one.dedup_key == repeat_of(a, 1, at(250), 16.0).dedup_key
    assert one.episode_at == at(0) and one.status == "firing"
    with pytest.raises(ValueError):
        repeat_of(replace(a, fired_at=None), 1, at(1), None)


def test_snapshot_of_state() -> None:
    state = AlertState(fingerprint=FP, rule_id="r", labels={"target": "t"}, state=F, since=at(0),
                       fired_at=at(0), acked_by="li")  # fmt: skip
    snap = AlertSnapshot.of(state, "page", annotations={"summary": "s"}, explanation={"x": 1})
    assert snap.routing_labels == {"target": "t", "alertname": "r", "severity": "page"}
    assert (snap.fired_at, snap.acked_by, snap.annotations["summary"]) == (at(0), "li", "s")


def test_payload_round_trip() -> None:
    n = firing(alert(FP))
    assert Notification.from_payload(n.payload()) == n


def test_transition_of_another_alert_is_refused() -> None:
    change = Transition(
        fingerprint="f" * 16, from_state=P, to_state=F, at=at(0), value=None, reason=""
    )
    with pytest.raises(ValueError):
        from_transition(alert(FP), change)


def test_message_id_and_order() -> None:
    a = alert(FP)
    fire, done = firing(a, 0), resolved(a, 90)
    m = Message.of("mail", "g", [done, fire])
    assert [n.kind for n in m.notifications] == [Kind.FIRING, Kind.RESOLVED]
    assert m.id == Message.of("mail", "g", [fire, done]).id
    assert m.id != Message.of("hook", "g", [fire, done]).id
    assert m.status == "firing"
    assert Message.of("mail", "g", [done]).status == "resolved"


def test_pairs_of_the_engines_records() -> None:
    """The engine passes its AlertRecords and transitions as they come out of an evaluation."""
    from services.alerts.engine.evaluate import AlertRecord
    from services.alerts.notify.delivery.enqueue import pairs_of

    state = AlertState(fingerprint=FP, rule_id="r", labels={"target": "t"}, state=F, since=at(0),
                       fired_at=at(0))  # fmt: skip
    record = AlertRecord(state, "off_trajectory", "page", "t", {"summary": "s"}, {"status": "x"})
    to_firing = Transition(
        fingerprint=FP, from_state=P, to_state=F, at=at(0), value=1.0, reason="r"
    )
    unknown = Transition(
        fingerprint="f" * 16, from_state=P, to_state=F, at=at(0), value=1.0, reason="r"
    )
    [(snap, change)] = pairs_of([record], [to_firing, unknown])
    assert change is to_firing
    assert (snap.severity, snap.fired_at, dict(snap.annotations)) == (
        "page",
        at(0),
        {"summary": "s"},
    )
    assert dict(snap.explanation) == {"status": "x"}

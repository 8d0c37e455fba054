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
from services.alerts.notify.render import explanation_items, html_body, subject, text
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


def test_subject() -> None:
    a, b = alert(FP), alert("b" * 16, severity="ticket")
    assert subject(Message.of("m", "g", [firing(a)])) == (
        "[FIRING page] air.pm25.2025 is 17.3 % behind its trajectory"
    )
    assert subject(Message.of("m", "g", [resolved(a, 9)])).startswith("[RESOLVED page] ")
    assert subject(Message.of("m", "g", [firing(a), firing(b)])) == (
        "[FIRING page] 2 alerts: off-trajectory-page"
    )
    digest = subject(Message.of("m", "g", [firing(a), resolved(b, 3)], digest=True))
    assert digest == "[DIGEST] 2 notifications held by the rate limit (1 firing, 1 resolved)"


def test_text_and_html_say_what_and_how_to_act() -> None:
    a = alert(FP)
    m = Message.of("mail", "g", [firing(a)])
    body = text(m, base_url="http://api:8080")
    for expected in (
        "air.pm25.2025 is 17.3 % behind its trajectory",
        "PM2.5 is 38.2 µg/m³ where 32.6 is expected.",
        "value: 17.3 — behind trajectory by 17.3 %",
        "firing since 2026-03-02 08:00 UTC",
        "gap.pct: -17.3",
        "days_left: 304",
        f'ontrack alert ack {FP} --note "…"',
        f"http://api:8080/v1/alerts/{FP}",
        firing(a).dedup_key,
    ):
        assert expected in body
    assert "contributors" not in body  # lists are left out
    html = html_body(m, {firing(a).dedup_key: "chart-1@ontrack"})
    assert "<img src='cid:chart-1@ontrack'" in html
    assert "µg/m³" in html and "&lt;" not in subject(m)


def test_html_escapes() -> None:
    a = replace(alert(FP), annotations={"summary": "<script>alert(1)</script>"})
    html = html_body(Message.of("m", "g", [firing(a)]))
    assert "<script>" not in html and "&lt;script&gt;" in html


@pytest.mark.parametrize(
    ("explanation", "items"),
    [
        ({"a": 1, "b": 2.123456, "c": "x"}, [("a", "1"), ("b", "2.123"), ("c", "x")]),
        ({"gap": {"pct": -17.25, "behind": True}}, [("gap.pct", "-17.25"), ("gap.behind", "true")]),
        ({"l": [1, 2], "n": None, "deep": {"x": {"y": 1}}}, []),
    ],
)
def test_explanation_items(explanation: dict[str, object], items: list[tuple[str, str]]) -> None:
    assert explanation_items(explanation) == items


def test_pairs_of_the_engines_records() -> None:
    """The engine passes its AlertRecords and transitions as they come out of an evaluation."""
    from services.alerts.engine.evaluate import AlertRecord
    from services.alerts.notify.enqueue import pairs_of

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


def test_times_in_the_citys_zone() -> None:
    from zoneinfo import ZoneInfo

    a = alert(FP)
    m = Message.of("mail", "g", [resolved(a, 90)])
    shanghai = ZoneInfo("Asia/Shanghai")
    assert "fired 2026-03-02 16:00 CST, resolved 2026-03-02 17:30 CST" in text(m, tz=shanghai)
    assert "fired 2026-03-02 16:00 CST" in html_body(m, tz=shanghai)

"""An alert keeps what it said when it fired: its annotations are those of the instant it
fired, until it fires again; the latest evaluation's words stand beside them."""

from __future__ import annotations

from datetime import datetime, timedelta
from types import MappingProxyType

from services.alerts.engine.evaluate import AlertRecord, _kept_words
from services.alerts.engine.lifecycle import AlertState, State, Transition
from services.indicators.city import CITY_TZ

T0 = datetime(2025, 7, 1, tzinfo=CITY_TZ)


def _record(state: State, summary: str, latest: str = "") -> AlertRecord:
    s = AlertState(fingerprint="f", rule_id="r", labels=MappingProxyType({}), state=state, since=T0)
    said = MappingProxyType({"summary": summary})
    return AlertRecord(
        s,
        "projected_miss",
        "ticket",
        "t",
        said,
        {},
        MappingProxyType({"summary": latest or summary}),
    )


def _moved(to: State) -> list[Transition]:
    return [
        Transition(
            fingerprint="f",
            from_state=State.PENDING,
            to_state=to,
            at=T0 + timedelta(days=7),
            value=0.1,
            reason="why",
        )
    ]


CASES = [
    # prior state and words, now state and words, transitions, kept words
    ("fires: the words of the firing", (State.PENDING, "p 45%"), (State.FIRING, "p 30%"),
     _moved(State.FIRING), "p 30%"),
    ("still firing: kept", (State.FIRING, "p 30%"), (State.FIRING, "p 10%"), [], "p 30%"),
    ("resolved: what it fired for, kept", (State.FIRING, "p 30%"), (State.RESOLVED, "p 100%"),
     [], "p 30%"),
    ("resolved and quiet: still kept", (State.RESOLVED, "p 30%"), (State.RESOLVED, "p 99%"),
     [], "p 30%"),
    ("fires again: the new firing's words", (State.RESOLVED, "p 30%"), (State.FIRING, "p 5%"),
     _moved(State.FIRING), "p 5%"),
    ("pending: what it says now", (State.INACTIVE, "p 48%"), (State.PENDING, "p 40%"), [], "p 40%"),
]  # fmt: skip


def test_the_words_of_the_firing_are_kept() -> None:
    for name, (was, said_then), (now, says_now), moved, kept in CASES:
        out = _kept_words(_record(now, says_now), _record(was, said_then), moved)
        assert out.annotations["summary"] == kept, name
        assert out.latest_annotations["summary"] == says_now, name


def test_a_first_firing_has_no_prior() -> None:
    out = _kept_words(_record(State.FIRING, "p 10%"), None, _moved(State.FIRING))
    assert out.annotations["summary"] == out.latest_annotations["summary"] == "p 10%"

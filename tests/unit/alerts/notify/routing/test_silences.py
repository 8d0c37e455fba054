from __future__ import annotations

from datetime import timedelta

import pytest

from services.alerts.notify.routing.matchers import parse_matcher
from services.alerts.notify.routing.silences import Silence, muting
from tests.unit.alerts.notify.builders import at

H = timedelta(hours=1)


def silence(
    start: float, end: float, *matchers: str, expired: float | None = None, id_: int = 1
) -> Silence:
    return Silence(
        id=id_,
        matchers=tuple(parse_matcher(m) for m in matchers),
        starts_at=at(start),
        ends_at=at(end),
        created_by="li",
        comment="maintenance of station S1",
        expired_at=at(expired) if expired is not None else None,
    )


PAGE_AIR = {"severity": "page", "family": "air", "station": "S1"}


@pytest.mark.parametrize(
    ("s", "now", "mutes", "state"),
    [
        (silence(0, 60, "severity=page"), 30, True, "active"),
        (silence(0, 60, "severity=page"), 60, False, "expired"),  # the end is exclusive
        (silence(0, 60, "severity=page"), -1, False, "pending"),  # maintenance window to come
        (silence(0, 60, "severity=page"), 0, True, "active"),
        (silence(0, 60, "severity=page", expired=10), 30, False, "expired"),
        (silence(0, 60, "severity=page", expired=10), 5, True, "active"),
        (silence(0, 60, "severity=page", "station=S2"), 30, False, "active"),
        (silence(0, 60, 'family=~"air|water"', "station=S1"), 30, True, "active"),
    ],
)
def test_silence(s: Silence, now: float, mutes: bool, state: str) -> None:
    assert s.mutes(PAGE_AIR, at(now)) is mutes
    assert s.state(at(now)) == state


def test_muting_picks_the_first_that_applies() -> None:
    found = [
        silence(0, 60, "severity=ticket", id_=1),
        silence(0, 60, "family=air", id_=2),
        silence(0, 60, "station=S1", id_=3),
    ]
    got = muting(found, PAGE_AIR, at(1))
    assert got is not None and got.id == 2
    assert muting(found, {"severity": "info"}, at(1)) is None


@pytest.mark.parametrize(
    "kwargs",
    [
        {"matchers": ()},
        {"ends_at": at(0)},
        {"created_by": " "},
        {"comment": ""},
    ],
)
def test_silence_invariants(kwargs: dict[str, object]) -> None:
    base = {"id": None, "matchers": (parse_matcher("a=b"),), "starts_at": at(0), "ends_at": at(60),
            "created_by": "li", "comment": "why"}  # fmt: skip
    with pytest.raises(ValueError):
        Silence(**{**base, **kwargs})  # type: ignore[arg-type]

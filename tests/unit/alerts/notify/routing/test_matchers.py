from __future__ import annotations

import pytest

from services.alerts.notify.errors import MatcherError
from services.alerts.notify.routing.matchers import Matcher, Op, matches_all, parse_matcher

LABELS = {"severity": "page", "family": "air", "region": "shinan", "alertname": "pm25-heavy"}


@pytest.mark.parametrize(
    ("text", "name", "op", "value"),
    [
        ("severity=page", "severity", Op.EQ, "page"),
        ("region!=laoshan", "region", Op.NE, "laoshan"),
        ('family=~"air|water"', "family", Op.RE, "air|water"),
        ("plan!~old-.*", "plan", Op.NRE, "old-.*"),
        (" severity = page ", "severity", Op.EQ, "page"),
        ('region=""', "region", Op.EQ, ""),
        ('note="a \\"quoted\\" word"', "note", Op.EQ, 'a "quoted" word'),
    ],
)
def test_parse(text: str, name: str, op: Op, value: str) -> None:
    assert parse_matcher(text) == Matcher(name, op, value)


@pytest.mark.parametrize("text", ["severity", "=page", "1abc=x", "family=~(air", "a b=c"])
def test_parse_refuses(text: str) -> None:
    with pytest.raises(MatcherError, match="fix|regex"):
        parse_matcher(text)


@pytest.mark.parametrize(
    ("matchers", "expected"),
    [
        (["severity=page"], True),
        (["severity=ticket"], False),
        (["severity!=ticket"], True),
        (['family=~"air|water"'], True),
        (['family=~"ai"'], False),  # anchored: a regex matches the whole value
        (["family!~wat.*"], True),
        (['plan=""'], True),  # an absent label is the empty string
        (["plan!=x"], True),
        (["severity=page", "region=laoshan"], False),
        ([], True),
    ],
)
def test_matches_all(matchers: list[str], expected: bool) -> None:
    assert matches_all([parse_matcher(m) for m in matchers], LABELS) is expected


def test_json_round_trip_and_str() -> None:
    m = parse_matcher('family=~"air|water"')
    assert Matcher.from_json(m.to_json()) == m
    assert str(m) == 'family=~"air|water"'
    assert str(parse_matcher("severity=page")) == "severity=page"
    assert str(parse_matcher("run=7210c6bb4e")) == "run=7210c6bb4e"
    assert str(parse_matcher("station=qd-S01")) == "station=qd-S01"
    assert str(parse_matcher('note="two words"')) == 'note="two words"'
    assert parse_matcher(str(parse_matcher('note="two words"'))) == parse_matcher(
        'note="two words"'
    )
    with pytest.raises(MatcherError):
        Matcher.from_json({"name": "a", "op": "~~", "value": "b"})

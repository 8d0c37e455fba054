"""A family's dashboard stays readable however many indicators it has: a family of many
opens on the table of every target, its charts, clauses and each group of its data in
collapsed rows; every indicator it shows is in exactly one group, whatever its kind."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from services.dashboards import build_all
from services.dashboards.family import FAMILIES
from services.dashboards.family_data import _GROUPS, MANY, shown_indicators
from services.dashboards.language.i18n import Speech
from services.dashboards.language.words import family_name
from services.indicators.catalogue import KINDS, load_catalogue

BUILT = build_all()
CATALOGUE = load_catalogue()
MANY_FAMILIES = [f for f in FAMILIES if len(shown_indicators(f.key, CATALOGUE)) > MANY]
OWN_DATA = ("air", "port", "power", "telecom")  # families with panels of their own


def _board(lang: str, slug: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(BUILT[f"{lang}/{slug}.json"])
    return loaded


def _indicators_charted(panels: list[dict[str, Any]]) -> list[str]:
    """The indicator of each panel showing one indicator's city values."""
    found = []
    for p in panels:
        for t in p.get("targets", ()):
            m = re.search(r"FROM city_rollups\nWHERE indicator = '([^']+)'", t.get("rawSql", ""))
            if m:
                found.append(m[1])
    return found


def test_the_families_of_many_indicators_are_those_that_need_it() -> None:
    assert {f.key for f in MANY_FAMILIES} == {"economy", "agriculture", "society", "industry"}


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
@pytest.mark.parametrize("family", MANY_FAMILIES, ids=lambda f: f.key)
def test_a_family_of_many_opens_on_every_target_with_the_rest_in_collapsed_rows(
    family: Any, lang: str
) -> None:
    board = _board(lang, family.slug)
    h = Speech(lang)  # type: ignore[arg-type]
    first, *rest = board["panels"]
    assert first["type"] == "table" and first["title"] == h("Where each target stands")
    assert "o.target_id IN ($target)" in first["targets"][0]["rawSql"]  # all, by default
    assert rest and all(p["type"] == "row" and p["collapsed"] for p in rest)
    titles = [p["title"] for p in rest]
    assert titles[0] == h("Each target against its path")
    (chart,) = rest[0]["panels"]
    assert chart["repeat"] == "target" and chart["maxPerRow"] == 3
    named = h("{family} data", family=family_name(family.key, lang))  # type: ignore[arg-type]
    data = [p for p in rest if p["title"].startswith(named)]
    assert data, titles
    indicators = [i.id for i in shown_indicators(family.key, CATALOGUE)]
    charted = _indicators_charted([q for row in data for q in row["panels"]])
    assert sorted(charted) == sorted(indicators)  # each in one group, once
    counts = [int(re.findall(r"\d+", row["title"])[-1]) for row in data]
    assert sum(counts) == len(indicators)
    for row, count in zip(data, counts, strict=True):
        assert len(_indicators_charted(row["panels"])) == count, row["title"]


@pytest.mark.parametrize(
    "family", [f for f in FAMILIES if f not in MANY_FAMILIES], ids=lambda f: f.key
)
def test_a_family_of_few_shows_everything_open(family: Any) -> None:
    board = _board("en", family.slug)
    assert not any(p.get("collapsed") for p in board["panels"])
    if family.key not in OWN_DATA:
        charted = _indicators_charted(board["panels"])
        assert sorted(charted) == sorted(i.id for i in shown_indicators(family.key, CATALOGUE))


def test_every_kind_of_indicator_has_a_group() -> None:
    grouped = [kind for kinds, _ in _GROUPS for kind in kinds]
    assert sorted(grouped) == sorted(KINDS)

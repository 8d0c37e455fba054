"""The ingest rule on top of validation: no text field that a spreadsheet would run."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from services.indicators.catalogue import load_catalogue
from services.indicators.readings import Reading
from services.ingest.checks import MAX_DEPTH, check_record, formula_errors, nesting_problem

CATALOGUE = load_catalogue()
NOW = datetime(2026, 11, 21, tzinfo=UTC)
GOOD: dict[str, Any] = {
    "indicator": "air.pm25",
    "ts": "2026-11-20T08:00:00+08:00",
    "value": 35,
    "unit": "µg/m³",
    "source": "qd-1",
}


@pytest.mark.parametrize(
    ("change", "fields"),
    [
        ({"source": "=1+2"}, ["source"]),
        ({"source": "+cmd"}, ["source"]),
        ({"region": "-north"}, ["region"]),
        ({"id": "@SUM(A1)"}, ["id"]),
        ({"labels": {"=x": "wind"}}, ["labels.=x"]),
        ({"labels": {"note": "=HYPERLINK(1)"}}, ["labels.note"]),
        ({"source": "-12.5"}, []),  # a number is not a formula
        ({"id": "+8"}, []),
        ({"region": "1e3"}, []),
        ({"source": "a=b"}, []),
        ({"source": 5}, []),  # the validator's business
    ],
)
def test_formula_errors(change: dict[str, Any], fields: list[str]) -> None:
    errors = formula_errors({**GOOD, **change}, 3, line=4)
    assert [e.field for e in errors] == fields
    assert all(e.index == 3 and e.line == 4 and e.code == "formula" for e in errors)
    assert all("spreadsheet would run as a formula" in e.message for e in errors)


def test_check_record_adds_formula_errors_once() -> None:
    assert isinstance(check_record(GOOD, 0, CATALOGUE, NOW), Reading)
    errors = check_record({**GOOD, "source": "=x", "unit": "kg"}, 0, CATALOGUE, NOW)
    assert isinstance(errors, list)
    assert sorted((e.field, e.code) for e in errors) == [("source", "formula"), ("unit", "unit")]
    errors = check_record({**GOOD, "source": "=" + "x" * 200}, 0, CATALOGUE, NOW)
    assert isinstance(errors, list) and [e.code for e in errors] == ["formula"]
    assert "…" in errors[0].message
    assert formula_errors([1], 0) == []


def _deep(depth: int, leaf: Any = 1) -> Any:
    """``depth`` levels: the outermost is an object, then arrays and objects in turn."""
    value = leaf
    for i in reversed(range(depth)):
        value = {"a": value} if i % 2 == 0 else [value]
    return value


@pytest.mark.parametrize(
    ("value", "too_deep"),
    [
        (GOOD, False),
        ({**GOOD, "labels": {"source": "wind"}}, False),
        (_deep(MAX_DEPTH), False),
        (_deep(MAX_DEPTH + 1), True),
        (_deep(MAX_DEPTH, leaf=[]), True),  # an empty container counts as a level
        ([_deep(MAX_DEPTH - 1)] * 3, False),
        (_deep(200_000), True),  # no recursion: any depth is fine to look at
        (42, False),
        ("text", False),
    ],
)
def test_nesting_problem(value: Any, too_deep: bool) -> None:
    problem = nesting_problem(value)
    assert (problem is not None) == too_deep
    if too_deep:
        assert f"nested more than {MAX_DEPTH} levels deep" in problem


def test_a_record_nested_too_deeply_is_one_error_before_any_other_check() -> None:
    errors = check_record({**GOOD, "value": _deep(5000), "source": "=x"}, 2, CATALOGUE, NOW, line=3)
    assert isinstance(errors, list)
    assert [(e.index, e.line, e.field, e.code) for e in errors] == [(2, 3, None, "nesting")]

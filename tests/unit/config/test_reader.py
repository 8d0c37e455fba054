"""The shared reader of configuration files: parsing, places, problems and schema errors."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from services.config import (
    ConfigFileError,
    Document,
    Key,
    Names,
    Problem,
    SchemaExplainer,
    read_document,
)

EMPTY_FIX = "write `things:`"


def _read(
    tmp_path: Path, text: str | bytes, **options: Any
) -> tuple[Document | None, list[Problem]]:
    path = tmp_path / "f.yaml"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return read_document(path, empty_fix=EMPTY_FIX, **options)


# --- reading -----------------------------------------------------------------------------

PROBLEMS = [
    # (case, file text, options, [(line, column, in message, in fix)], the document comes back)
    ("good", "a: 1\nb: [x, y]\n", {}, [], True),
    ("empty", "", {}, [(1, 1, "the file is empty", EMPTY_FIX)], False),
    ("only comments", "# nothing yet\n", {}, [(1, 1, "the file is empty", EMPTY_FIX)], False),
    ("no data", "---\n~\n", {}, [(1, 1, "holds no data", EMPTY_FIX)], False),
    (
        "unclosed list",
        "a: [1, 2\nb: 3\n",
        {},
        [(2, 2, "not valid YAML", "fix the YAML syntax")],
        False,
    ),
    (
        "unclosed list names where it started",
        "a: 1\nb: [1, 2\nc: 3\n",
        {},
        [(3, 2, "(in a flow sequence started on line 2)", "indentation")],
        False,
    ),
    ("a tab", "a:\n\tb: 1\n", {}, [(2, 1, "not valid YAML", "fix the YAML syntax")], False),
    (
        "a repeated key",
        "a:\n  b: 1\n  b: 2\n",
        {},
        [(3, 3, "key `b` is repeated (first on line 2)", "keep only one")],
        True,
    ),
    (
        "a repeated key under an anchor used twice is one problem",
        "x: &a {k: 1, k: 2}\ny: *a\n",
        {},
        [(1, 14, "key `k` is repeated (first on line 1)", "keep only one")],
        True,
    ),
    (
        "a repeated key in a list item",
        "- {a: 1}\n- a: 1\n  a: 2\n",
        {},
        [(3, 3, "key `a` is repeated", "keep only one")],
        True,
    ),
    (
        "a python tag",
        "a: !!python/name:os.system\n",
        {},
        [(1, 4, "this value cannot be read", "write a plain text")],
        False,
    ),
    (
        "an impossible date",
        "day: 2025-02-30\n",
        {},
        [(1, 6, "'2025-02-30' is not a calendar date", "write a plain text")],
        False,
    ),
    ("an impossible date kept as text", "day: 2025-02-30\n", {"dates_as_text": True}, [], True),
    (
        "not UTF-8",
        b"a: 1\nb: caf\xe9\n",
        {},
        [(2, 7, "not UTF-8 text (byte 0xe9", "save the file as UTF-8")],
        False,
    ),
    (
        "a control character",
        "a: 1\nb: x\x07\n",
        {},
        [(2, 5, "not valid YAML", "remove the character")],
        False,
    ),
]


@pytest.mark.parametrize(
    ("text", "options", "expected", "has_doc"),
    [row[1:] for row in PROBLEMS],
    ids=[row[0] for row in PROBLEMS],
)
def test_what_is_wrong_with_a_file_as_yaml(
    tmp_path: Path,
    text: str | bytes,
    options: dict[str, Any],
    expected: list[tuple[int, int, str, str]],
    has_doc: bool,
) -> None:
    doc, problems = _read(tmp_path, text, **options)
    assert (doc is not None) == has_doc
    assert len(problems) == len(expected), problems
    for problem, (line, column, message, fix) in zip(problems, expected, strict=True):
        assert problem.file == str(tmp_path / "f.yaml")
        assert (problem.line, problem.column) == (line, column), str(problem)
        assert message in problem.message, str(problem)
        assert fix in problem.fix, str(problem)


def test_an_unreadable_file_is_a_problem_without_a_place(tmp_path: Path) -> None:
    doc, (problem,) = read_document(tmp_path / "nowhere.yaml", empty_fix=EMPTY_FIX)
    assert doc is None
    assert (problem.line, problem.column) == (None, None)
    assert "cannot read the file" in problem.message and "check the path" in problem.fix
    doc, (problem,) = read_document(tmp_path, empty_fix=EMPTY_FIX)  # a directory
    assert doc is None and "cannot read the file" in problem.message


@pytest.mark.parametrize(
    ("options", "expected"),
    [({}, date(2025, 12, 31)), ({"dates_as_text": True}, "2025-12-31")],
)
def test_dates_are_dates_unless_kept_as_text(
    tmp_path: Path, options: dict[str, Any], expected: object
) -> None:
    doc, problems = _read(tmp_path, "day: 2025-12-31\nn: 1\n", **options)
    assert doc is not None and problems == []
    assert doc.data == {"day": expected, "n": 1}


def test_a_repeated_key_keeps_the_last_value_as_the_data_does(tmp_path: Path) -> None:
    doc, _ = _read(tmp_path, "a: 1\nb: 2\na: 3\n")
    assert doc is not None and doc.data == {"a": 3, "b": 2}
    assert doc.line(["a"]) == 3


# --- places ----------------------------------------------------------------------------

PLACES_TEXT = """\
version: 1
targets:
  - id: t1
    baseline: {value: 10, date: 2022-12-31}
    note:
  - id: t2
    values:
      - 1
      - 2
"""

PLACES = [
    # (path, at the key, (line, column))
    ([], False, (1, 1)),
    (["version"], False, (1, 10)),
    (["version"], True, (1, 1)),
    (["targets"], False, (3, 3)),
    (["targets", 0], False, (3, 5)),
    (["targets", 0, "baseline", "date"], False, (4, 33)),
    (["targets", 0, "baseline", "date"], True, (4, 27)),
    (["targets", 0, "note"], False, (5, 5)),  # nothing after the colon: the key
    (["targets", 1, "values", 1], False, (9, 9)),
    (["targets", 1, "colour"], False, (6, 5)),  # not there: the deepest node that is
    (["targets", 1, "colour"], True, (6, 5)),
    (["targets", 7, "id"], False, (3, 3)),
    (["nothing"], False, (1, 1)),
]


@pytest.mark.parametrize(("path", "at_key", "place"), PLACES)
def test_the_place_of_a_key_path(
    tmp_path: Path, path: list[Key], at_key: bool, place: tuple[int, int]
) -> None:
    doc, problems = _read(tmp_path, PLACES_TEXT)
    assert doc is not None and problems == []
    problem = doc.problem(path, "m", "f", at_key=at_key)
    assert (problem.line, problem.column) == place
    assert doc.line(path) == place[0] or at_key


NAMES = Names("the plan", items="targets", noun="target")
DATA = {"targets": [{"id": "t1", "baseline": {"date": "x"}}, {"value": 1}, "x"]}


@pytest.mark.parametrize(
    ("path", "name"),
    [
        ([], "the plan"),
        (["date"], "`date`"),
        (["targets"], "`targets`"),
        (["targets", 0], "target t1"),
        (["targets", 0, "baseline", "date"], "target t1 `baseline.date`"),
        (["targets", 1, "value"], "target #2 `value`"),
        (["targets", 2], "target #3"),
        (["targets", 9, "x"], "target #10 `x`"),
        (["targets", 0, "profile", 3], "target t1 `profile[3]`"),
        (["other", 0, "a"], "`other[0].a`"),
    ],
)
def test_names_of_places(path: list[Key], name: str) -> None:
    assert NAMES(DATA, path) == name


# --- problems and the error carrying them ----------------------------------------------


@pytest.mark.parametrize(
    ("problem", "text"),
    [
        (Problem("a.yaml", 3, 7, "bad", "do this"), "a.yaml:3:7: bad; fix: do this"),
        (Problem("a.yaml", 3, None, "bad", "do this"), "a.yaml:3: bad; fix: do this"),
        (Problem("plans", None, None, "no files", "add one"), "plans: no files; fix: add one"),
    ],
)
def test_a_problem_reads_file_line_column_message_fix(problem: Problem, text: str) -> None:
    assert str(problem) == text


def test_the_error_lists_every_problem_under_a_count() -> None:
    class ThingsError(ConfigFileError):
        what = "the things"

    problems = [Problem("a.yaml", 1, 1, "x", "y"), Problem("b.yaml", None, None, "z", "w")]
    error = ThingsError(problems)
    assert error.problems == tuple(problems)
    assert str(error) == "2 problem(s) in the things:\na.yaml:1:1: x; fix: y\nb.yaml: z; fix: w"
    assert isinstance(error, ConfigFileError)


# --- schema errors explained -----------------------------------------------------------

SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["version", "things"],
    "additionalProperties": False,
    "properties": {
        "version": {"const": 1},
        "things": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/thing"}},
    },
    "$defs": {
        "count": {"type": "integer", "minimum": 0, "description": "A whole number, e.g. 3."},
        "thing": {
            "type": "object",
            "required": ["id", "colour"],
            "additionalProperties": False,
            "properties": {
                "id": {"type": "string", "pattern": "^[a-z]+$"},
                "colour": {"enum": ["red", "green", "blue"], "description": "red, green or blue"},
                "count": {"$ref": "#/$defs/count"},
                "weight": {
                    "type": "number",
                    "minimum": 0,
                    "$comment": "weigh it in kg; 0 for weightless",
                },
                "size": {
                    "description": "small or large, or {width: ...} in metres",
                    "oneOf": [
                        {"enum": ["small", "large"]},
                        {"type": "object", "properties": {"width": {"type": "number"}}},
                    ],
                },
                "ends": {
                    "$comment": "give `from` or `to`, not both",
                    "type": "object",
                    "oneOf": [{"required": ["from"]}, {"required": ["to"]}],
                },
            },
        },
    },
}
GOOD = "version: 1\nthings:\n  - id: a\n    colour: red\n"
EXPLAINER = SchemaExplainer(SCHEMA, names=Names("the file", "things", "thing"), source="s.json")

EXPLAINED = [
    # (case, text, [(line, column, message, fix)])
    ("good", GOOD, []),
    (
        "missing key, fix from its description",
        "version: 1\nthings:\n  - id: a\n",
        [(3, 5, "thing a: `colour` is missing", "add `colour:` and write red, green or blue")],
    ),
    (
        "missing key, no description",
        "version: 1\nthings:\n  - colour: red\n",
        [(3, 5, "thing #1: `id` is missing", "add `id:`")],
    ),
    (
        "missing key at the top",
        "things: [{id: a, colour: red}]\n",
        [(1, 1, "the file: `version` is missing", "add `version:`")],
    ),
    (
        "unknown key, close to one",
        GOOD + "    colur: red\n",
        [(5, 5, "thing a: unknown key `colur`", "did you mean `colour`?")],
    ),
    (
        "unknown key, close to none",
        GOOD + "    zzz: 1\n",
        [(5, 5, "unknown key `zzz`", "remove it, or use one of: colour, count, ends, id")],
    ),
    (
        "enum, close to one",
        GOOD.replace("colour: red", "colour: gren"),
        [(4, 13, "thing a `colour`: 'gren' is not allowed", "did you mean 'green'? use one of")],
    ),
    (
        "enum, close to none",
        GOOD.replace("colour: red", "colour: 7"),
        [(4, 13, "7 is not allowed", "use one of: red, green, blue")],
    ),
    (
        "type, fix from the description behind a $ref",
        GOOD + "    count: many\n",
        [(5, 12, "thing a `count`: 'many' is not a whole number", "write a whole number, e.g. 3")],
    ),
    (
        "minimum, fix from the description",
        GOOD + "    count: -1\n",
        [(5, 12, "-1 is less than the minimum of 0", "write a whole number, e.g. 3")],
    ),
    (
        "$comment before description",
        GOOD + "    weight: -2\n",
        [(5, 13, "thing a `weight`: -2 is less than", "weigh it in kg; 0 for weightless")],
    ),
    (
        "const",
        GOOD.replace("version: 1", "version: 2"),
        [(1, 10, "`version`: 2 is not accepted here (only 1 is)", "write 1")],
    ),
    (
        "pattern, no description: the schema is named",
        GOOD.replace("id: a", "id: A1"),
        [(3, 9, "thing A1 `id`: 'A1' is not valid", "see s.json")],
    ),
    (
        "oneOf without a comment: its best branch",
        GOOD + "    size: smal\n",
        [(5, 11, "'smal' is not allowed", "did you mean 'small'?")],
    ),
    (
        "oneOf without a comment, branch without a description: the oneOf's",
        GOOD + "    size: {width: wide}\n",
        [(5, 19, "'wide' is not a number", "write small or large, or {width: ...} in metres")],
    ),
    (
        "oneOf with a comment: the comment",
        GOOD + "    ends: {from: 1, to: 2}\n",
        [(5, 11, "this combination of keys is not valid", "give `from` or `to`, not both")],
    ),
    (
        "minItems",
        "version: 1\nthings: []\n",
        [(2, 9, "`things`: the list has 0 item(s), where at least 1 are needed", "see s.json")],
    ),
    (
        "a mapping where a list goes",
        "version: 1\nthings: {id: a}\n",
        [(2, 9, "`things`: a mapping is not a list", "see s.json")],
    ),
    (
        "every problem at once, in the order of the file",
        "version: 3\nthings:\n  - id: a\n    colour: pink\n    extra: 1\n",
        [
            (1, 10, "`version`", "write 1"),
            (4, 13, "'pink' is not allowed", "use one of"),
            (5, 5, "unknown key `extra`", "remove it"),
        ],
    ),
]


@pytest.mark.parametrize(
    ("text", "expected"), [row[1:] for row in EXPLAINED], ids=[row[0] for row in EXPLAINED]
)
def test_schema_errors_explained(
    tmp_path: Path, text: str, expected: list[tuple[int, int, str, str]]
) -> None:
    doc, problems = _read(tmp_path, text)
    assert doc is not None and problems == []
    found = EXPLAINER.problems(doc)
    assert len(found) == len(expected), "\n".join(map(str, found))
    for problem, (line, column, message, fix) in zip(found, expected, strict=True):
        assert (problem.line, problem.column) == (line, column), str(problem)
        assert message in problem.message, str(problem)
        assert fix in problem.fix, str(problem)


def test_the_caller_may_say_which_keys_a_mapping_allows(tmp_path: Path) -> None:
    def allowed(path: list[Key], instance: object) -> set[str] | None:
        return {"id", "colour", "shade"} if len(path) == 2 else None

    explainer = SchemaExplainer(SCHEMA, names=NAMES, source="s.json", allowed_keys=allowed)
    doc, _ = _read(tmp_path, GOOD + "    shad: dark\n")
    assert doc is not None
    (problem,) = explainer.problems(doc)
    assert (problem.line, problem.column) == (5, 5)
    assert problem.fix == "did you mean `shade`?"

"""Every configuration file reader (catalogue, plans, rules, routes) reports a repeated key,
a syntax error and an unknown key the same way: a Problem with file, line and column, in
an error that is a ConfigFileError."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from services.alerts.notify import RouteFileError, load_routes
from services.alerts.rules import RuleFileError, load_rules
from services.config import ConfigFileError, Problem
from services.indicators.catalogue import CatalogueError, load_catalogue
from services.indicators.plans import InvalidPlansError, load_plans

CATALOGUE = """\
version: 1
indicators:
  - id: air.pm25
    name: PM2.5
    name_zh: 细颗粒物
    family: air
    unit: µg/m³
    kind: level
    cadence: PT1H
    range: {min: 0, max: 1000}
    combine: mean
"""
PLAN = """\
id: test-plan
title: A test plan
title_zh: 测试
issuer: Test
date: 2026-01-01
source: 003_c9fd408649e50223.txt
targets:
  - id: telecom.5g_base_stations.2027
    indicator: telecom.5g_base_stations
    comparator: ">="
    value: 4万
    unit: stations
    deadline: 2027-12-31
    kind: stock
    baseline: {value: 20000, unit: stations, date: 2026-01-01}
    trajectory: linear
    scope: city
    source_clause: 003 · (五)
    source_text: 到2027年5G基站4万个
"""
RULES = """\
rules:
  - id: ok
    kind: off_trajectory
    severity: page
    tolerance_pct: 10
    recover_pct: 5
"""
ROUTES = """\
version: 1
receivers:
  - name: mail
    email: {to: [duty@example.org]}
route:
  receiver: mail
  group_by: [alertname]
"""


def _catalogue(path: Path) -> object:
    return load_catalogue(path)


def _plans(path: Path) -> object:
    return load_plans(path.parent)


READERS: dict[str, tuple[str, Callable[[Path], object], type[ConfigFileError]]] = {
    "catalogue": (CATALOGUE, _catalogue, CatalogueError),
    "plans": (PLAN, _plans, InvalidPlansError),
    "rules": (RULES, load_rules, RuleFileError),
    "routes": (ROUTES, load_routes, RouteFileError),
}

CASES = [
    # (reader, case, (old, new) in the good file, line, column, in message)
    ("catalogue", "repeated", ("    kind: level\n", "    kind: level\n    kind: flow\n"), 9, 5,
     "key `kind` is repeated (first on line 8)"),
    ("catalogue", "syntax", ("    name: PM2.5", "    name: [PM2.5"), 5, 12, "not valid YAML"),
    ("catalogue", "unknown key", ("    combine: mean", "    combine: mean\n    colour: red"),
     12, 5, "unknown key `colour`"),
    ("plans", "repeated", ("    scope: city\n", "    scope: city\n    scope: city\n"), 18, 5,
     "key `scope` is repeated (first on line 17)"),
    ("plans", "syntax", ("trajectory: linear", "trajectory: [linear"), 17, 10, "not valid YAML"),
    ("plans", "unknown key", ("    scope: city", "    scope: city\n    colour: red"), 18, 5,
     "unknown key `colour`"),
    ("rules", "repeated", ("    severity: page\n", "    severity: page\n    severity: info\n"),
     5, 5, "key `severity` is repeated (first on line 4)"),
    ("rules", "syntax", ("  - id: ok", "  - id: [ok"), 3, 9, "not valid YAML"),
    ("rules", "unknown key", ("    recover_pct: 5", "    recover_pct: 5\n    colour: red"), 7, 5,
     "unknown key `colour`"),
    ("routes", "repeated", ("  receiver: mail\n", "  receiver: mail\n  receiver: mail\n"), 7, 3,
     "key `receiver` is repeated (first on line 6)"),
    ("routes", "syntax", ("  group_by: [alertname]", "  group_by: [alertname"), 8, 1,
     "not valid YAML"),
    ("routes", "unknown key", ("  receiver: mail", "  receiver: mail\n  colour: red"), 7, 3,
     "unknown key `colour`"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("reader", "change", "line", "column", "message"),
    [(row[0], *row[2:]) for row in CASES],
    ids=[f"{row[0]}: {row[1]}" for row in CASES],
)
def test_a_problem_has_file_line_column_and_fix(
    tmp_path: Path, reader: str, change: tuple[str, str], line: int, column: int, message: str
) -> None:
    good, load, error_type = READERS[reader]
    assert change[0] in good
    path = tmp_path / "file.yaml"
    path.write_text(good.replace(change[0], change[1], 1), encoding="utf-8")
    with pytest.raises(ConfigFileError) as caught:
        load(path)
    assert isinstance(caught.value, error_type)
    found = [p for p in caught.value.problems if message in p.message]
    assert found, str(caught.value)
    assert found[0] == Problem(str(path), line, column, found[0].message, found[0].fix)
    assert found[0].fix, str(found[0])
    head, *lines = str(caught.value).splitlines()
    assert head.endswith("problem(s) in " + error_type.what + ":")
    assert any(text.startswith(f"{path}:{line}:{column}: ") for text in lines)


@pytest.mark.parametrize("reader", sorted(READERS))
def test_the_good_files_load(tmp_path: Path, reader: str) -> None:
    good, load, _ = READERS[reader]
    path = tmp_path / "file.yaml"
    path.write_text(good, encoding="utf-8")
    assert load(path)

from __future__ import annotations

import textwrap
from datetime import timedelta
from pathlib import Path

import pytest
import yaml
from jsonschema import Draft202012Validator

from services.alerts.rules import (
    DEFAULT_RULES_PATH,
    BurnRateRule,
    DurationError,
    InvalidRule,
    OffTrajectoryRule,
    ProjectedMissRule,
    Rule,
    RuleFileError,
    Selector,
    Severity,
    StaleFeedRule,
    ThresholdRule,
    format_duration,
    load_rules,
    load_schema,
    matches,
    parse_duration,
    render_annotations,
)

# --- durations -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("30m", timedelta(minutes=30)),
        ("1h", timedelta(hours=1)),
        ("14d", timedelta(days=14)),
        ("2w", timedelta(weeks=2)),
        ("1h30m", timedelta(hours=1, minutes=30)),
        ("1.5h", timedelta(minutes=90)),
        ("500ms", timedelta(milliseconds=500)),
        ("0s", timedelta(0)),
        ("P14D", timedelta(days=14)),
        ("PT1H", timedelta(hours=1)),
        ("P1DT12H", timedelta(days=1, hours=12)),
        ("P2W", timedelta(weeks=2)),
        ("PT0.5S", timedelta(milliseconds=500)),
        ("PT90M", timedelta(minutes=90)),
        (" 6h ", timedelta(hours=6)),
    ],
)
def test_parse_duration(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize(
    ("text", "fix"),
    [
        ("14x", "30m, 1h, 14d"),
        ("", "30m, 1h, 14d"),
        ("P", "30m, 1h, 14d"),
        ("PT", "30m, 1h, 14d"),
        ("1H", "30m, 1h, 14d"),
        ("-1h", "30m, 1h, 14d"),
        ("1 h", "30m, 1h, 14d"),
        ("P1M", "P30D"),
        ("P1Y", "P30D"),
    ],
)
def test_parse_duration_refuses(text: str, fix: str) -> None:
    with pytest.raises(DurationError) as caught:
        parse_duration(text)
    assert fix in caught.value.fix


@pytest.mark.parametrize(
    ("delta", "text"),
    [
        (timedelta(days=14), "14d"),
        (timedelta(hours=1, minutes=30), "1h30m"),
        (timedelta(seconds=45), "45s"),
        (timedelta(0), "0s"),
        (timedelta(milliseconds=1500), "1s500ms"),
        (timedelta(days=-1), "-1d"),
    ],
)
def test_format_duration(delta: timedelta, text: str) -> None:
    assert format_duration(delta) == text
    if delta >= timedelta(0):
        assert parse_duration(text) == delta


# --- the default rules -----------------------------------------------------------------


def test_default_rules_load() -> None:
    rules = load_rules(DEFAULT_RULES_PATH)
    kinds = {rule.kind for rule in rules}
    assert kinds == {
        "off_trajectory", "projected_miss", "burn_rate", "stale_feed", "threshold", "no_data"
    }  # fmt: skip
    assert len({rule.id for rule in rules}) == len(rules)
    pages = [
        r
        for r in rules
        if r.severity == "page" and r.kind in ("off_trajectory", "projected_miss", "burn_rate")
    ]
    assert pages and all(r.deadline_within is not None for r in pages)  # type: ignore[union-attr]
    assert all("summary" in rule.annotations for rule in rules)
    assert all(rule.source is not None and rule.source.line > 0 for rule in rules)


def test_default_burn_rates_have_fast_page_and_slow_ticket() -> None:
    burns = [r for r in load_rules(DEFAULT_RULES_PATH) if isinstance(r, BurnRateRule)]
    assert {r.severity for r in burns} == {Severity.PAGE, Severity.TICKET}
    assert all(r.short < r.long for r in burns)
    assert {(r.short, r.long) for r in burns} >= {
        (timedelta(days=7), timedelta(days=30)),
        (timedelta(hours=1), timedelta(hours=6)),
    }


def test_default_stale_feed_is_a_ticket_even_without_severity() -> None:
    stale = [r for r in load_rules(DEFAULT_RULES_PATH) if isinstance(r, StaleFeedRule)]
    assert stale and all(r.severity is Severity.TICKET for r in stale)


def test_default_pm25_threshold() -> None:
    rules = {r.id: r for r in load_rules(DEFAULT_RULES_PATH)}
    heavy = rules["pm25-heavy-pollution"]
    assert isinstance(heavy, ThresholdRule)
    assert (heavy.above, heavy.recover_below, heavy.for_) == (150, 115, timedelta(hours=1))
    assert matches(heavy, {"indicator": "air.pm25", "station": "s1"})
    assert not matches(heavy, {"indicator": "air.pm10"})


def test_schema_is_valid_and_accepts_the_default_file() -> None:
    schema = load_schema()
    Draft202012Validator.check_schema(schema)
    data = yaml.safe_load((DEFAULT_RULES_PATH / "default.yaml").read_text(encoding="utf-8"))
    assert list(Draft202012Validator(schema).iter_errors(data)) == []


# --- bad files -------------------------------------------------------------------------

_GOOD = """\
rules:
  - id: ok
    kind: off_trajectory
    severity: page
    tolerance_pct: 10
    recover_pct: 5
"""

BAD_FILES = [
    # (case, yaml, line, in message, in fix)
    (
        "unknown severity",
        """\
        rules:
          - id: a
            kind: stale_feed
            severity: pager
        """,
        4,
        "'pager' is not allowed",
        "did you mean 'page'",
    ),
    (
        "misspelt key",
        """\
        rules:
          - id: a
            kind: off_trajectory
            severity: page
            tolerance_pct: 10
            recover_pct: 5
            tolerence: 3
        """,
        7,
        "unknown key `tolerence`",
        "tolerance_pct",
    ),
    (
        "missing parameter",
        """\
        rules:
          - id: a
            kind: burn_rate
            severity: page
            short: 1h
            long: 6h
        """,
        2,
        "`factor` is missing",
        "add `factor:`",
    ),
    (
        "number written as text",
        """\
        rules:
          - id: a
            kind: off_trajectory
            severity: page
            tolerance_pct: ten
            recover_pct: 5
        """,
        5,
        "tolerance_pct",
        "a percentage as a number",
    ),
    (
        "bad duration",
        """\
        rules:
          - id: a
            kind: threshold
            severity: page
            above: 1
            for: 14x
        """,
        6,
        "'14x' is not valid",
        "14d",
    ),
    (
        "unknown kind",
        """\
        rules:
          - id: a
            kind: thresold
            severity: page
        """,
        3,
        "'thresold' is not allowed",
        "did you mean 'threshold'",
    ),
    (
        "recovery on the wrong side",
        """\
        rules:
          - id: a
            kind: off_trajectory
            severity: page
            tolerance_pct: 5
            recover_pct: 10
        """,
        6,
        "recover_pct 10 is not below tolerance_pct 5",
        "below tolerance_pct",
    ),
    (
        "windows swapped",
        """\
        rules:
          - id: a
            kind: burn_rate
            severity: page
            short: 30d
            long: 7d
            factor: 2
        """,
        5,
        "`short` is not shorter",
        "short: 7d",
    ),
    (
        "above and below together",
        """\
        rules:
          - id: a
            kind: threshold
            severity: page
            above: 3
            below: 2
        """,
        2,
        "is not valid",
        "exactly one of `above`",
    ),
    (
        "positional placeholder",
        """\
        rules:
          - id: a
            kind: stale_feed
            annotations:
              summary: "silent for {}"
        """,
        5,
        "placeholder {} is not a name",
        "{target}",
    ),
    (
        "selector key misspelt",
        """\
        rules:
          - id: a
            kind: stale_feed
            applies_to:
              indicator: [air.pm25]
        """,
        5,
        "unknown key `indicator`",
        "indicators",
    ),
    (
        "repeated key",
        """\
        rules:
          - id: a
            kind: stale_feed
            severity: info
            severity: page
        """,
        5,
        "key `severity` is repeated (first on line 4)",
        "keep only one",
    ),
    (
        "not YAML",
        """\
        rules:
          - id: a
            kind: stale_feed
           bad: [
        """,
        4,
        "not valid YAML",
        "indentation",
    ),
    ("empty file", "", 1, "empty", "rules:"),
    (
        "no rules key",
        """\
        rule:
          - id: a
        """,
        1,
        "unknown key `rule`",
        "did you mean `rules`",
    ),
]


@pytest.mark.parametrize(
    ("text", "line", "message", "fix"),
    [row[1:] for row in BAD_FILES],
    ids=[row[0] for row in BAD_FILES],
)
def test_bad_file_reports_line_and_fix(
    tmp_path: Path, text: str, line: int, message: str, fix: str
) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    with pytest.raises(RuleFileError) as caught:
        load_rules(path)
    found = [p for p in caught.value.problems if message in p.message]
    assert found, str(caught.value)
    assert found[0].line == line, str(caught.value)
    assert fix in found[0].fix
    assert found[0].file == str(path)
    assert f"{path}:{line}:" in str(caught.value)


def test_all_problems_of_a_file_are_reported_at_once(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(
        "rules:\n"
        "  - {id: a, kind: stale_feed, severity: pager}\n"
        "  - {id: b, kind: stale_feed, for: soon}\n",
        encoding="utf-8",
    )
    with pytest.raises(RuleFileError) as caught:
        load_rules(path)
    assert [p.line for p in caught.value.problems] == [2, 3]


def test_duplicate_ids_across_files(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(_GOOD, encoding="utf-8")
    (tmp_path / "b.yml").write_text(_GOOD, encoding="utf-8")
    with pytest.raises(RuleFileError) as caught:
        load_rules(tmp_path)
    (problem,) = caught.value.problems
    assert problem.file == str(tmp_path / "b.yml") and problem.line == 2
    assert f"already used at {tmp_path / 'a.yaml'}:2" in problem.message


def test_directory_loads_every_file(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(_GOOD, encoding="utf-8")
    (tmp_path / "b.yaml").write_text(_GOOD.replace("id: ok", "id: ok2"), encoding="utf-8")
    (tmp_path / "notes.txt").write_text("not a rule file", encoding="utf-8")
    assert [r.id for r in load_rules(tmp_path)] == ["ok", "ok2"]


@pytest.mark.parametrize("name", ["missing.yaml", "empty-dir"])
def test_nothing_to_load(tmp_path: Path, name: str) -> None:
    (tmp_path / "empty-dir").mkdir()
    with pytest.raises(RuleFileError):
        load_rules(tmp_path / name)


# --- rule values -----------------------------------------------------------------------


def test_loaded_rule_fields(tmp_path: Path) -> None:
    path = tmp_path / "r.yaml"
    path.write_text(
        textwrap.dedent(
            """\
            rules:
              - id: burn
                kind: burn_rate
                severity: page
                short: 1h
                long: P0DT6H
                factor: 14.4
                for: 5m
                identify_by: [target]
                applies_to: {families: air, kinds: [ratio, level-mean]}
                labels: {team: environment}
            """
        ),
        encoding="utf-8",
    )
    (rule,) = load_rules(path)
    assert rule == BurnRateRule(
        id="burn",
        severity=Severity.PAGE,
        short=timedelta(hours=1),
        long=timedelta(hours=6),
        factor=14.4,
        for_=timedelta(minutes=5),
        identify_by=("target",),
        applies_to=Selector(families=("air",), kinds=("ratio", "level-mean")),
        labels={"team": "environment"},
    )
    assert rule.recovery_factor == 14.4


_HOUR, _6H = timedelta(hours=1), timedelta(hours=6)

INVARIANTS = [
    # (rule type, arguments, offending key)
    (OffTrajectoryRule, {"tolerance_pct": 5, "recover_pct": 5}, "recover_pct"),
    (ProjectedMissRule, {"below": 0.5, "recover_above": 0.4}, "recover_above"),
    (
        BurnRateRule,
        {"short": _HOUR, "long": _6H, "factor": 2, "recover_factor": 3},
        "recover_factor",
    ),
    (BurnRateRule, {"short": _6H, "long": _HOUR, "factor": 2}, "short"),
    (ThresholdRule, {}, "above"),
    (ThresholdRule, {"above": 3, "below": 1}, "above"),
    (ThresholdRule, {"above": 3, "recover_below": 4}, "recover_below"),
    (ThresholdRule, {"below": 3, "recover_above": 2}, "recover_above"),
    (ThresholdRule, {"above": 3, "aggregate": "median"}, "aggregate"),
    (StaleFeedRule, {"multiplier": 0}, "multiplier"),
    (StaleFeedRule, {"after": timedelta(0)}, "after"),
    (StaleFeedRule, {"for_": -_HOUR}, "for"),
    (StaleFeedRule, {"recover_for": -_HOUR}, "recover_for"),
    (StaleFeedRule, {"annotations": {"summary": "{a.b}"}}, "annotations"),
    (StaleFeedRule, {"annotations": {"summary": "{"}}, "annotations"),
]


@pytest.mark.parametrize(("kind", "args", "key"), INVARIANTS)
def test_rule_invariants(kind: type[Rule], args: dict[str, object], key: str) -> None:
    with pytest.raises(InvalidRule) as caught:
        kind(id="x", severity=Severity.PAGE, **args)  # type: ignore[arg-type]
    assert caught.value.path[0] == key


# --- selector and annotations ----------------------------------------------------------

SELECTORS = [
    # (selector, labels, matches)
    (Selector(), {}, True),
    (Selector(indicators=("air.pm25",)), {"indicator": "air.pm25"}, True),
    (Selector(indicators=("air.*",)), {"indicator": "air.pm10"}, True),
    (Selector(indicators=("air.*",)), {"indicator": "port.teu"}, False),
    (Selector(indicators=("air.pm25",)), {}, False),
    (Selector(families=("air",)), {"indicator": "air.pm25"}, True),
    (Selector(families=("port",)), {"indicator": "air.pm25", "family": "port"}, True),
    (Selector(targets=("t-5g-*",)), {"target": "t-5g-2025"}, True),
    (Selector(kinds=("flow", "stock")), {"kind": "stock"}, True),
    (Selector(kinds=("flow", "stock")), {"kind": "ratio"}, False),
    (Selector(scope=("city",)), {"scope": "city"}, True),
    (Selector(families=("air",), scope=("city",)), {"indicator": "air.x", "scope": "x"}, False),
    (Selector(labels={"station": "S*"}), {"station": "S01"}, True),
    (Selector(labels={"station": "S*"}), {"station": "s01"}, False),
]


@pytest.mark.parametrize(("selector", "labels", "expected"), SELECTORS)
def test_matches(selector: Selector, labels: dict[str, str], expected: bool) -> None:
    assert matches(selector, labels) is expected
    rule = StaleFeedRule(id="s", applies_to=selector)
    assert matches(rule, labels) is expected


EXCEPTIONS = [
    # (applies_to, except, labels, the rule applies)
    (Selector(), Selector(families=("air",)), {"indicator": "air.pm25"}, False),
    (Selector(), Selector(families=("air",)), {"indicator": "port.teu"}, True),
    (
        Selector(families=("air",)),
        Selector(labels={"station": "qd-*"}),
        {"indicator": "air.x"},
        True,
    ),
    (
        Selector(families=("air",)),
        Selector(labels={"station": "qd-*"}),
        {"indicator": "air.x", "station": "qd-1"},
        False,
    ),
]


@pytest.mark.parametrize(("selector", "excluded", "labels", "expected"), EXCEPTIONS)
def test_except_leaves_what_it_matches_to_other_rules(
    selector: Selector, excluded: Selector, labels: dict[str, str], expected: bool
) -> None:
    rule = StaleFeedRule(id="s", applies_to=selector, except_=excluded)
    assert matches(rule, labels) is expected


def test_except_is_read_from_yaml(tmp_path: Path) -> None:
    path = tmp_path / "r.yaml"
    path.write_text(
        "rules:\n  - id: s\n    kind: stale_feed\n    multiplier: 3\n"
        "    except: {families: [air]}\n",
        encoding="utf-8",
    )
    (rule,) = load_rules(path)
    assert rule.except_ == Selector(families=("air",))


def test_render_annotations_keeps_unknown_placeholders() -> None:
    rule = StaleFeedRule(
        id="s",
        annotations={
            "summary": "{series} silent for {silence}",
            "share": "{p:.0%} of {target:>5} {{literal}}",
        },
    )
    assert render_annotations(rule, {"series": "pm25/S01", "p": 0.25}) == {
        "summary": "pm25/S01 silent for {silence}",
        "share": "25% of {target:>5} {literal}",
    }
    assert render_annotations(rule, {"p": "n/a"})["share"].startswith("n/a of")

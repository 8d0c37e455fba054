"""Rule × target or series → signal: breach, band or recovered, and the rule to step with."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from services.alerts.engine.conditions import Signal
from services.alerts.engine.signals import bucket_width, series_signal, target_signal
from services.alerts.rules import ProjectedMissRule, Rule, Severity, ThresholdRule
from services.indicators.assess import Assessment
from services.indicators.plans.model import Baseline
from tests.unit.alerts.factories import (
    T0,
    bucket,
    off_rule,
    series,
    stale_rule,
    stock_input,
    stock_target,
)

BREACH, BAND, RECOVERED = "breach", "band", "recovered"


def outcome(signal: Signal) -> str:
    if signal.firing_condition:
        return BREACH
    return RECOVERED if signal.recovered_condition else BAND


def a(status: str, **numbers: Any) -> Assessment:
    return Assessment("t", status, **numbers)  # type: ignore[arg-type]


OFF = off_rule(recover_for=timedelta(days=3))
MISS = ProjectedMissRule(id="miss", severity=Severity.TICKET, below=0.5, recover_above=0.7)
INPUT = stock_input(1.0, T0)


@pytest.mark.parametrize(
    ("rule", "assessment", "expected", "value", "in_reason"),
    [
        (
            OFF,
            a("off_track", actual=8.0, expected=10.0, shortfall_pct=20.0),
            BREACH,
            20.0,
            "behind",
        ),
        (OFF, a("at_risk", actual=9.7, expected=10.0, shortfall_pct=3.0), BAND, 3.0, "between"),
        (
            OFF,
            a("on_track", actual=10.0, expected=10.0, shortfall_pct=0.0),
            RECOVERED,
            0.0,
            "under",
        ),
        (OFF, a("no_data"), BAND, None, "no shortfall yet"),
        (MISS, a("off_track", probability_met=0.1), BREACH, 0.1, "10%"),
        (MISS, a("at_risk", probability_met=0.6), BAND, 0.6, "between"),
        (MISS, a("no_data"), BAND, None, "no projection"),
    ],
)
def test_open_targets(
    rule: Rule, assessment: Assessment, expected: str, value: float | None, in_reason: str
) -> None:
    signal, applied = target_signal(rule, INPUT, assessment, T0)
    assert outcome(signal) == expected
    assert signal.value == value
    assert in_reason in signal.reason
    assert applied is rule


def test_no_trajectory_to_be_off_while_the_data_has_not_given_the_baseline() -> None:
    """A flow whose baseline is its first complete year: during that year it is judged by
    its projection, not against a trajectory that does not exist yet."""
    flow = stock_target(kind="flow", baseline=Baseline(from_data=True))
    behind = a("off_track", actual=8.0, expected=10.0, shortfall_pct=20.0)
    signal, _ = target_signal(OFF, stock_input(8.0, T0, flow), behind, T0)
    assert outcome(signal) == BAND and "no trajectory" in signal.reason
    stock = stock_target(baseline=Baseline(from_data=True))  # a stock's is its first value
    signal, _ = target_signal(OFF, stock_input(8.0, T0, stock), behind, T0)
    assert outcome(signal) == BREACH


@pytest.mark.parametrize(
    ("assessment", "in_reason"),
    [
        (a("met", actual=41.0, expected=40.0, probability_met=1.0), "target met"),
        (
            a("missed", actual=30.0, expected=40.0, shortfall_pct=25.0),
            "target missed (30.0 against >= 40,000",
        ),
    ],
)
@pytest.mark.parametrize("rule", [OFF, MISS])
def test_closed_targets_recover_at_once(rule: Rule, assessment: Assessment, in_reason: str) -> None:
    after = INPUT.target.deadline_at + timedelta(days=1)
    signal, applied = target_signal(rule, INPUT, assessment, after)
    assert outcome(signal) == RECOVERED
    assert in_reason in signal.reason
    assert applied.recover_for == timedelta(0) and applied.id == rule.id


def test_a_miss_decided_before_the_deadline_stays_an_alert_until_then() -> None:
    """A ceiling already broken in the deadline year: people must hear of it, not see the
    alert close because nothing more can be done."""
    missed = a("missed", actual=30.0, expected=40.0, shortfall_pct=25.0)
    signal, applied = target_signal(OFF, INPUT, missed, T0)
    assert INPUT.target.deadline_at > T0 and outcome(signal) == BREACH
    assert applied is OFF


def heavy(**changes: Any) -> ThresholdRule:
    fields: dict[str, Any] = {
        "id": "pm25-heavy",
        "severity": Severity.TICKET,
        "above": 150.0,
        "recover_below": 115.0,
        "unit": "ug/m3",
    }
    fields.update(changes)
    return ThresholdRule(**fields)


HOUR = {"hour": bucket(T0 - timedelta(minutes=40), 160.0)}
OLD_HOUR = {"hour": bucket(T0 - timedelta(hours=3), 160.0)}


@pytest.mark.parametrize(
    ("rule", "latest", "expected", "value"),
    [
        (heavy(), HOUR, BREACH, 160.0),
        (heavy(), {"hour": bucket(T0, 120.0)}, BAND, 120.0),
        (heavy(), {"hour": bucket(T0, 100.0)}, RECOVERED, 100.0),
        # the newest hour is too old to speak for now: no value
        (heavy(), OLD_HOUR, BAND, None),
        (heavy(), {}, BAND, None),
        # the rule's unit: 160 µg/m³ is 0.16 mg/m³
        (heavy(above=0.15, recover_below=0.1, unit="mg/m3"), HOUR, BREACH, pytest.approx(0.16)),
        # another aggregate of the bucket
        (heavy(aggregate="max"), {"hour": bucket(T0, 100.0)}, RECOVERED, 100.0),
        # a bucket no rollup has
        (heavy(bucket=timedelta(minutes=15)), HOUR, BAND, None),
    ],
)
def test_threshold_rules_read_the_newest_bucket(
    rule: ThresholdRule, latest: dict[str, Any], expected: str, value: object
) -> None:
    signal = series_signal(rule, series(latest=latest), T0)
    assert outcome(signal) == expected
    assert signal.value == value


def test_a_unit_that_cannot_be_converted_says_so() -> None:
    signal = series_signal(heavy(unit="TEU"), series(latest=HOUR), T0)
    assert outcome(signal) == BAND
    assert signal.reason.startswith("cannot compare: ")


@pytest.mark.parametrize(
    ("seen", "expected", "value"),
    [
        (T0 - timedelta(hours=7), BREACH, 7 * 3600.0),
        (T0 - timedelta(hours=5), RECOVERED, 5 * 3600.0),
        (None, BAND, None),
    ],
)
def test_stale_feed(seen: object, expected: str, value: float | None) -> None:
    signal = series_signal(stale_rule(), series(seen=seen), T0)  # type: ignore[arg-type]
    assert outcome(signal) == expected
    assert signal.value == value


def test_rules_of_the_other_side_are_refused() -> None:
    with pytest.raises(TypeError, match="applies to series"):
        target_signal(stale_rule(), INPUT, a("on_track"), T0)
    with pytest.raises(TypeError, match="applies to targets"):
        series_signal(OFF, series(), T0)


def test_bucket_widths() -> None:
    assert bucket_width(heavy()) == "hour"
    assert bucket_width(heavy(bucket=timedelta(days=1))) == "day"
    assert bucket_width(heavy(bucket=timedelta(hours=2))) is None

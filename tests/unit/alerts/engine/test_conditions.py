from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta, timezone

import pytest

from services.alerts.engine.conditions import (
    BurnRateInput,
    OffTrajectoryInput,
    ProjectedMissInput,
    Signal,
    StaleFeedInput,
    ThresholdInput,
    burn_rate,
    check_burn_rate,
    check_off_trajectory,
    check_projected_miss,
    check_stale_feed,
    check_threshold,
    evaluate,
)
from services.alerts.rules import (
    BurnRateRule,
    OffTrajectoryRule,
    ProjectedMissRule,
    Severity,
    StaleFeedRule,
    ThresholdRule,
)

BREACH, BAND, RECOVERED = "breach", "band", "recovered"


def outcome(signal: Signal) -> str:
    if signal.firing_condition:
        return BREACH
    return RECOVERED if signal.recovered_condition else BAND


# --- off_trajectory --------------------------------------------------------------------

OFF = OffTrajectoryRule(id="off", severity=Severity.PAGE, tolerance_pct=10, recover_pct=5)


@pytest.mark.parametrize(
    ("shortfall", "status", "expected", "in_reason"),
    [
        (12.0, "behind", BREACH, "behind trajectory by 12.0 %"),
        (10.0, "behind", BAND, "between"),
        (7.5, "behind", BAND, "between recovery 5 % and tolerance 10 %"),
        (5.0, "behind", BAND, "between"),
        (4.9, "on_track", RECOVERED, "under 5 %"),
        (-20.0, "ahead", RECOVERED, "under"),
        (None, "no_data", BAND, "no shortfall"),
        (80.0, "met", RECOVERED, "target met"),
        (None, "met", RECOVERED, "target met"),
    ],
)
def test_off_trajectory(
    shortfall: float | None, status: str, expected: str, in_reason: str
) -> None:
    signal = check_off_trajectory(OFF, OffTrajectoryInput(shortfall, status))
    assert outcome(signal) == expected
    assert signal.value == shortfall
    assert in_reason in signal.reason


# --- projected_miss --------------------------------------------------------------------

MISS = ProjectedMissRule(id="miss", severity=Severity.TICKET, below=0.5, recover_above=0.7)


@pytest.mark.parametrize(
    ("probability", "status", "expected"),
    [
        (0.2, "", BREACH),
        (0.5, "", BAND),
        (0.6, "", BAND),
        (0.7, "", BAND),
        (0.71, "", RECOVERED),
        (None, "", BAND),
        (0.0, "met", RECOVERED),
    ],
)
def test_projected_miss(probability: float | None, status: str, expected: str) -> None:
    signal = check_projected_miss(MISS, ProjectedMissInput(probability, status))
    assert outcome(signal) == expected


@pytest.mark.parametrize(
    ("probability", "reason"),
    [
        (0.2, "probability of meeting the target 20% < 50%"),
        (0.496, "probability of meeting the target 49.6% < 50%"),  # not "50% < 50%"
        (0.704, "probability of meeting the target 70.4%"),
        (0.6, "probability 60% is between 50% and 70%"),
    ],
)
def test_projected_miss_reasons_never_read_as_their_limit(probability: float, reason: str) -> None:
    assert check_projected_miss(MISS, ProjectedMissInput(probability)).reason == reason


# --- burn_rate -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("needed", "recent", "expected"),
    [
        (10.0, 10.0, 1.0),
        (10.0, 5.0, 2.0),
        (10.0, 20.0, 0.5),
        (10.0, 0.0, math.inf),
        (10.0, -3.0, math.inf),
        (0.0, 5.0, 0.0),
        (-1.0, -5.0, 0.0),
    ],
)
def test_burn_rate(needed: float, recent: float, expected: float) -> None:
    assert burn_rate(needed, recent) == expected


FAST = BurnRateRule(
    id="fast",
    severity=Severity.PAGE,
    short=timedelta(days=7),
    long=timedelta(days=30),
    factor=2,
    recover_factor=1.5,
)


@pytest.mark.parametrize(
    ("needed", "short", "long", "status", "expected", "value"),
    [
        (100.0, 40.0, 45.0, "", BREACH, 100 / 45),
        (100.0, 50.0, 50.0, "", BREACH, 2.0),
        (100.0, 0.0, 40.0, "", BREACH, 2.5),
        (100.0, 40.0, 80.0, "", BAND, 1.25),  # only the short window burns fast
        (100.0, 80.0, 40.0, "", RECOVERED, 1.25),  # short window under recover_factor
        (100.0, 60.0, 40.0, "", BAND, 100 / 60),  # short between 1.5 and 2
        (0.0, 0.0, 0.0, "", RECOVERED, 0.0),  # nothing left to do
        (None, 1.0, 1.0, "", BAND, None),
        (100.0, None, 1.0, "", BAND, None),
        (100.0, 1.0, 1.0, "met", RECOVERED, 0.0),
    ],
)
def test_check_burn_rate(
    needed: float | None,
    short: float | None,
    long: float | None,
    status: str,
    expected: str,
    value: float | None,
) -> None:
    signal = check_burn_rate(FAST, BurnRateInput(needed, short, long, status))
    assert outcome(signal) == expected
    assert signal.value == (pytest.approx(value) if value is not None else None)


def test_burn_rate_recovers_at_factor_by_default() -> None:
    rule = BurnRateRule(
        id="b", severity=Severity.PAGE, short=timedelta(hours=1), long=timedelta(hours=6), factor=2
    )
    assert outcome(check_burn_rate(rule, BurnRateInput(10, 5.1, 1))) == RECOVERED
    assert outcome(check_burn_rate(rule, BurnRateInput(10, 5, 6))) == BAND
    assert "1h / 6h" in check_burn_rate(rule, BurnRateInput(10, 5, 5)).reason


# --- stale_feed ------------------------------------------------------------------------

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
STALE = StaleFeedRule(id="stale", multiplier=3)
STALE_AFTER = StaleFeedRule(id="stale-6h", after=timedelta(hours=6))


@pytest.mark.parametrize(
    ("rule", "last_seen", "cadence", "since", "expected"),
    [
        (STALE, NOW - 2 * HOUR, HOUR, None, RECOVERED),
        (STALE, NOW - 3 * HOUR, HOUR, None, RECOVERED),
        (STALE, NOW - 3 * HOUR - timedelta(seconds=1), HOUR, None, BREACH),
        (STALE, NOW - 40 * HOUR, timedelta(days=1), None, RECOVERED),
        (STALE, NOW - 5 * HOUR, None, None, BAND),  # cadence unknown
        (STALE, None, HOUR, None, BAND),  # never seen, no start known
        (STALE, None, HOUR, NOW - 4 * HOUR, BREACH),  # registered 4h ago, never reported
        (STALE_AFTER, NOW - 5 * HOUR, None, None, RECOVERED),
        (STALE_AFTER, NOW - 7 * HOUR, timedelta(minutes=5), None, BREACH),  # `after` wins
    ],
)
def test_stale_feed(
    rule: StaleFeedRule,
    last_seen: datetime | None,
    cadence: timedelta | None,
    since: datetime | None,
    expected: str,
) -> None:
    signal = check_stale_feed(rule, StaleFeedInput(last_seen, cadence, NOW, since))
    assert outcome(signal) == expected


def test_stale_feed_reason_and_value() -> None:
    signal = check_stale_feed(STALE, StaleFeedInput(NOW - 4 * HOUR, HOUR, NOW))
    assert signal.value == 4 * 3600
    assert signal.reason == "no data for 4h (limit 3h)"


def test_stale_feed_works_across_timezones() -> None:
    shanghai = timezone(timedelta(hours=8))
    last_seen = datetime(2025, 3, 1, 19, 30, tzinfo=shanghai)  # 11:30 UTC
    signal = check_stale_feed(STALE, StaleFeedInput(last_seen, HOUR, NOW))
    assert outcome(signal) == RECOVERED and signal.value == 1800


def test_stale_feed_refuses_naive_datetimes() -> None:
    with pytest.raises(ValueError, match="timezone"):
        StaleFeedInput(datetime(2025, 3, 1), HOUR, NOW)


# --- threshold -------------------------------------------------------------------------

PM25 = ThresholdRule(id="pm25", severity=Severity.PAGE, above=150, recover_below=115, unit="ug/m3")
PM25_NO_BAND = ThresholdRule(id="pm25b", severity=Severity.PAGE, above=150)
LOW = ThresholdRule(id="low", severity=Severity.TICKET, below=10, recover_above=12)


@pytest.mark.parametrize(
    ("rule", "value", "expected", "reason"),
    [
        (PM25, 151.0, BREACH, "151 ug/m3 > 150"),
        (PM25, 150.0, BAND, "150 ug/m3 is between 115 and 150"),
        (PM25, 120.0, BAND, "between"),
        (PM25, 114.9, RECOVERED, "114.9 ug/m3 < 115"),
        (PM25, None, BAND, "no value"),
        (PM25_NO_BAND, 150.1, BREACH, "> 150"),
        (PM25_NO_BAND, 149.9, RECOVERED, "< 150"),
        (LOW, 9.0, BREACH, "9 < 10"),
        (LOW, 11.0, BAND, "between 12 and 10"),
        (LOW, 12.5, RECOVERED, "12.5 > 12"),
    ],
)
def test_threshold(rule: ThresholdRule, value: float | None, expected: str, reason: str) -> None:
    signal = check_threshold(rule, ThresholdInput(value))
    assert outcome(signal) == expected
    assert reason in signal.reason


# --- dispatch and the signal itself ----------------------------------------------------


def test_evaluate_dispatches_and_carries_labels() -> None:
    labels = {"series": "air.pm25/S01", "station": "S01"}
    signal = evaluate(PM25, ThresholdInput(200), labels)
    assert outcome(signal) == BREACH and dict(signal.labels) == labels
    assert evaluate(OFF, OffTrajectoryInput(20)).labels == {}


def test_evaluate_refuses_a_mismatched_input() -> None:
    with pytest.raises(TypeError, match="takes no OffTrajectoryInput"):
        evaluate(PM25, OffTrajectoryInput(20))


def test_signal_cannot_breach_and_recover_at_once() -> None:
    with pytest.raises(ValueError, match="both"):
        Signal(True, True, 1.0, "")

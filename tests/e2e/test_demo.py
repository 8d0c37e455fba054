"""The scripted scenario of the simulated feeds, replayed through the real pipeline, raises
exactly the alerts it is written to raise, and the report renders in a real browser."""

from __future__ import annotations

import pytest

from services.demo.simulate import SCENARIO, SILENT_STATION, STATIONS
from tests.e2e.conftest import DemoRun

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.timeout(900)]

TARGET_RULES = ("off-trajectory", "projected-miss", "burn-rate")


def fired(run: DemoRun, subject: str) -> list[str]:
    return [a.rule for a in run.outcome.report.alerts if a.subject == subject]


def test_every_reading_pushed_is_accepted_and_stored_once(demo_run: DemoRun) -> None:
    r = demo_run.result
    assert r.pushed > 300_000
    assert (r.accepted, r.rejected) == (r.pushed, 0)
    assert r.stored == r.accepted


@pytest.mark.parametrize("target", SCENARIO["on_track"])
def test_on_track_targets_raise_no_alert_and_end_met(demo_run: DemoRun, target: str) -> None:
    assert fired(demo_run, target) == []
    assert demo_run.outcome.statuses[target] == "met"


@pytest.mark.parametrize("target", SCENARIO["drifts_off"])
def test_drifting_targets_raise_target_alerts_and_end_behind(
    demo_run: DemoRun, target: str
) -> None:
    rules = fired(demo_run, target)
    assert any(r.startswith("off-trajectory") for r in rules), rules
    assert any(r.startswith("projected-miss") for r in rules), rules
    assert demo_run.outcome.statuses[target] in ("missed", "off_track")


def test_a_target_that_catches_up_fires_then_resolves_and_ends_met(demo_run: DemoRun) -> None:
    (target,) = SCENARIO["recovers"]
    episodes = [a for a in demo_run.outcome.report.alerts if a.subject == target]
    assert episodes and all(a.resolved_at is not None for a in episodes), episodes
    assert demo_run.outcome.statuses[target] == "met"


def test_the_pollution_episode_is_flagged_and_the_year_still_ends_met(demo_run: DemoRun) -> None:
    (target,) = SCENARIO["episode"]
    during = [
        a
        for a in demo_run.outcome.report.alerts
        if a.subject == target and a.fired_at is not None and a.fired_at.year == 2025
    ]
    assert during and all(a.resolved_at is not None for a in during), during
    assert demo_run.outcome.statuses[target] == "met"
    assert demo_run.outcome.statuses["air.heavy_pollution_days.2025"] == "missed"


def test_only_the_silent_station_is_reported_stale_and_only_once(demo_run: DemoRun) -> None:
    stale = [a for a in demo_run.outcome.report.alerts if a.rule.startswith("stale-feed")]
    assert [(a.subject, a.resolved_at) for a in stale] == [(f"air.pm25/{SILENT_STATION}", None)]
    assert SILENT_STATION in STATIONS and SCENARIO["stale"] == [f"air.pm25/{SILENT_STATION}"]


def test_every_alert_says_why_it_fired(demo_run: DemoRun) -> None:
    alerts = demo_run.outcome.report.alerts
    assert alerts and all(a.summary and a.fired_at for a in alerts)
    target_alerts = [a for a in alerts if a.rule.startswith(TARGET_RULES)]
    assert target_alerts

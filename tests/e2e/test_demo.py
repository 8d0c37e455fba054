"""The demo's script (services.demo.simulate.script), replayed through the real pipeline: every
story's alerts fire in time and its target ends as written, nothing outside the stories raises
an alert of any kind, and every target is in the table. The truth is read from the script;
the report renders in a real browser (test_report_browser.py)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from services.demo.report import AlertLine
from services.demo.simulate import CST, STORIES, Story, story_of
from services.demo.summary import format_table
from services.indicators.plans import load_plans, targets_of
from services.language import Language
from tests.e2e.conftest import UNTIL, DemoRun

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.timeout(900)]

TARGETS = targets_of(load_plans())
EVALUATED_EVERY = timedelta(days=7)  # an alert is seen at the first evaluation after it is due


def _story(subject: str) -> Story:
    return next(s for s in STORIES if s.subject == subject)


def _day(t: datetime) -> date:
    return t.astimezone(CST).date()


def _kind(run: DemoRun, a: AlertLine) -> str:
    return run.outcome.rule_kinds[a.rule]


def _about(run: DemoRun, subject: str) -> list[AlertLine]:
    return [a for a in run.outcome.report.alerts if a.subject == subject]


def test_every_reading_pushed_is_accepted_and_stored_once(demo_run: DemoRun) -> None:
    r = demo_run.result
    assert r.pushed > 400_000
    assert (r.accepted, r.rejected) == (r.pushed, 0)
    assert r.stored == r.accepted


@pytest.mark.parametrize("subject", [s.subject for s in STORIES if s.alerts])
def test_each_story_raises_its_alerts_in_time(demo_run: DemoRun, subject: str) -> None:
    story = _story(subject)
    alerts = [a for a in demo_run.outcome.report.alerts if story.covers(a.subject)]
    for kind, by in story.alerts.items():
        fired = sorted(
            _day(a.fired_at) for a in alerts if _kind(demo_run, a) == kind and a.fired_at
        )
        in_time = [d for d in fired if story.onset <= d <= by + EVALUATED_EVERY]
        assert in_time, f"no {kind} alert between {story.onset} and {by}: {fired}"


@pytest.mark.parametrize("subject", [s.subject for s in STORIES if s.final])
def test_each_story_target_ends_as_scripted(demo_run: DemoRun, subject: str) -> None:
    assert demo_run.outcome.statuses[subject] == _story(subject).final


@pytest.mark.parametrize("story", [s for s in STORIES if s.until], ids=lambda s: s.subject)
def test_the_alerts_of_a_behaviour_that_ended_have_resolved(
    demo_run: DemoRun, story: Story
) -> None:
    alerts = [a for a in demo_run.outcome.report.alerts if _admits(story, demo_run, a)]
    assert all(a.resolved_at is not None for a in alerts), alerts


@pytest.mark.parametrize("target", [t.id for t in TARGETS])
def test_no_target_alert_but_what_its_story_says(demo_run: DemoRun, target: str) -> None:
    """Outside the stories: no alert of any kind. A story's target: only the kinds it names
    or allows, none before its behaviour begins."""
    for a in _about(demo_run, target):
        assert _admitted(demo_run, a) is None, _admitted(demo_run, a)


def test_no_feed_alert_but_the_scripted_ones(demo_run: DemoRun) -> None:
    """The silent station's stale feed, and the episode's hours of heavy pollution."""
    ids = {t.id for t in TARGETS}
    series = [a for a in demo_run.outcome.report.alerts if a.subject not in ids]
    for a in series:
        assert _admitted(demo_run, a) is None, _admitted(demo_run, a)
    assert any(_kind(demo_run, a) == "stale_feed" for a in series)


def _admitted(run: DemoRun, a: AlertLine) -> str | None:
    """None when a story covering the alert's subject admits it, else why none does."""
    stories = [s for s in STORIES if s.covers(a.subject)]
    if any(_admits(s, run, a) for s in stories):
        return None
    said = f"{a.rule} ({_kind(run, a)}) on {a.subject}, fired {a.fired_at}: {a.summary}"
    if not stories:
        return f"no story: {said}"
    return f"not in the story of {', '.join(s.subject for s in stories)}: {said}"


def _admits(story: Story, run: DemoRun, a: AlertLine) -> bool:
    """The alert is of a kind the story names or allows, fired once the behaviour began (a
    feed's allowed alerts while it lasts; a target's may follow it)."""
    kind = _kind(run, a)
    if not story.covers(a.subject) or kind not in (*story.alerts, *story.may):
        return False
    assert a.fired_at is not None
    fired = _day(a.fired_at)
    late = (
        story.final is None  # a feed's
        and story.until is not None
        and kind not in story.alerts
        and fired > story.until + EVALUATED_EVERY
    )
    return fired >= story.onset and not late


@pytest.mark.parametrize("target", [t.id for t in TARGETS if story_of(t.id) is None])
def test_targets_outside_the_stories_end_met_or_on_track(demo_run: DemoRun, target: str) -> None:
    found = next(t for t in TARGETS if t.id == target)
    passed = found.deadline_at <= UNTIL
    assert demo_run.outcome.statuses[target] in (("met",) if passed else ("on_track", "met"))


def test_every_target_is_in_the_table_the_regions_with_their_region(demo_run: DemoRun) -> None:
    report = demo_run.outcome.report
    assert {t.target_id for t in report.targets} == {t.id for t in TARGETS}
    lines = format_table(report, Language.EN).splitlines()
    for t in TARGETS:
        row = next((line for line in lines if line.startswith(f"{t.id} ")), None)
        assert row is not None, f"{t.id} is not in the table"
        if t.region is not None:
            assert report.names.region(t.region, Language.EN) in row, row
    chinese = format_table(report, Language.ZH)
    assert "西海岸新区" in chinese and "山东自贸试验区青岛片区" in chinese

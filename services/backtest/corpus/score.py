"""The scoreboard: what a corpus run got right and wrong, against each scenario's truth.

- false pages: a page on a target that is quiet or near its line, on a drifting target
  before its drift could call for action this week (``page_from``), or on a feed;
- alerts on comfortable targets: any alert at all on a target at least 3 % ahead of its
  trajectory throughout (must be none);
- false tickets: tickets on targets near their line, and on drifting targets before the
  drift began, counted per 20 target-years near the line;
- missed detections and detection delay: the first alert on a drifting target at or after
  the drift's onset (the change point written in the scenario), in weeks;
- final statuses: the status each target ends with;
- feeds: each silent feed reported by its date, and no feed alert that is not expected.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from services.backtest.corpus.model import Scenario
from services.backtest.outcome import AlertEpisode, BacktestResult
from services.indicators.city import CITY_TZ

__all__ = ["HOLDS", "Score", "ScenarioScore", "score_scenario", "total"]

HOLDS = {
    "false_pages": 0,
    "alerts_on_comfortable": 0,
    "false_tickets_per_20_near_years": 1.0,
    "missed_detections": 0,
    "median_delay_weeks": 8.0,
    "final_wrong": 0,
    "feeds_missed": 0,
    "false_feed_alerts": 0,
}


@dataclass(slots=True)
class ScenarioScore:
    name: str
    false_pages: list[str] = field(default_factory=list)
    alerts_on_comfortable: list[str] = field(default_factory=list)
    false_tickets: list[str] = field(default_factory=list)
    near_years: float = 0.0
    missed: list[str] = field(default_factory=list)
    delays_weeks: list[float] = field(default_factory=list)
    final_wrong: list[str] = field(default_factory=list)
    finals: int = 0
    feeds_missed: list[str] = field(default_factory=list)
    false_feed_alerts: list[str] = field(default_factory=list)

    @property
    def problems(self) -> list[str]:
        return [
            *self.false_pages, *self.alerts_on_comfortable, *self.false_tickets, *self.missed,
            *self.final_wrong, *self.feeds_missed, *self.false_feed_alerts,
        ]  # fmt: skip


@dataclass(frozen=True, slots=True)
class Score:
    scenarios: int
    false_pages: int
    alerts_on_comfortable: int
    false_tickets: int
    near_years: float
    missed_detections: int
    drifts: int
    delays_weeks: tuple[float, ...]
    final_wrong: int
    finals: int
    feeds_missed: int
    false_feed_alerts: int

    @property
    def false_tickets_per_20_near_years(self) -> float:
        return 20.0 * self.false_tickets / self.near_years if self.near_years else 0.0

    @property
    def median_delay_weeks(self) -> float:
        return statistics.median(self.delays_weeks) if self.delays_weeks else 0.0

    def failures(self) -> list[str]:
        figures = {
            "false_pages": self.false_pages,
            "alerts_on_comfortable": self.alerts_on_comfortable,
            "false_tickets_per_20_near_years": self.false_tickets_per_20_near_years,
            "missed_detections": self.missed_detections,
            "median_delay_weeks": self.median_delay_weeks,
            "final_wrong": self.final_wrong,
            "feeds_missed": self.feeds_missed,
            "false_feed_alerts": self.false_feed_alerts,
        }
        return [
            f"{name} = {value:g} (at most {HOLDS[name]:g})"
            for name, value in figures.items()
            if value > HOLDS[name]
        ]

    def json(self) -> dict[str, object]:
        return {
            "scenarios": self.scenarios,
            "false_pages": self.false_pages,
            "alerts_on_comfortable": self.alerts_on_comfortable,
            "false_tickets": self.false_tickets,
            "near_target_years": round(self.near_years, 2),
            "false_tickets_per_20_near_years": round(self.false_tickets_per_20_near_years, 3),
            "drifts": self.drifts,
            "missed_detections": self.missed_detections,
            "detection_delay_weeks": sorted(round(d, 1) for d in self.delays_weeks),
            "median_delay_weeks": round(self.median_delay_weeks, 2),
            "final_statuses": self.finals,
            "final_wrong": self.final_wrong,
            "feeds_missed": self.feeds_missed,
            "false_feed_alerts": self.false_feed_alerts,
            "holds": HOLDS,
            "passed": not self.failures(),
        }

    def table(self) -> str:
        d = self.delays_weeks
        delay = (
            f"median {self.median_delay_weeks:.1f}, max {max(d):.1f} weeks over {len(d)} drifts"
            if d
            else "no drift caught"
        )
        rows = [
            ("scenarios", f"{self.scenarios}"),
            ("false pages", f"{self.false_pages} (must be 0)"),
            ("alerts on comfortable targets", f"{self.alerts_on_comfortable} (must be 0)"),
            (
                "false tickets near the line",
                f"{self.false_tickets} in {self.near_years:.1f} target-years = "
                f"{self.false_tickets_per_20_near_years:.2f} per 20 (at most 1)",
            ),
            ("missed detections", f"{self.missed_detections} of {self.drifts} (must be 0)"),
            ("detection delay from onset", f"{delay} (median at most 8)"),
            (
                "final statuses right",
                f"{self.finals - self.final_wrong} of {self.finals} (must be all)",
            ),
            (
                "silent feeds reported",
                f"{self.feeds_missed} missed, {self.false_feed_alerts} false",
            ),
        ]
        width = max(len(k) for k, _ in rows)
        return "\n".join(f"{k:<{width}}  {v}" for k, v in rows)


def _day(t: datetime) -> date:
    return t.astimezone(CITY_TZ).date()


def score_scenario(scenario: Scenario, result: BacktestResult) -> ScenarioScore:
    s = ScenarioScore(scenario.name)
    years = (scenario.end - scenario.start).days / 365.25
    expected_feeds = {f.subject: f for f in scenario.feeds}
    for a in result.alerts:
        if a.kind == "feed":
            _feed_alert(s, scenario, a, expected_feeds)
    for truth in scenario.truths:
        mine = [a for a in result.alerts if a.subject == truth.target and a.kind != "feed"]
        if scenario.threshold_alerts_expected:
            mine += [a for a in result.alerts if a.kind == "feed" and a.rule.startswith("pm25")]
        mine.sort(key=lambda a: a.fired_at)
        where = f"{scenario.name}: {truth.target}"
        if truth.expect == "quiet":
            s.alerts_on_comfortable += [f"{where}: {_said(a)}" for a in mine]
        elif truth.expect == "near":
            s.near_years += years
            s.false_pages += [f"{where}: {_said(a)}" for a in mine if a.severity == "page"]
            s.false_tickets += [f"{where}: {_said(a)}" for a in mine if a.severity != "page"]
        else:
            _drift(s, where, truth.onset, truth.page_from, truth.no_data_alert, mine)
        final = result.final.get(truth.target)
        s.finals += 1
        got = final.status if final else "(not judged)"
        if got != truth.final:
            s.final_wrong.append(f"{where}: final status {got}, should be {truth.final}")
    for f in scenario.feeds:
        if not any(
            a.kind == "feed" and a.subject == f.subject and _day(a.fired_at) <= f.by
            for a in result.alerts
        ):
            s.feeds_missed.append(f"{scenario.name}: {f.subject} not reported by {f.by}")
    return s


def _feed_alert(
    s: ScenarioScore, scenario: Scenario, a: AlertEpisode, expected: Mapping[str, object]
) -> None:
    if a.subject in expected or (scenario.threshold_alerts_expected and a.rule.startswith("pm25")):
        return
    where = f"{scenario.name}: {a.subject}"
    s.false_feed_alerts.append(f"{where}: {_said(a)}")
    if a.severity == "page":
        s.false_pages.append(f"{where}: {_said(a)}")


def _drift(
    s: ScenarioScore,
    where: str,
    onset: date | None,
    page_from: date | None,
    no_data_alert: bool,
    mine: Sequence[AlertEpisode],
) -> None:
    start = onset or date.min
    before = [a for a in mine if _day(a.fired_at) < start]
    s.false_tickets += [
        f"{where}: before the drift: {_said(a)}" for a in before if a.severity != "page"
    ]
    s.false_pages += [
        f"{where}: {_said(a)}"
        for a in mine
        if a.severity == "page" and (page_from is None or _day(a.fired_at) < page_from)
    ]
    after = [a for a in mine if _day(a.fired_at) >= start]
    if no_data_alert:
        after = [a for a in after if a.kind == "no_data"]
    if not after:
        s.missed.append(f"{where}: no alert after the onset {onset or ''}".rstrip())
        return
    if onset is not None:
        s.delays_weeks.append((_day(after[0].fired_at) - onset).days / 7)


def _said(a: AlertEpisode) -> str:
    return f"{a.severity} {a.rule} on {_day(a.fired_at)} ({a.reason})"


def total(scores: Sequence[ScenarioScore], drifts: int) -> Score:
    return Score(
        scenarios=len(scores),
        false_pages=sum(len(s.false_pages) for s in scores),
        alerts_on_comfortable=sum(len(s.alerts_on_comfortable) for s in scores),
        false_tickets=sum(len(s.false_tickets) for s in scores),
        near_years=sum(s.near_years for s in scores),
        missed_detections=sum(len(s.missed) for s in scores),
        drifts=drifts,
        delays_weeks=tuple(d for s in scores for d in s.delays_weeks),
        final_wrong=sum(len(s.final_wrong) for s in scores),
        finals=sum(s.finals for s in scores),
        feeds_missed=sum(len(s.feeds_missed) for s in scores),
        false_feed_alerts=sum(len(s.false_feed_alerts) for s in scores),
    )

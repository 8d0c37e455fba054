"""Prometheus metrics of the alert engine, built on a registry the caller owns.

Names match what services/data/prometheus/rules select on: ``ontrack_rule_evaluation_duration_seconds``
(the engine is alive), ``ontrack_alerts_leader`` (which replica leads) and
``ontrack_feed_series{indicator,state}`` (feeds gone silent). The feed metrics are counted
at scrape time from the newest readings the engine saw, per indicator: a label per series
would be a million series for Prometheus (and memory in the engine); the per-series view is
the database's ``feed_freshness``, which the feed health dashboard tables.
"""

from __future__ import annotations

import time
from array import array
from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Final

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from services.alerts.engine import Outcome, Snapshot, State
from services.indicators.assess import STATUSES

__all__ = ["FEED_STATES", "TRIGGERS", "EngineMetrics", "FeedCollector"]

TRIGGERS: Final = ("tick", "event")
_SEVERITIES: Final = ("page", "ticket", "info")
# As the database's feed_state(): fresh within 1.5 cadences, late within 3, silent beyond.
FEED_STATES: Final = (("fresh", 1.5), ("late", 3.0), ("silent", None))


class FeedCollector(Collector):
    """Per indicator: its series by freshness state, the longest silence, the cadence.

    Holds the sorted Unix times of each indicator's newest readings (8 bytes a series), so
    that ages are those at the scrape, not at the last evaluation.
    """

    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self.last_seen: dict[str, array[float]] = {}
        self.cadence: dict[str, float] = {}

    def update(self, snapshot: Snapshot) -> None:
        """Take the series of a complete snapshot (forgets series no longer there)."""
        seen: dict[str, list[float]] = {}
        cadence: dict[str, float] = {}
        for s in snapshot.series:
            if s.last_seen is not None:
                seen.setdefault(s.indicator, []).append(s.last_seen.timestamp())
            if s.cadence:
                cadence[s.indicator] = s.cadence.total_seconds()
        self.last_seen = {ind: array("d", sorted(times)) for ind, times in seen.items()}
        self.cadence = cadence

    def collect(self) -> Iterator[Metric]:
        now = self._clock()
        series = GaugeMetricFamily(
            "ontrack_feed_series",
            "Series of an indicator by freshness against its cadence: fresh (within 1.5 "
            "cadences), late (within 3), silent (beyond)",
            labels=["indicator", "state"],
        )
        oldest = GaugeMetricFamily(
            "ontrack_feed_oldest_silence_seconds",
            "Seconds since the newest reading of the longest-silent series of an indicator",
            labels=["indicator"],
        )
        for indicator, times in sorted(self.last_seen.items()):
            oldest.add_metric([indicator], max(0.0, now - times[0]))
            cadence = self.cadence.get(indicator)
            if cadence is None:
                continue  # no cadence: no state
            newer = len(times)  # series newer than the previous state's limit
            for state, cadences in FEED_STATES:
                older = 0 if cadences is None else bisect_left(times, now - cadences * cadence)
                series.add_metric([indicator, state], float(newer - older))
                newer = older
        cadences_family = GaugeMetricFamily(
            "ontrack_feed_cadence_seconds",
            "How often each series of an indicator is expected to report",
            labels=["indicator"],
        )
        for indicator, seconds in sorted(self.cadence.items()):
            cadences_family.add_metric([indicator], seconds)
        yield series
        yield oldest
        yield cadences_family

    def describe(self) -> Iterator[Metric]:
        return iter(())


@dataclass(frozen=True)
class EngineMetrics:
    registry: CollectorRegistry
    duration: Histogram
    runs: Counter
    failures: Counter
    checks: Counter
    targets_evaluated: Counter
    transitions: Counter
    alerts: Gauge
    targets: Gauge
    last_success: Gauge
    events: Counter
    leader: Gauge
    feeds: FeedCollector = field(repr=False)

    @classmethod
    def create(
        cls,
        registry: CollectorRegistry,
        clock: Callable[[], float] = time.time,
        shard: str = "0/1",
    ) -> EngineMetrics:
        feeds = FeedCollector(clock)
        registry.register(feeds)
        m = cls(
            registry=registry,
            duration=Histogram(
                "ontrack_rule_evaluation_duration_seconds",
                "Time of one evaluation: read the data, judge every target and rule, store",
                ["trigger"],
                buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
                registry=registry,
            ),
            runs=Counter(
                "ontrack_alert_evaluations_total",
                "Evaluations run, by trigger (clock tick, or aggregates event)",
                ["trigger"],
                registry=registry,
            ),
            failures=Counter(
                "ontrack_alert_evaluation_failures_total",
                "Evaluations that failed (database or broker unavailable), by trigger",
                ["trigger"],
                registry=registry,
            ),
            checks=Counter(
                "ontrack_rule_evaluations_total",
                "Rules evaluated against one target or series, by rule kind",
                ["kind"],
                registry=registry,
            ),
            targets_evaluated=Counter(
                "ontrack_target_evaluations_total",
                "Targets judged (status, gap, projection)",
                registry=registry,
            ),
            transitions=Counter(
                "ontrack_alert_transitions_total",
                "Alert lifecycle transitions, by the state entered",
                ["to_state"],
                registry=registry,
            ),
            alerts=Gauge(
                "ontrack_alerts",
                "Alerts by lifecycle state and severity",
                ["state", "severity"],
                registry=registry,
            ),
            targets=Gauge(
                "ontrack_targets",
                "Targets by status at the last complete evaluation",
                ["status"],
                registry=registry,
            ),
            last_success=Gauge(
                "ontrack_alert_last_evaluation_timestamp_seconds",
                "Unix time of the last evaluation stored (0: none yet)",
                registry=registry,
            ),
            events=Counter(
                "ontrack_alert_events_consumed_total",
                "Messages read from the aggregates topic, by outcome (used or unreadable)",
                ["outcome"],
                registry=registry,
            ),
            leader=Gauge(
                "ontrack_alerts_leader",
                "1 while this engine holds its shard's leader lock and evaluates, 0 while it "
                "stands by (shard: index/count, 0/1 for a single engine)",
                ["shard"],
                registry=registry,
            ).labels(shard),
            feeds=feeds,
        )
        for trigger in TRIGGERS:
            m.duration.labels(trigger)
            m.runs.labels(trigger)
            m.failures.labels(trigger)
        for state in State:
            m.transitions.labels(str(state))
        for outcome in ("used", "unreadable"):
            m.events.labels(outcome)
        return m

    def evaluated(
        self, trigger: str, snapshot: Snapshot, outcome: Outcome, seconds: float, at: float
    ) -> None:
        """Count one stored evaluation."""
        self.duration.labels(trigger).observe(seconds)
        self.runs.labels(trigger).inc()
        self.targets_evaluated.inc(len(outcome.statuses))
        for kind, n in outcome.checks_by_kind.items():
            self.checks.labels(kind).inc(n)
        for t in outcome.transitions:
            self.transitions.labels(str(t.to_state)).inc()
        if snapshot.complete:
            self.feeds.update(snapshot)
            counts = {s: 0 for s in STATUSES}
            for st in outcome.statuses:
                counts[st.assessment.status] += 1
            for status, n in counts.items():
                self.targets.labels(status).set(n)
        self.last_success.set(at)

    def alert_counts(self, counts: Iterable[tuple[str, str, int]]) -> None:
        """Set the alerts gauge from (state, severity, count) rows; absent pairs are 0."""
        table: dict[tuple[str, str], int] = {(str(s), sev): 0 for s in State for sev in _SEVERITIES}
        for state, severity, n in counts:
            table[(state, severity)] = n
        for (state, severity), n in table.items():
            self.alerts.labels(state, severity).set(n)

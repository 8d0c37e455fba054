"""The demo's script: what the simulated feeds do on purpose, and what the engine must say.

Every target the plans hold is fed, and is comfortably on track — at least 3 % ahead of
its trajectory once a few reports are in (a share bounded near its target: at or above
it), with realistic seasons and noise — except the subjects of these stories. A story
names its subject (a target, or the series of a feed as ``indicator/source``, a pattern
allowed), when its behaviour begins in the feeds (the change point written into them,
not the day a gap shows), the alerts that must follow by rule kind and the date by which
each has fired, the kinds that may fire besides, when the behaviour ends (the alerts then
resolve) and the target's status at the end.

The feeds read their change points from here, and the end-to-end test reads the truth
from here: nothing else may raise an alert.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from types import MappingProxyType
from typing import Literal

__all__ = ["STORIES", "TARGET_KINDS", "RuleKind", "Story", "story", "story_of"]

RuleKind = Literal[
    "off_trajectory", "projected_miss", "burn_rate", "no_data", "stale_feed", "threshold"
]
TARGET_KINDS: tuple[RuleKind, ...] = ("off_trajectory", "projected_miss", "burn_rate")


def _none() -> Mapping[RuleKind, date]:
    return MappingProxyType({})


@dataclass(frozen=True, slots=True)
class Story:
    """One scripted behaviour and what it must make the engine say (see module doc)."""

    subject: str
    about: str
    onset: date
    alerts: Mapping[RuleKind, date] = field(default_factory=_none)
    may: tuple[RuleKind, ...] = ()
    until: date | None = None
    final: str | None = None

    def covers(self, subject: str) -> bool:
        return fnmatch.fnmatchcase(subject, self.subject)


STORIES: tuple[Story, ...] = (
    Story(
        "port.sea_rail_teu.2025",
        "sea-rail boxes fall in 2025, 11 % under the 2.2 million TEU the plan sets",
        onset=date(2025, 1, 1),
        alerts={"off_trajectory": date(2025, 3, 31), "projected_miss": date(2025, 7, 31)},
        may=TARGET_KINDS,
        final="missed",
    ),
    Story(
        "telecom.5g_base_stations.2026",
        "5G building all but stops in 2026 (40 stations a month): 40 000 out of reach",
        onset=date(2026, 1, 1),
        alerts={"burn_rate": date(2026, 3, 31), "projected_miss": date(2026, 11, 30)},
        may=TARGET_KINDS,
        final="off_track",
    ),
    Story(
        "power.renewable_capacity.2025",
        "renewable capacity stalls through 2024 and catches up in 2025",
        onset=date(2024, 1, 1),
        # ahead of its path in January by more than the slow burn's 90 days of it: the
        # ticket comes once a stall of 90 days would leave it behind (late July)
        alerts={"burn_rate": date(2024, 8, 31)},
        may=TARGET_KINDS,
        until=date(2025, 1, 1),
        final="met",
    ),
    Story(
        "air.pm25.2025",
        "a week of heavy pollution in January 2025 lifts the year's mean for months; "
        "the year still ends under 30 µg/m³",
        onset=date(2025, 1, 8),
        alerts={"off_trajectory": date(2025, 3, 1)},
        may=TARGET_KINDS,
        until=date(2025, 1, 14),
        final="met",
    ),
    Story(
        "air.good_days_ratio.2025",
        "the episode's week has no good day: the year's share dips in January and still "
        "ends far above 88.8 %",
        onset=date(2025, 1, 8),
        may=TARGET_KINDS,
        until=date(2025, 1, 14),
        final="met",
    ),
    Story(
        "air.heavy_pollution_days.2025",
        "the January 2025 episode makes six heavily polluted days: the year's zero is missed",
        onset=date(2025, 1, 8),
        may=TARGET_KINDS,
        final="missed",
    ),
    Story(
        "air.pm25/*",
        "station hours over 150 µg/m³ during the January 2025 episode",
        onset=date(2025, 1, 8),
        may=("threshold",),
        until=date(2025, 1, 14),
    ),
    Story(
        "air.pm25/qd-pingdu-1",
        "the Pingdu station falls silent on 20 October 2026",
        onset=date(2026, 10, 20),
        alerts={"stale_feed": date(2026, 10, 31)},
    ),
    Story(
        "power.ev_charging_piles.west-coast.2025",
        "charging piles stop being built in the West Coast New Area from July 2024; the "
        "rest of the city builds on, so the city's own target is met",
        onset=date(2024, 7, 1),
        alerts={"burn_rate": date(2024, 10, 31), "off_trajectory": date(2025, 6, 30)},
        may=TARGET_KINDS,
        final="missed",
    ),
    Story(
        "airport.international_destinations.2025",
        "international destinations reach 40 in 2024, then the 2025 summer schedule drops "
        "eight: the target reached is lost again, and missed",
        onset=date(2025, 3, 30),
        alerts={"off_trajectory": date(2025, 5, 31)},
        may=TARGET_KINDS,
        final="missed",
    ),
    Story(
        "people.resident_population.2025",
        "the population grows by 3–8万 a year, not the 22万 a year that 1100万 by 2025 needs; "
        "the statistics come once a year",
        onset=date(2023, 1, 1),
        alerts={"off_trajectory": date(2024, 6, 30)},
        may=TARGET_KINDS,
        final="missed",
    ),
    Story(
        "transport.rail_transit_km.2025",
        "the metro's feed is connected only in September 2023 (its August figure first): no "
        "data until then, then on track as lines open, and met",
        onset=date(2022, 12, 30),
        alerts={"no_data": date(2023, 5, 31)},
        until=date(2023, 9, 15),
        final="met",
    ),
)


def story(subject: str) -> Story:
    """The story about exactly ``subject`` (a target id or a series)."""
    for s in STORIES:
        if s.subject == subject:
            return s
    raise KeyError(f"no story is about {subject!r}")


def story_of(subject: str) -> Story | None:
    """The story that covers ``subject`` (patterns included), if any; exact ones first."""
    exact = [s for s in STORIES if s.subject == subject]
    if exact:
        return exact[0]
    return next((s for s in STORIES if s.covers(subject)), None)

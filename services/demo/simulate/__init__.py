"""SIMULATED feeds for the demo — realistic shapes, not real data.

Every provider a target rests on, from January 2023 on: the environment monitoring centre
(hourly PM2.5 at twelve stations; monthly surface water and quarterly sea-water surveys),
the port (daily TEU, tonnes and China–Europe trains; monthly sea-rail, transshipment,
routes), the airport (daily passengers and cargo, monthly destinations), the grid company
(monthly capacity, generation, supply capacity, and charging piles by district), three
telecom operators (monthly 5G base stations, one operator sending increments), customs
(monthly trade, the free-trade area's apart), and the bureaus whose statistics come
monthly, quarterly or once a year, published some weeks after their period: statistics
(the economy, people, industry, society; the West Coast New Area's own office for its
region), agriculture, water, energy, natural resources, transport, the metro, the
high-tech zone's north park.

Nearly everything is comfortably on track; ``script.STORIES`` says what is not, from when,
and what the engine must say about it.
"""

from services.demo.simulate.air import EPISODE, SILENT_FROM, SILENT_STATION, STATIONS
from services.demo.simulate.base import CST, START, Feed
from services.demo.simulate.feeds import PROVIDERS, readings_between
from services.demo.simulate.script import STORIES, TARGET_KINDS, RuleKind, Story, story, story_of

__all__ = [
    "CST",
    "EPISODE",
    "PROVIDERS",
    "SILENT_FROM",
    "SILENT_STATION",
    "START",
    "STATIONS",
    "STORIES",
    "TARGET_KINDS",
    "Feed",
    "RuleKind",
    "Story",
    "readings_between",
    "story",
    "story_of",
]

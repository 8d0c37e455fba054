"""Every simulated feed, window by window, and the providers that send them."""

from __future__ import annotations

import random
from collections.abc import Iterator, Mapping
from datetime import datetime
from types import MappingProxyType

from services.demo.simulate.air import air
from services.demo.simulate.airport import airport
from services.demo.simulate.base import START, Feed
from services.demo.simulate.bureaus import OFFICES
from services.demo.simulate.grid import grid
from services.demo.simulate.port import port
from services.demo.simulate.statistics import publish
from services.demo.simulate.telecom import telecom

__all__ = ["PROVIDERS", "readings_between"]


def _providers() -> Mapping[str, tuple[str, ...]]:
    """Each provider and the indicators its key may push (patterns allowed)."""
    sends: dict[str, set[str]] = {
        "environment-centre": {"air.*"},
        "qingdao-port": {"port.*"},
        "grid-company": {"power.*"},
        "telecom-operators": {"telecom.*"},
        "airport": {"airport.*"},
    }
    for office in OFFICES:
        sends.setdefault(office.provider, set()).update(s.indicator for s in office.stats)
    return MappingProxyType({p: tuple(sorted(i)) for p, i in sends.items()})


PROVIDERS = _providers()


def readings_between(start: datetime, end: datetime, *, seed: int = 2025) -> Iterator[Feed]:
    """Every simulated reading published within [start, end), provider by provider."""
    start = max(start, START)
    # The hourly and daily generators draw their noise from one generator per family,
    # seeded by the window (replays with the same steps are the same); statistics draw
    # theirs from what each report is, whatever the window.
    base = seed * 1_000_003 + int(start.timestamp())
    yield from air(start, end, random.Random(base + 1))
    yield from port(start, end, random.Random(base + 2))
    yield from grid(start, end, random.Random(base + 3))
    yield from telecom(start, end)
    yield from airport(start, end)
    for office in OFFICES:
        yield from publish(office, start, end)

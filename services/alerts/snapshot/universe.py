"""What the engine evaluates: the plan targets, the indicator catalogue and the rules."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from services.alerts.rules import Rule, load_rules
from services.indicators.catalogue import Catalogue, Indicator, load_catalogue
from services.indicators.city import CITY_TZ_NAME
from services.indicators.plans import Target, load_plans, targets_of

__all__ = ["History", "Universe", "load_universe"]


@dataclass(frozen=True, slots=True)
class History:
    """How far back the data layer reads."""

    city: timedelta = timedelta(days=762)  # ~25 months: two years of trend + this month
    recent_days: timedelta = timedelta(days=120)  # daily values of targets judged by month
    hourly_max: timedelta = timedelta(days=7)  # hourly city values for short burn windows
    stock_sources: timedelta = timedelta(days=400)  # per-source totals for contributors
    regions: timedelta = timedelta(days=800)  # which region a source reported for
    threshold: timedelta = timedelta(days=2)  # newest buckets for threshold rules


@dataclass(frozen=True)
class Universe:
    """Targets, catalogue and rules, with the calendar they are judged in."""

    targets: Sequence[Target]
    catalogue: Catalogue
    rules: Sequence[Rule]
    tz: str = CITY_TZ_NAME
    history: History = field(default_factory=History)

    def indicator(self, target: Target) -> Indicator | None:
        return self.catalogue.find(target.indicator)


def load_universe(
    plans_dir: Path, rules_dir: Path, catalogue_path: Path, tz: str = CITY_TZ_NAME
) -> Universe:
    """Load and check everything; raises the loaders' errors (each lists every problem)."""
    catalogue = load_catalogue(catalogue_path)
    targets = targets_of(load_plans(plans_dir, catalogue))
    return Universe(targets, catalogue, load_rules(rules_dir), tz)

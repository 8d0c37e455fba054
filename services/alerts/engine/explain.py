"""How a target or a series explains itself: plain dicts for the API, the alert and people.

A target's explanation carries the target and its clause, actual vs expected (unit and
%), the gap, the projection with its interval, the pace needed, the top contributing
sources and the feed's freshness, plus a one-sentence summary. ``*_values`` give the
placeholders annotation templates may use (``{target}``, ``{shortfall_pct:.1f}``...).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from services.alerts.engine.contributors import Contribution
from services.alerts.engine.inputs import SeriesInput, TargetInput
from services.alerts.rules import spell_duration
from services.indicators.assess import Assessment
from services.indicators.forecast.pace import fmt
from services.indicators.plans import CITY_TZ

__all__ = [
    "STALE_MULTIPLIER",
    "Feed",
    "duration",
    "feed_of",
    "series_explanation",
    "series_values",
    "summary",
    "target_explanation",
    "target_values",
]

STALE_MULTIPLIER = 3.0  # silent for this many cadences → the feed counts as stale


@dataclass(frozen=True, slots=True)
class Feed:
    """How fresh a feed is at ``now``."""

    last_seen: datetime | None
    cadence: timedelta | None
    silent_for: timedelta | None
    stale: bool

    def as_dict(self) -> dict[str, Any]:
        return {
            "last_seen": _iso(self.last_seen),
            "cadence": _cadence(self.cadence) if self.cadence else None,
            "silent_for": duration(self.silent_for) if self.silent_for is not None else None,
            "silent_seconds": None if self.silent_for is None else self.silent_for.total_seconds(),
            "stale": self.stale,
        }


def feed_of(last_seen: datetime | None, cadence: timedelta | None, now: datetime) -> Feed:
    """Silence since ``last_seen``; stale past ``STALE_MULTIPLIER`` cadences (or never seen)."""
    if last_seen is None:
        return Feed(None, cadence, None, True)
    silent = max(now - last_seen, timedelta(0))
    stale = cadence is not None and silent > cadence * STALE_MULTIPLIER
    return Feed(last_seen, cadence, silent, stale)


def duration(delta: timedelta) -> str:
    """A duration for people, to the second: ``3d4h12m``, ``45s`` (as ``format_duration``
    writes the duration rounded to the second, in whole-second arithmetic)."""
    return spell_duration(round(delta.total_seconds()), _SECONDS)


_SECONDS = (("d", 86400), ("h", 3600), ("m", 60), ("s", 1))


@lru_cache(maxsize=256)
def _cadence(cadence: timedelta) -> str:
    """``duration`` of an indicator's cadence (one of a few, the same every evaluation)."""
    return duration(cadence)


def _iso(t: datetime | None) -> str | None:
    return t.isoformat() if t is not None else None


def _local_day(t: datetime) -> str:
    return f"{t.astimezone(CITY_TZ):%Y-%m-%d}"


def _unit(unit: str) -> str:
    return " %" if unit == "%" else f" {unit}"


def summary(inp: TargetInput, a: Assessment) -> str:
    """One sentence: where the target stands and what it takes."""
    t = inp.target
    unit = _unit(t.unit)
    head = f"{t.id} is {a.status.replace('_', ' ')}"
    if a.actual is None or a.expected is None:
        return f"{head}: no data yet for {t.indicator} ({t.comparator} {fmt(t.value)}{unit} by {t.deadline})"
    parts = [f"{head}: {fmt(a.actual)}{unit} against {fmt(a.expected)}{unit} expected"]
    if a.gap_pct is not None:
        parts[0] += f" ({a.gap_pct:+.1f} %)"
    p = a.projection
    if p is not None and p.method != "final":
        text = f"projected {fmt(p.value)}{unit} ({fmt(p.low)}–{fmt(p.high)}) at {t.deadline}"
        if a.probability_met is not None:
            text += f", {a.probability_met:.0%} likely to reach {t.comparator} {fmt(t.value)}"
        parts.append(text)
    if a.pace_text:
        parts.append(a.pace_text)
    return "; ".join(parts)


def target_explanation(
    inp: TargetInput,
    a: Assessment,
    top: Sequence[Contribution],
    feed: Feed,
) -> dict[str, Any]:
    """Everything a target's status and alerts say about it (JSON-ready)."""
    t = inp.target
    p = a.projection
    return {
        "summary": summary(inp, a),
        "target": {
            "id": t.id,
            "plan": t.plan_id,
            "indicator": t.indicator,
            "family": inp.family,
            "kind": t.kind,
            "comparator": t.comparator,
            "value": t.value,
            "unit": t.unit,
            "deadline": t.deadline.isoformat(),
            "scope": t.scope,
            "source": t.source,
            "clause": t.source_clause,
            "text": t.source_text,
        },
        "status": a.status,
        "actual": {
            "value": a.actual,
            "unit": t.unit,
            "basis": a.basis,
            "as_of": _iso(a.as_of),
            "validity": a.validity,
        },
        "expected": a.expected,
        "gap": {
            "value": a.gap,
            "pct": a.gap_pct,
            "behind": a.behind,
            "shortfall": a.shortfall,
            "shortfall_pct": a.shortfall_pct,
        },
        "projection": None
        if p is None
        else {
            "value": p.value,
            "low": p.low,
            "high": p.high,
            "at": _iso(p.at),
            "method": p.method,
            "points": p.points,
            "probability_met": a.probability_met,
            "no_odds": p.no_odds or None,  # why probability_met is not given
        },
        "pace": {"needed": a.pace_needed, "recent": a.pace_recent, "text": a.pace_text},
        "days_left": a.days_left,
        "contributors": [
            {
                "source": c.source,
                "value": c.value,
                "share": c.share,
                "change": c.change,
                "effect": c.effect,
                "text": c.text,
            }
            for c in top
        ],
        "feed": feed.as_dict(),
    }


def target_values(inp: TargetInput, a: Assessment, feed: Feed) -> dict[str, object]:
    """Placeholders for a target alert's annotation templates."""
    t = inp.target
    p = a.projection
    none = "n/a"
    return {
        "target": t.id,
        "plan": t.plan_id,
        "indicator": t.indicator,
        "family": inp.family,
        "kind": t.kind,
        "scope": t.scope,
        "unit": t.unit,
        "comparator": t.comparator,
        "target_value": fmt(t.value),
        "deadline": t.deadline.isoformat(),
        "clause": t.source_clause,
        "source_text": t.source_text,
        "status": a.status,
        "actual": fmt(a.actual) if a.actual is not None else none,
        "expected": fmt(a.expected) if a.expected is not None else none,
        "gap": fmt(a.gap) if a.gap is not None else none,
        "gap_pct": a.gap_pct if a.gap_pct is not None else float("nan"),
        "shortfall_pct": a.shortfall_pct,
        "projected": fmt(p.value) if p is not None else none,
        "projected_low": fmt(p.low) if p is not None else none,
        "projected_high": fmt(p.high) if p is not None else none,
        "probability": a.probability_met if a.probability_met is not None else float("nan"),
        "needed_pace": fmt(a.pace_needed) if a.pace_needed is not None else none,
        "recent_pace": fmt(a.pace_recent) if a.pace_recent is not None else none,
        "pace_text": a.pace_text,
        "days_left": a.days_left,
        "last_seen": _local_time(feed.last_seen),
        "summary": summary(inp, a),
    }


def _local_time(t: datetime | None) -> str:
    return f"{t.astimezone(CITY_TZ):%Y-%m-%d %H:%M}" if t is not None else "never"


def series_explanation(si: SeriesInput, feed: Feed) -> dict[str, Any]:
    """What a series alert says about its series: which one, and how fresh."""
    latest = {
        width: {"bucket": b.at.isoformat(), "mean": b.mean, "max": b.max, "last": b.last}
        for width, b in si.latest.items()
    }
    return {
        "series": {
            "key": si.key,
            "indicator": si.indicator,
            "source": si.source,
            "family": si.family,
            "unit": si.unit,
            "scope": si.scope,
        },
        "latest": latest,
        "feed": feed.as_dict(),
    }


def series_values(si: SeriesInput, feed: Feed) -> dict[str, object]:
    """Placeholders for a series alert's annotation templates."""
    return {
        "series": si.key,
        "indicator": si.indicator,
        "family": si.family,
        "station": si.source,
        "source": si.source,
        "scope": si.scope,
        "unit": si.unit,
        "last_seen": _local_time(feed.last_seen),
        "cadence": duration(feed.cadence) if feed.cadence else "unknown",
        "silence": duration(feed.silent_for) if feed.silent_for is not None else "ever",
        "since_day": _local_day(feed.last_seen) if feed.last_seen else "never",
    }

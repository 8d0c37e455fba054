"""Building a Plan from a schema-valid plan document, with the checks a schema cannot make.

Unknown indicators, units that do not convert to the indicator's unit, impossible dates,
a baseline not before the deadline, duplicate ids, a target kind that does not fit the
indicator's kind, and trajectories that cannot apply — each reported at its line.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any, cast

from services.indicators.catalogue import Catalogue, Indicator
from services.indicators.plans.model import (
    Baseline,
    Comparator,
    Kind,
    Plan,
    ReportedMet,
    Target,
    Trajectory,
)
from services.indicators.plans.yaml_file import Document, Key, PlanError, label
from services.indicators.units import QuantityError, UnitError, convert, parse_quantity

__all__ = ["UsedIds", "build_plan"]

# Which target kinds fit which indicator kinds (capacity behaves like stock).
_FITS: dict[str, tuple[Kind, ...]] = {
    "level": ("level-mean",),
    "ratio": ("ratio",),
    "flow": ("flow",),
    "stock": ("stock", "capacity"),
    "capacity": ("capacity", "stock"),
    "growth": ("growth",),
}
_SEASONAL_KINDS = ("flow", "level-mean", "ratio")


@dataclass
class UsedIds:
    """Ids already used, across files: id → (file, line)."""

    plans: dict[str, tuple[str, int]] = field(default_factory=dict)
    targets: dict[str, tuple[str, int]] = field(default_factory=dict)


def build_plan(doc: Document, cat: Catalogue, seen: UsedIds) -> tuple[Plan | None, list[PlanError]]:
    """The plan of ``doc`` (None if it has problems) and its problems."""
    builder = _Builder(doc, cat)
    plan = builder.plan(seen)
    return (plan if not builder.errors else None), builder.errors


class _Builder:
    """Turns one schema-valid document into a Plan, collecting semantic problems."""

    def __init__(self, doc: Document, cat: Catalogue) -> None:
        self.doc, self.cat = doc, cat
        self.errors: list[PlanError] = []

    def fail(self, path: Sequence[Key], message: str, fix: str) -> None:
        self.errors.append(self.doc.problem(path, message, fix))

    def plan(self, seen: UsedIds) -> Plan:
        data: dict[str, Any] = self.doc.data
        self._unique(seen.plans, data["id"], ["id"], "plan id")
        targets = []
        start = self.day(["date"], data["date"]) or date.min
        for i, raw in enumerate(data["targets"]):
            self._unique(seen.targets, raw["id"], ["targets", i, "id"], "target id")
            target = self.target(i, raw, data["id"], data["source"])
            if target is not None:
                targets.append(replace(target, plan_start=start))
        return Plan(
            id=data["id"],
            title=data["title"].strip(),
            title_zh=data["title_zh"],
            issuer=data["issuer"],
            date=start,
            source=data["source"],
            file=Path(self.doc.file),
            targets=tuple(targets),
            other_sources=tuple(data.get("other_sources", ())),
            url=data.get("url", ""),
        )

    def _unique(
        self, used: dict[str, tuple[str, int]], name: str, path: list[Key], what: str
    ) -> None:
        line = self.doc.line(path)
        if name in used:
            where = used[name]
            self.fail(
                path,
                f'{what} "{name}" is already used at {Path(where[0]).name}:{where[1]}',
                "give each its own id (e.g. add the deadline year or the region)",
            )
        else:
            used[name] = (self.doc.file, line)

    def day(self, path: Sequence[Key], text: str) -> date | None:
        try:
            return date.fromisoformat(text)
        except ValueError:
            where = label(self.doc, path)
            self.fail(
                path,
                f'{where}: "{text}" is not a calendar date',
                "write YYYY-MM-DD, e.g. 2025-12-31",
            )
            return None

    def target(self, i: int, raw: dict[str, Any], plan_id: str, source: str) -> Target | None:
        at: list[Key] = ["targets", i]
        tid = raw["id"]
        indicator = self.indicator(at, raw)
        deadline = self.day([*at, "deadline"], raw["deadline"])
        if indicator is None or deadline is None:
            return None
        kind = cast(Kind, raw["kind"])
        if kind not in _FITS[indicator.kind]:
            self.fail(
                [*at, "kind"],
                f"target {tid}: kind {kind} does not fit {indicator.id}, which is a "
                f"{indicator.kind} indicator",
                f"use kind {' or '.join(_FITS[indicator.kind])}",
            )
        value = self.quantity([*at, "value"], raw["value"], raw["unit"], indicator, tid)
        baseline = self.baseline(at, raw, indicator, deadline)
        trajectory = self.trajectory(at, raw, kind, baseline, value)
        reported = self.reported_met(at, raw, indicator)
        average_from = self.growth(at, raw, kind, deadline)
        if value is None or baseline is None or trajectory is None:
            return None
        scope = raw["scope"]
        return Target(
            id=tid,
            plan_id=plan_id,
            indicator=indicator.id,
            comparator=cast(Comparator, raw["comparator"]),
            value=value,
            unit=indicator.unit,
            deadline=deadline,
            kind=kind,
            baseline=baseline,
            trajectory=trajectory,
            region=scope["region"] if isinstance(scope, dict) else None,
            source=source,
            source_clause=" ".join(raw["source_clause"].split()),
            source_text=raw["source_text"].strip(),
            stated=f"{raw['comparator']} {raw['value']} {raw['unit']}",
            stated_value=_number(raw["value"]),
            reported_met=reported,
            note=" ".join(raw.get("note", "").split()),
            growth_average_from=average_from,
        )

    def indicator(self, at: list[Key], raw: dict[str, Any]) -> Indicator | None:
        found = self.cat.find(raw["indicator"])
        if found is None:
            close = self.cat.suggest(raw["indicator"])
            hint = (
                f"did you mean {' or '.join(close)}?"
                if close
                else "use an indicator of services/data/catalogue/indicators.yaml"
            )
            self.fail(
                [*at, "indicator"],
                f'target {raw["id"]}: indicator "{raw["indicator"]}" is not in the catalogue',
                hint,
            )
        return found

    def quantity(
        self, path: Sequence[Key], value: object, unit: str, indicator: Indicator, tid: str
    ) -> float | None:
        try:
            number = parse_quantity(cast(str | float, value))
        except UnitError as exc:
            self.fail(path, f"target {tid}: {exc}", "write a number such as 2600, 2600万 or 6.7亿")
            return None
        try:
            return convert(number, unit, indicator.unit)
        except UnitError as exc:
            self.fail(
                [*path[:-1], "unit"],
                f'target {tid}: unit "{unit}" cannot be converted to {indicator.id}\'s unit '
                f'"{indicator.unit}" ({exc})',
                f"write the value in {indicator.unit} or a 万/亿 form of it",
            )
            return None

    def baseline(
        self, at: list[Key], raw: dict[str, Any], indicator: Indicator, deadline: date
    ) -> Baseline | None:
        spec = raw["baseline"]
        if spec.get("from_data"):
            return Baseline(from_data=True)
        path: list[Key] = [*at, "baseline", "value"]
        value = self.quantity(
            path, spec["value"], spec.get("unit", raw["unit"]), indicator, raw["id"]
        )
        day = self.day([*at, "baseline", "date"], spec["date"])
        if value is None or day is None:
            return None
        if day >= deadline:
            self.fail(
                [*at, "baseline", "date"],
                f"target {raw['id']}: the baseline date {day} is not before the deadline "
                f"{deadline}",
                "give a baseline from before the deadline or use from_data: true",
            )
            return None
        return Baseline(value=value, date=day)

    def trajectory(
        self,
        at: list[Key],
        raw: dict[str, Any],
        kind: Kind,
        base: Baseline | None,
        value: float | None,
    ) -> Trajectory | None:
        spec = raw["trajectory"]
        spec = {"shape": spec} if isinstance(spec, str) else spec
        path = spec.get("path", spec["shape"] if spec["shape"] != "seasonal" else "linear")
        profile = None
        if spec["shape"] == "seasonal":
            weights = [float(w) for w in spec["monthly_profile"]]
            if kind not in _SEASONAL_KINDS or sum(weights) <= 0:
                self.fail(
                    [*at, "trajectory"],
                    f"target {raw['id']}: a seasonal profile needs a flow, level-mean or "
                    "ratio target and weights that are not all zero",
                    "use linear or compound",
                )
                return None
            profile = tuple(w / sum(weights) for w in weights)
        if path == "compound" and base is not None and base.value is not None and value:
            if base.value <= 0 or value <= 0:
                self.fail(
                    [*at, "trajectory"],
                    f"target {raw['id']}: compound growth needs a positive baseline and target",
                    "use linear",
                )
                return None
        return Trajectory(shape=spec["shape"], path=path, monthly_profile=profile)

    def growth(self, at: list[Key], raw: dict[str, Any], kind: Kind, deadline: date) -> int | None:
        """The base year of an average growth target; None for each-year growth."""
        spec = raw.get("growth")
        if spec is None:
            return None
        if kind != "growth":
            self.fail(
                [*at, "growth"],
                f"target {raw['id']}: growth is for kind growth targets, not {kind}",
                "remove `growth:`, or make the target's kind growth",
            )
            return None
        if spec == "each-year":
            return None
        base = int(spec["average_from"])
        if base >= deadline.year:
            self.fail(
                [*at, "growth", "average_from"],
                f"target {raw['id']}: average_from {base} is not before the deadline's year "
                f"({deadline.year})",
                "write the base year the average growth starts from, e.g. 2022",
            )
            return None
        return base

    def reported_met(
        self, at: list[Key], raw: dict[str, Any], indicator: Indicator
    ) -> ReportedMet | None:
        spec = raw.get("reported_met")
        if spec is None:
            return None
        day = self.day([*at, "reported_met", "date"], spec["date"])
        value = None
        if "value" in spec:
            value = self.quantity(
                [*at, "reported_met", "value"], spec["value"], raw["unit"], indicator, raw["id"]
            )
        if day is None:
            return None
        return ReportedMet(date=day, value=value, source_clause=spec.get("source_clause", ""))


def _number(value: object) -> float | None:
    """The value as written in the plan (its own unit), None when it is no quantity."""
    try:
        return parse_quantity(cast(str | float, value))
    except QuantityError:
        return None

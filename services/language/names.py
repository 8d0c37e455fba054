"""What things are called: indicators, targets, plans and regions, from the catalogue and plans.

A :class:`Glossary` is built once from the indicator catalogue (``name``, ``name_zh``) and
the plans (``title``, ``title_zh``, each target's indicator, deadline, region and clause);
whoever shows a target to people asks it for the name and the citation in their language.
A plan's clause is cited with the plan's title, never the file it was read from:
``《青岛市……三年行动计划（2023—2025年）》五（四）57.持续深入打好蓝天保卫战``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from types import MappingProxyType
from typing import Protocol

from services.language.model import Language

__all__ = ["Glossary", "PlanLike", "TargetFacts", "clause_of"]

# The regions plans scope targets to, in English and Chinese: the one list of their names.
REGION_NAMES: dict[str, tuple[str, str]] = {
    "city": ("Qingdao", "青岛市"),
    "west-coast-new-area": ("West Coast New Area", "西海岸新区"),
    "high-tech-zone-north-park": ("Qingdao Hi-tech Zone, north park", "青岛高新区北部园区"),
    "shandong-ftz-qingdao-area": ("Shandong FTZ, Qingdao Area", "山东自贸试验区青岛片区"),
}
_REGIONS = REGION_NAMES
_FILE = re.compile(r"^\S+\.(?:txt|pdf|html?|docx?)$", re.IGNORECASE)


class IndicatorLike(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def name_zh(self) -> str: ...


class TargetLike(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def plan_id(self) -> str: ...
    @property
    def indicator(self) -> str: ...
    @property
    def deadline(self) -> date: ...
    @property
    def region(self) -> str | None: ...
    @property
    def source_clause(self) -> str: ...
    @property
    def source_text(self) -> str: ...


class PlanLike(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def title_zh(self) -> str: ...
    @property
    def targets(self) -> Iterable[TargetLike]: ...


@dataclass(frozen=True, slots=True)
class TargetFacts:
    """What a target's name and citation are made of."""

    indicator: str
    plan: str
    deadline: date | None = None
    region: str | None = None
    clause: str = ""
    text: str = ""


def _frozen() -> Mapping[str, tuple[str, str]]:
    return MappingProxyType({})


def _no_targets() -> Mapping[str, TargetFacts]:
    return MappingProxyType({})


@dataclass(frozen=True)
class Glossary:
    """Names in both languages; anything it does not know is called by its id."""

    indicators: Mapping[str, tuple[str, str]] = field(default_factory=_frozen)
    plans: Mapping[str, tuple[str, str]] = field(default_factory=_frozen)
    targets: Mapping[str, TargetFacts] = field(default_factory=_no_targets)

    @classmethod
    def of(cls, indicators: Iterable[IndicatorLike], plans: Iterable[PlanLike]) -> Glossary:
        plans = list(plans)
        return cls(
            indicators=MappingProxyType({i.id: (i.name, i.name_zh) for i in indicators}),
            plans=MappingProxyType({p.id: (p.title, p.title_zh) for p in plans}),
            targets=MappingProxyType(
                {
                    t.id: TargetFacts(
                        t.indicator,
                        t.plan_id,
                        t.deadline,
                        t.region,
                        t.source_clause,
                        t.source_text,
                    )  # fmt: skip
                    for p in plans
                    for t in p.targets
                }
            ),
        )

    def indicator(self, indicator: str, lang: Language) -> str:
        """细颗粒物（PM2.5）浓度 / PM2.5 concentration; the id if unknown."""
        return _pick(self.indicators.get(indicator), lang) or indicator

    def plan(self, plan: str, lang: Language) -> str:
        """The plan's title; the id if unknown."""
        return _pick(self.plans.get(plan), lang) or plan

    def region(self, region: str | None, lang: Language) -> str:
        return _pick(_REGIONS.get(region or "city"), lang) or str(region)

    def facts(self, target: str, **known: object) -> TargetFacts | None:
        """The target's facts; for a target the plans do not hold, what ``known`` says
        (``indicator``, ``plan``, ``deadline`` as in an alert's explanation)."""
        found = self.targets.get(target)
        if found is not None:
            return found
        indicator, plan = known.get("indicator"), known.get("plan")
        if not isinstance(indicator, str):
            return None
        deadline = known.get("deadline")
        if isinstance(deadline, str):
            try:
                deadline = date.fromisoformat(deadline[:10])
            except ValueError:
                deadline = None
        scope = known.get("scope")
        return TargetFacts(
            indicator,
            plan if isinstance(plan, str) else "",
            deadline if isinstance(deadline, date) else None,
            scope if isinstance(scope, str) and scope != "city" else None,
            str(known.get("clause") or ""),
            str(known.get("text") or ""),
        )

    def target(self, target: str, lang: Language, **known: object) -> str:
        """2025年海铁联运量 / Sea-rail container volume (2025); with the region when not
        the city's: 西海岸新区2025年… / … (2025, West Coast New Area)."""
        facts = self.facts(target, **known)
        if facts is None:
            return target
        name = self.indicator(facts.indicator, lang)
        year = facts.deadline.year if facts.deadline else None
        region = self.region(facts.region, lang) if facts.region else None
        if lang is Language.ZH:
            return f"{region or ''}{f'{year}年' if year else ''}{name}"
        inside = ", ".join(str(x) for x in (year, region) if x)
        return f"{name} ({inside})" if inside else name

    def citation(self, target: str, lang: Language, **known: object) -> str:
        """The plan's title and the clause: 《title_zh》五（四）57.… / title, 五（四）57.…"""
        facts = self.facts(target, **known)
        if facts is None:
            return ""
        title = self.plan(facts.plan, lang) if facts.plan else ""
        clause = clause_of(facts.clause)
        if lang is Language.ZH:
            return f"《{title}》{clause}" if title else clause
        return ", ".join(x for x in (title, clause) if x)

    def quote(self, target: str, **known: object) -> str:
        """The plan's own sentence, in quotation marks (as the plan writes it)."""
        facts = self.facts(target, **known)
        return f"“{facts.text.strip()}”" if facts is not None and facts.text.strip() else ""


def clause_of(source_clause: str, source: str | None = None, sep: str = "；") -> str:
    """The clause without the names of the files it was read from:
    ``001_8260.txt · 五（四）57.持续…`` → ``五（四）57.持续…``; of several sources
    (``a.txt · 三（三）30.x; b.txt · 30.x``) the clauses not already said by another, joined
    by ``sep``. Given the plan's own ``source`` file, a target citing its plan and a
    republication keeps its plan's clauses (and those naming no file)."""
    cited = [_cited(part) for part in source_clause.split(";")]
    own = [clause for file, clause in cited if file is None or file == source]
    kept = own if source is not None and own else [clause for _, clause in cited]
    found: list[str] = []
    for clause in kept:
        if clause and not any(clause in other for other in found):
            found = [other for other in found if other not in clause] + [clause]
    return sep.join(found)


def _cited(citation: str) -> tuple[str | None, str]:
    """(file, clause) of one ``file · clause`` citation; the file None when it names none."""
    parts = [p.strip() for p in citation.split("·")]
    files = [p for p in parts if _FILE.match(p)]
    clause = " · ".join(p for p in parts if p and not _FILE.match(p))
    return (files[0] if files else None), clause


def _pick(names: tuple[str, str] | None, lang: Language) -> str:
    if names is None:
        return ""
    english, chinese = names
    return (chinese or english) if lang is Language.ZH else (english or chinese)

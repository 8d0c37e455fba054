"""The coverage decisions file: why a numeric clause of a plan document has no target.

``plans/coverage/clauses.yaml`` (schema ``schemas/coverage.schema.json``) lists, for the
clauses no target quotes, a reason — ``not measurable``, ``context`` or ``duplicate``
(of a target) — with a one-line why. The judgements are data, not code: a reviewer reads
and changes them there. Problems come back as the config reader's Problems, each with its
file, line, column and fix.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal, cast

from services.config import Names, Problem, SchemaExplainer, read_document
from services.data import packaged
from services.indicators.clauses.clauses import fold

__all__ = [
    "DEFAULT_PATH",
    "REASONS",
    "SCHEMA_PATH",
    "Decision",
    "Reason",
    "check_decisions",
    "read_decisions",
]

DEFAULT_PATH = packaged("plans", "coverage", "clauses.yaml")
SCHEMA_PATH = packaged("schemas", "coverage.schema.json")

Reason = Literal["not measurable", "context", "duplicate"]
REASONS: tuple[Reason, ...] = ("not measurable", "context", "duplicate")


@dataclass(frozen=True, slots=True)
class Decision:
    """Why the quantities of clauses containing ``clause`` have no target."""

    clause: str
    reason: Reason
    why: str = ""
    quantity: str | None = None
    documents: tuple[str, ...] = ()
    of: str | None = None
    line: int = 0

    def applies(self, document: str, clause: str, quantity: str) -> bool:
        """Whether this decision speaks of ``quantity`` in ``clause`` (folded) of ``document``."""
        if self.documents and document not in self.documents:
            return False
        if self.quantity is not None and fold(self.quantity) != quantity:
            return False
        return fold(self.clause) in clause

    @property
    def specificity(self) -> tuple[int, int, int]:
        """Higher wins when several decisions apply: a quantity, documents, longer words."""
        return (self.quantity is not None, bool(self.documents), len(fold(self.clause)))

    @property
    def explanation(self) -> str:
        return f"duplicate of {self.of}" if self.reason == "duplicate" else self.why


def read_decisions(path: Path | None = None) -> tuple[list[Decision], list[Problem]]:
    """The decisions of ``path`` (default plans/coverage/clauses.yaml) and its problems."""
    path = DEFAULT_PATH if path is None else Path(path)
    if not path.is_file():
        fix = "give the coverage decisions file (services/data/plans/coverage/clauses.yaml)"
        return [], [Problem(str(path), None, None, "no such file", fix)]
    doc, problems = read_document(
        path, empty_fix="write `decisions:` (see services/data/plans/coverage/)"
    )
    if doc is None or problems:
        return [], problems
    problems = _explainer().problems(doc)
    if problems:
        return [], problems
    items: list[dict[str, Any]] = doc.data["decisions"]
    decisions = [_decision(item, doc.line(["decisions", i])) for i, item in enumerate(items)]
    return decisions, []


def check_decisions(
    decisions: Sequence[Decision], target_ids: Collection[str], path: Path | None = None
) -> list[Problem]:
    """Decisions that name a target which does not exist (a duplicate's ``of``)."""
    where = DEFAULT_PATH if path is None else Path(path)
    return [
        Problem(
            str(where),
            d.line,
            1,
            f'decision "{d.clause}": duplicate of "{d.of}", which is no target of the plan files',
            "name the target it repeats (ontrack plans check lists them)",
        )
        for d in decisions
        if d.of is not None and d.of not in target_ids
    ]


def _decision(item: dict[str, Any], line: int) -> Decision:
    return Decision(
        clause=item["clause"],
        reason=cast(Reason, item["reason"]),
        why=" ".join(item.get("why", "").split()),
        quantity=item.get("quantity"),
        documents=tuple(item.get("documents", ())),
        of=item.get("of"),
        line=line,
    )


@lru_cache(maxsize=1)
def _explainer() -> SchemaExplainer:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    names = Names("the decisions file", items="decisions", noun="decision", id_key="clause")
    return SchemaExplainer(schema, names=names, source="services/data/schemas/coverage.schema.json")

"""The coverage decisions file: why a numeric clause of a plan document has no target.

``plans/coverage/clauses.yaml`` (schema ``schemas/coverage.schema.json``) lists, for the
clauses no target quotes, a reason — ``not measurable``, ``context`` or ``duplicate``
(of a target) — with a one-line why. The judgements are data, not code: a reviewer reads
and changes them there. Problems come back as PlanErrors with the file's line numbers.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal, cast

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError, best_match

from services.indicators.clauses.clauses import fold
from services.indicators.plans import PlanError, line_of, read_document
from services.settings import REPO_ROOT

__all__ = [
    "DEFAULT_PATH",
    "REASONS",
    "SCHEMA_PATH",
    "Decision",
    "Reason",
    "check_decisions",
    "read_decisions",
]

DEFAULT_PATH = REPO_ROOT / "plans" / "coverage" / "clauses.yaml"
SCHEMA_PATH = REPO_ROOT / "schemas" / "coverage.schema.json"

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


def read_decisions(path: Path | None = None) -> tuple[list[Decision], list[PlanError]]:
    """The decisions of ``path`` (default plans/coverage/clauses.yaml) and its problems."""
    path = DEFAULT_PATH if path is None else Path(path)
    if not path.is_file():
        return [], [PlanError(path, 0, "no such file; give the coverage decisions file")]
    doc, errors = read_document(path)
    if doc is None:
        return [], errors
    problems = [_explain(path, doc.root, doc.data, e) for e in _validator().iter_errors(doc.data)]
    if problems:
        return [], sorted(problems, key=lambda e: e.line)
    items: list[dict[str, Any]] = doc.data["decisions"]
    decisions = [
        _decision(item, line_of(doc.root, ["decisions", i])) for i, item in enumerate(items)
    ]
    return decisions, []


def check_decisions(
    decisions: Sequence[Decision], target_ids: Collection[str], path: Path | None = None
) -> list[PlanError]:
    """Decisions that name a target which does not exist (a duplicate's ``of``)."""
    where = DEFAULT_PATH if path is None else Path(path)
    return [
        PlanError(
            where,
            d.line,
            f'decision "{d.clause}": duplicate of "{d.of}", which is no target of the plan '
            "files; name the target it repeats (ontrack plans check lists them)",
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
def _validator() -> Draft202012Validator:
    return Draft202012Validator(json.loads(SCHEMA_PATH.read_text(encoding="utf-8")))


def _explain(path: Path, root: Any, data: Any, error: ValidationError) -> PlanError:
    best = best_match([error])
    at = list(best.absolute_path)
    where = "the file"
    if len(at) >= 2 and at[0] == "decisions" and isinstance(at[1], int):
        item = data["decisions"][at[1]]
        clause = item.get("clause") if isinstance(item, dict) else None
        where = f"decision #{at[1] + 1}" + (f' ("{clause}")' if isinstance(clause, str) else "")
    problem = best.message
    if best.validator == "required" and isinstance(best.instance, dict):
        missing = [k for k in best.validator_value if k not in best.instance]
        problem = f"{', '.join(missing)} missing; add it"
    elif best.validator == "not":
        problem = "`of` is only for reason duplicate; remove it or change the reason"
    elif best.validator == "enum":
        problem = f"{best.instance!r} is not one of {', '.join(map(repr, best.validator_value))}"
    elif best.validator == "additionalProperties":
        allowed = ", ".join(sorted(best.schema.get("properties", {})))
        problem = f"{problem}; allowed: {allowed}"
    return PlanError(path, line_of(root, at), f"{where}: {problem}")

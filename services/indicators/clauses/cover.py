"""Which target encodes each quantity of a document's numeric clauses, or why none does.

Pure. A quantity is ``encoded`` by a target whose quoted sentence (``source_text``) shares
the clause — one holds the other, with the quantity in it — and whose value is the same
number as written (``2600万`` and ``2600万标准箱`` agree) in a unit of the same dimension
(``500公里`` of greenways is not 500 parks). Targets of plans citing the
document (``source`` or ``other_sources``) are preferred, so a sentence two plans repeat
is credited to the document's own plan. A quantity no target encodes takes the most
specific decision that applies (see ``decisions``); with none it is ``missing``: a target
to encode, or a decision to write.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from services.indicators.clauses.clauses import Clause, Quantity, numeric_clauses, pieces
from services.indicators.clauses.decisions import Decision
from services.indicators.plans import Plan, Target
from services.indicators.units import UnitError, dimension

__all__ = ["STATUSES", "Coverage", "Row", "Status", "cover"]

Status = Literal["encoded", "not measurable", "context", "duplicate", "missing"]
STATUSES: tuple[Status, ...] = ("encoded", "not measurable", "context", "duplicate", "missing")
MISSING_WHY = "no target quotes it and no decision explains it"


@dataclass(frozen=True, slots=True)
class Row:
    """One quantity of one numeric clause, and what accounts for it."""

    document: str
    line: int
    clause: str
    quantity: Quantity
    status: Status
    targets: tuple[str, ...] = ()
    why: str = ""


@dataclass(frozen=True, slots=True)
class Coverage:
    """Every row of the documents read, and the decisions none of them needed."""

    rows: tuple[Row, ...]
    unused: tuple[Decision, ...]

    @property
    def clauses(self) -> int:
        return len({(r.document, r.line, r.clause) for r in self.rows})

    @property
    def counts(self) -> dict[Status, int]:
        found = Counter(r.status for r in self.rows)
        return {s: found.get(s, 0) for s in STATUSES}

    @property
    def missing(self) -> tuple[Row, ...]:
        return tuple(r for r in self.rows if r.status == "missing")


@dataclass(frozen=True, slots=True)
class _Quote:
    target: Target
    cites: frozenset[str]
    pieces: tuple[str, ...]
    stated: float | None


def cover(
    documents: Sequence[tuple[str, str]], plans: Sequence[Plan], decisions: Sequence[Decision]
) -> Coverage:
    """Rows for every quantity of every numeric clause of ``documents`` ((name, text) pairs)."""
    quotes = [
        _Quote(
            t, frozenset((p.source, *p.other_sources)), tuple(pieces(t.source_text)), t.stated_value
        )
        for p in plans
        for t in p.targets
    ]
    rows: list[Row] = []
    used: set[int] = set()  # positions in ``decisions``
    for name, text in documents:
        for clause in numeric_clauses(text):
            for quantity in clause.quantities:
                row, decision = _account(name, clause, quantity, quotes, decisions)
                rows.append(row)
                if decision is not None:
                    used.add(decision)
    return Coverage(tuple(rows), tuple(d for i, d in enumerate(decisions) if i not in used))


def _account(
    name: str,
    clause: Clause,
    quantity: Quantity,
    quotes: Sequence[_Quote],
    decisions: Sequence[Decision],
) -> tuple[Row, int | None]:
    """The row of one quantity, and the position of the decision it took (if any)."""
    where = (name, clause.line, clause.text, quantity)
    encoders = _encoders(name, clause.text, quantity, quotes)
    if encoders:
        return Row(*where, "encoded", encoders), None
    applying = [i for i, d in enumerate(decisions) if d.applies(name, clause.text, quantity.text)]
    if not applying:
        return Row(*where, "missing", why=MISSING_WHY), None
    # the most specific; of equals, the first in file order
    chosen = max(applying, key=lambda i: (decisions[i].specificity, -i))
    best = decisions[chosen]
    of = (best.of,) if best.of is not None else ()
    return Row(*where, best.reason, of, best.explanation), chosen


def _encoders(
    name: str, clause: str, quantity: Quantity, quotes: Sequence[_Quote]
) -> tuple[str, ...]:
    if quantity.value is None:
        return ()
    hits = [
        q
        for q in quotes
        if q.stated is not None
        and math.isclose(q.stated, quantity.value, rel_tol=1e-9)
        and _same_dimension(quantity, q.target.unit)
        and any(_shares(piece, clause, quantity.text) for piece in q.pieces)
    ]
    own = [q.target.id for q in hits if name in q.cites]
    return tuple(own or [q.target.id for q in hits])


def _same_dimension(quantity: Quantity, unit: str) -> bool:
    """Whether ``quantity`` can be in ``unit``: 500公里 is no count of parks, 500个 may be."""
    if quantity.measured_in is None:
        return True
    try:
        return dimension(quantity.measured_in) == dimension(unit)
    except UnitError:  # 平方米 and other units the catalogue does not know: cannot tell
        return True


def _shares(piece: str, clause: str, quantity: str) -> bool:
    """Whether a piece of a quoted sentence and a clause are the same words about ``quantity``."""
    return (quantity in piece and piece in clause) or clause in piece

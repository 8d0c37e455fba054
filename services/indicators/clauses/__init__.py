"""Which numeric clauses of the plan documents the plan files encode, and why not the rest:
the clauses (``clauses``), the decisions file (``decisions``) and the accounting (``cover``)."""

from services.indicators.clauses.clauses import Clause, Quantity, fold, numeric_clauses, pieces
from services.indicators.clauses.cover import STATUSES, Coverage, Row, Status, cover
from services.indicators.clauses.decisions import (
    DEFAULT_PATH,
    REASONS,
    Decision,
    Reason,
    check_decisions,
    read_decisions,
)

__all__ = [
    "DEFAULT_PATH",
    "REASONS",
    "STATUSES",
    "Clause",
    "Coverage",
    "Decision",
    "Quantity",
    "Reason",
    "Row",
    "Status",
    "check_decisions",
    "cover",
    "fold",
    "numeric_clauses",
    "pieces",
    "read_decisions",
]

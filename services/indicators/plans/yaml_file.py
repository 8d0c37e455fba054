"""Reading plan files: the shared configuration reader, with dates kept as text, and the
plan schema's errors explained at their lines.

Dates stay strings while loading (the schema checks their form, the builder parses them),
so a file's data is exactly what the schema describes.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

from services.config import Document, Key, Names, Problem, SchemaExplainer
from services.config import read_document as read_yaml
from services.data import packaged

__all__ = [
    "SCHEMA_PATH",
    "Document",
    "Key",
    "PlanError",
    "label",
    "read_document",
    "schema_errors",
]

SCHEMA_PATH = packaged("schemas", "plan.schema.json")

PlanError = Problem
"""A problem in a plan file: the one :class:`~services.config.Problem` of every config file."""

_NAMES = Names("the plan", items="targets", noun="target")


def read_document(file: Path) -> tuple[Document | None, list[Problem]]:
    """Parse one plan file; YAML problems (syntax, repeated keys...) come back as Problems."""
    empty_fix = "write a plan (see services/data/schemas/plan.schema.json and services/data/plans/)"
    return read_yaml(file, empty_fix=empty_fix, dates_as_text=True)


@lru_cache(maxsize=1)
def _explainer() -> SchemaExplainer:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return SchemaExplainer(schema, names=_NAMES, source="services/data/schemas/plan.schema.json")


def schema_errors(doc: Document) -> list[Problem]:
    """Every schema violation of ``doc``, at the line of the offending node."""
    return _explainer().problems(doc)


def label(doc: Document, path: Sequence[Key]) -> str:
    """How messages name a place: "target port.teu.2025 `baseline.date`", "`date`"."""
    return _NAMES(doc.data, path)

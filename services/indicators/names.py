"""The glossary of the catalogue and plans: what people call indicators, targets and plans."""

from __future__ import annotations

from pathlib import Path

from services.indicators.catalogue import load_catalogue
from services.indicators.plans import load_plans
from services.language import Glossary

__all__ = ["load_glossary"]


def load_glossary(catalogue_path: Path | None = None, plans_dir: Path | None = None) -> Glossary:
    """Names and citations from the indicator catalogue and the plan files."""
    catalogue = load_catalogue(catalogue_path)
    return Glossary.of(catalogue, load_plans(plans_dir, catalogue))

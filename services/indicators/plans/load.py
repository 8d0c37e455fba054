"""The plan catalogue: ``plans/*.yaml`` loaded into frozen Plans and Targets, or checked.

``load_plans`` raises :class:`InvalidPlansError` listing every problem; ``check_plans``
returns the same problems (:class:`~services.config.Problem`: file, line, column, message,
fix) for a linter or a CI step. Values and baselines come out in the indicator's
canonical unit.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from services.config import ConfigFileError, Problem
from services.data import packaged
from services.indicators.catalogue import Catalogue, load_catalogue
from services.indicators.plans.build import UsedIds, build_plan
from services.indicators.plans.model import Baseline, Plan, Target, Trajectory
from services.indicators.plans.yaml_file import PlanError, read_document, schema_errors

__all__ = [
    "DEFAULT_DIR",
    "Baseline",
    "InvalidPlansError",
    "Plan",
    "PlanError",
    "Target",
    "Trajectory",
    "check_plans",
    "load_plans",
    "targets_of",
]

DEFAULT_DIR = packaged("plans")
_POINT = (
    "point to a folder of plan files, or add a plan file (see services/data/schemas/"
    "plan.schema.json)"
)


class InvalidPlansError(ConfigFileError):
    """The plan files have problems; ``problems`` lists each with its file, line and fix."""

    what = "the plan files"


def load_plans(directory: Path | None = None, catalogue: Catalogue | None = None) -> list[Plan]:
    """Every plan in ``directory`` (default ``<repo>/plans``); raises InvalidPlansError."""
    plans, errors = _read_all(directory, catalogue)
    if errors:
        raise InvalidPlansError(errors)
    return plans


def check_plans(
    directory: Path | None = None, catalogue: Catalogue | None = None
) -> list[PlanError]:
    """Every problem in the plan files of ``directory``; empty when all is well."""
    return _read_all(directory, catalogue)[1]


def _read_all(
    directory: Path | None, catalogue: Catalogue | None
) -> tuple[list[Plan], list[PlanError]]:
    directory = DEFAULT_DIR if directory is None else Path(directory)
    if not directory.is_dir():
        return [], [Problem(str(directory), None, None, "no such directory", _POINT)]
    files = sorted([*directory.glob("*.yaml"), *directory.glob("*.yml")])
    if not files:
        return [], [Problem(str(directory), None, None, "no plan files (*.yaml) here", _POINT)]
    cat = load_catalogue() if catalogue is None else catalogue
    plans: list[Plan] = []
    errors: list[PlanError] = []
    seen = UsedIds()
    for file in files:
        plan, problems = _read_file(file, cat, seen)
        errors.extend(problems)
        if plan is not None:
            plans.append(plan)
    return plans, errors


def _read_file(file: Path, cat: Catalogue, seen: UsedIds) -> tuple[Plan | None, list[PlanError]]:
    doc, errors = read_document(file)
    if doc is None or errors:
        return None, errors
    errors = schema_errors(doc)
    if errors:
        return None, errors
    return build_plan(doc, cat, seen)


def targets_of(plans: Iterable[Plan]) -> list[Target]:
    """All targets of ``plans``, in file order."""
    return [t for p in plans for t in p.targets]

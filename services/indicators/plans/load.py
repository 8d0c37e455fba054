"""The plan catalogue: ``plans/*.yaml`` loaded into frozen Plans and Targets, or checked.

``load_plans`` raises :class:`InvalidPlansError` listing every problem; ``check_plans``
returns the same problems as :class:`PlanError` values (file, line, message) for a linter
or a CI step. Values and baselines come out in the indicator's canonical unit.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from services.errors import OntrackError
from services.indicators.catalogue import Catalogue, load_catalogue
from services.indicators.plans.build import UsedIds, build_plan
from services.indicators.plans.model import Baseline, Plan, Target, Trajectory
from services.indicators.plans.yaml_file import PlanError, read_document, schema_errors
from services.settings import REPO_ROOT

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

DEFAULT_DIR = REPO_ROOT / "plans"


class InvalidPlansError(OntrackError):
    """The plan files have problems; ``errors`` lists each with file and line."""

    def __init__(self, errors: Sequence[PlanError]) -> None:
        self.errors = tuple(errors)
        listed = "\n  ".join(str(e) for e in self.errors)
        super().__init__(f"{len(self.errors)} problem(s) in the plan files:\n  {listed}")


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
        return [], [PlanError(directory, 0, "no such directory; point to the plans/ folder")]
    files = sorted([*directory.glob("*.yaml"), *directory.glob("*.yml")])
    if not files:
        return [], [PlanError(directory, 0, "no plan files (*.yaml) in this directory")]
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
    if doc is None:
        return None, errors
    errors = schema_errors(doc)
    if errors:
        return None, errors
    return build_plan(doc, cat, seen)


def targets_of(plans: Iterable[Plan]) -> list[Target]:
    """All targets of ``plans``, in file order."""
    return [t for p in plans for t in p.targets]

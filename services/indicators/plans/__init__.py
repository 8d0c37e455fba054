"""Plans and their targets: the frozen values (``model``), built from plan files
(``yaml_file``, ``build``) and loaded as a catalogue (``load``)."""

from services.indicators.plans.load import (
    DEFAULT_DIR,
    InvalidPlansError,
    PlanError,
    check_plans,
    load_plans,
    targets_of,
)
from services.indicators.plans.model import (
    CITY_TZ,
    KINDS,
    Baseline,
    Comparator,
    Kind,
    PathShape,
    Plan,
    ReportedMet,
    Shape,
    Target,
    Trajectory,
    end_of_day,
    year_bounds,
)
from services.indicators.plans.yaml_file import Document, read_document

__all__ = [
    "CITY_TZ",
    "DEFAULT_DIR",
    "KINDS",
    "Baseline",
    "Comparator",
    "Document",
    "InvalidPlansError",
    "Kind",
    "PathShape",
    "Plan",
    "PlanError",
    "ReportedMet",
    "Shape",
    "Target",
    "Trajectory",
    "check_plans",
    "end_of_day",
    "load_plans",
    "read_document",
    "targets_of",
    "year_bounds",
]

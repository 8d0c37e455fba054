"""One problem in a configuration file, and the error that carries every problem of a load.

Error tree (each room keeps its own name for its files' error, so callers can catch either
the room's error or any configuration file's)::

    OntrackError
     └── ConfigFileError            a load found problems; ``problems`` lists every one
          ├── CatalogueError        catalogue/indicators.yaml      (services.indicators)
          ├── InvalidPlansError     plans/*.yaml                   (services.indicators.plans)
          ├── RuleFileError         rules/*.yaml                   (services.alerts.rules)
          └── RouteFileError        routes/*.yaml                  (services.alerts.notify)
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from services.errors import OntrackError

__all__ = ["ConfigFileError", "Problem", "by_place"]


@dataclass(frozen=True)
class Problem:
    """What is wrong in a file, where (1-based line and column, None if unknown), and the fix."""

    file: str
    line: int | None
    column: int | None
    message: str
    fix: str

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        return f"{where}: {self.message}; fix: {self.fix}"


def by_place(problem: Problem) -> tuple[str, int, int]:
    """Sort key: file, then line, then column (problems without a place first)."""
    return problem.file, problem.line or 0, problem.column or 0


class ConfigFileError(OntrackError):
    """Configuration files have problems; ``problems`` lists every one, each on its own line."""

    what = "the configuration files"

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = tuple(problems)
        super().__init__(*self.problems)

    def __str__(self) -> str:
        head = f"{len(self.problems)} problem(s) in {self.what}:"
        return "\n".join([head, *(str(p) for p in self.problems)])

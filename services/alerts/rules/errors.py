"""Errors of alert rules and rule files.

Error tree::

    OntrackError
     └── RuleError
          ├── DurationError    a duration is not written in a form ontrack reads
          ├── InvalidRule      a rule breaks one of its invariants (carries the key path)
          └── RuleFileError    one or more rule files have problems (carries them all)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from services.errors import OntrackError

__all__ = ["DurationError", "InvalidRule", "Problem", "RuleError", "RuleFileError"]


class RuleError(OntrackError):
    """A rule or a rule file is not valid."""


class DurationError(RuleError, ValueError):
    """A duration is not written in a form ontrack reads; ``fix`` says how to write it."""

    def __init__(self, message: str, fix: str) -> None:
        super().__init__(f"{message}; fix: {fix}")
        self.problem, self.fix = message, fix


class InvalidRule(RuleError, ValueError):
    """A rule breaks an invariant; ``path`` is the offending key path inside the rule."""

    def __init__(self, path: Sequence[str], message: str, fix: str) -> None:
        super().__init__(f"{message}; fix: {fix}")
        self.path, self.problem, self.fix = tuple(path), message, fix


@dataclass(frozen=True)
class Problem:
    """One problem in a rule file: where it is (1-based line and column), what, and the fix."""

    file: str
    line: int | None
    column: int | None
    message: str
    fix: str

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}:{self.column}"
        return f"{where}: {self.message}; fix: {self.fix}"


class RuleFileError(RuleError):
    """One or more rule files have problems; ``problems`` lists every one of them."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems))

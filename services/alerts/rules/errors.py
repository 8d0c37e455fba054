"""Errors of alert rules and rule files.

Error tree::

    OntrackError
     ├── RuleError
     │    ├── DurationError    a duration is not written in a form ontrack reads
     │    ├── InvalidRule      a rule breaks one of its invariants (carries the key path)
     │    └── RuleFileError    one or more rule files have problems (carries them all)
     └── ConfigFileError      (services.config) any configuration file's problems
          └── RuleFileError

A problem in a rule file is the :class:`~services.config.Problem` of every configuration
file (file, line, column, message, fix).
"""

from __future__ import annotations

from collections.abc import Sequence

from services.config import ConfigFileError, Problem
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


class RuleFileError(RuleError, ConfigFileError):
    """One or more rule files have problems; ``problems`` lists every one of them."""

    what = "the rule files"

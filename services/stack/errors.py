"""Errors of the embedded stack."""

from __future__ import annotations

from services.errors import OntrackError

__all__ = ["StackError"]


class StackError(OntrackError):
    """A stack component could not be installed, started or reached."""

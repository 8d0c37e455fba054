"""The checkout that the development commands (dashboards build/check, deploy configmaps)
read and write: they work on the repository's committed files, not on an installed package."""

from __future__ import annotations

from pathlib import Path

from services.commands.errors import EXIT_USAGE, Failure
from services.data import source_tree

__all__ = ["checkout"]


def checkout(what: str) -> Path:
    """The repository ontrack runs from; a usage error (exit 2) saying ``what`` needs it when
    ontrack is installed from a wheel."""
    root = source_tree()
    if root is None:
        raise Failure(
            f"{what} in the repository, and this ontrack is installed from a wheel, without "
            "one: run it from a checkout (make install)",
            EXIT_USAGE,
        )
    return root

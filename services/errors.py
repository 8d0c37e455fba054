"""The root of ontrack's exceptions; each area keeps its own classes in its errors module."""

from __future__ import annotations

__all__ = ["OntrackError"]


class OntrackError(Exception):
    """Root of every error ontrack raises."""

"""The root of ontrack's exceptions; each area keeps its own classes in its errors module.

::

    OntrackError
     └── Unreachable     a server ontrack needs refuses or does not answer (which, where, why)
"""

from __future__ import annotations

__all__ = ["OntrackError", "Unreachable"]


class OntrackError(Exception):
    """Root of every error ontrack raises."""


class Unreachable(OntrackError):
    """A server ontrack needs (Kafka, the API, ...) cannot be reached; the message names it,
    its address, why, and what to do."""

    def __init__(self, server: str, address: str, why: str, fix: str) -> None:
        self.server = server
        self.address = address
        super().__init__(f"cannot reach {server} at {address} ({why}); {fix}")

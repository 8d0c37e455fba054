"""Errors of the storage layer; ``retriable`` tells the stream whether to retry or give up."""

from __future__ import annotations

from services.errors import OntrackError

__all__ = ["MigrationError", "ReadingsRefused", "StorageError", "StorageUnavailable"]


class StorageError(OntrackError):
    retriable = False


class StorageUnavailable(StorageError):
    """The database cannot be reached right now; the same write will succeed later."""

    retriable = True


class ReadingsRefused(StorageError):
    """Readings of a batch that cannot be stored as they are (a year-to-date total whose flow
    is implausible): their positions in the batch and why. Write the batch again without
    them: nothing of it was stored, or (a batch written in halves) what was is left as it is."""

    def __init__(self, refusals: list[tuple[int, str]]) -> None:
        super().__init__(f"{len(refusals)} reading(s) refused: {refusals[0][1]}")
        self.refusals = refusals


class MigrationError(StorageError):
    """The schema cannot be brought up to date; the message says why and what to do."""

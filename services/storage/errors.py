"""Errors of the storage layer; ``retriable`` tells the stream whether to retry or give up."""

from __future__ import annotations

from services.errors import OntrackError

__all__ = ["MigrationError", "StorageError", "StorageUnavailable"]


class StorageError(OntrackError):
    retriable = False


class StorageUnavailable(StorageError):
    """The database cannot be reached right now; the same write will succeed later."""

    retriable = True


class MigrationError(StorageError):
    """The schema cannot be brought up to date; the message says why and what to do."""

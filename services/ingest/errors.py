"""Errors of ingest."""

from __future__ import annotations

from services.errors import OntrackError

__all__ = ["BatchKeyError", "BrokerUnavailable", "IngestError"]


class IngestError(OntrackError):
    retriable = False


class BrokerUnavailable(IngestError):
    """Kafka did not acknowledge a write; the client should retry later (HTTP 503)."""

    retriable = True


class BatchKeyError(IngestError):
    """No batch key, or a malformed one: the API and the stream worker refuse to start."""

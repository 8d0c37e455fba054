"""The HTTP API: readings in, series and health out."""

from services.ingest.api.app import create_app

__all__ = ["create_app"]

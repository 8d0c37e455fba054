"""The stream: Faust agents from the ``readings`` topic to TimescaleDB."""

from services.ingest.stream.app import create_stream_app

__all__ = [
    "create_stream_app",
]

"""The stream: Faust agents from the ``readings`` topic to TimescaleDB."""

from services.ingest.stream.app import create_stream_app
from services.ingest.stream.faust_adapter import run_worker

__all__ = ["create_stream_app", "run_worker"]

"""The stream: Faust agents from the ``readings`` topic to TimescaleDB."""

from services.ingest.stream.app import create_stream_app
from services.ingest.stream.derive import refresh_air_quality
from services.ingest.stream.faust_adapter import run_worker
from services.ingest.stream.handler import BatchHandler, DeadLetter

__all__ = ["BatchHandler", "DeadLetter", "create_stream_app", "refresh_air_quality", "run_worker"]

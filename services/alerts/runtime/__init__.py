"""The running alert engine: what it judges (``universe``), its loop on events and a clock
(``loop``), leadership and shards, the state it keeps in TimescaleDB, its metrics and port."""

from services.alerts.runtime.events import AggregateEvents
from services.alerts.runtime.loop import AlertEngine, run_loop
from services.alerts.runtime.metrics import EngineMetrics
from services.alerts.runtime.replica import run_engine
from services.alerts.runtime.state_db import lock
from services.alerts.runtime.web import start_web

__all__ = [
    "AggregateEvents",
    "AlertEngine",
    "EngineMetrics",
    "lock",
    "run_engine",
    "run_loop",
    "start_web",
]

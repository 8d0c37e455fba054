"""The running alert engine: its loop on events and a clock (``loop``), the replicas that
elect a leader per shard, the ``aggregates`` events, its metrics and port."""

from services.alerts.runtime.events import AggregateEvents
from services.alerts.runtime.loop import AlertEngine, run_loop
from services.alerts.runtime.metrics import EngineMetrics
from services.alerts.runtime.replica import run_engine
from services.alerts.runtime.web import start_web

__all__ = [
    "AggregateEvents",
    "AlertEngine",
    "EngineMetrics",
    "run_engine",
    "run_loop",
    "start_web",
]

"""What the engine reads from and keeps in TimescaleDB: what it judges (``universe``) and
which share (``shards``); the rollups of every target and the freshness of every series,
read in a few set-based queries and held as columns (``load``); the alerts' state, read
before and stored after each evaluation (``alert_state``)."""

from services.alerts.snapshot.alert_state import lock
from services.alerts.snapshot.buckets import AQI_FLAGS, flag_data, target_data
from services.alerts.snapshot.load import city_days, coverage_of, load_snapshot
from services.alerts.snapshot.shards import WHOLE, Shard, check_rules
from services.alerts.snapshot.universe import History, Universe, load_universe

__all__ = [
    "lock",
    "AQI_FLAGS",
    "History",
    "Shard",
    "Universe",
    "WHOLE",
    "check_rules",
    "city_days",
    "coverage_of",
    "flag_data",
    "load_snapshot",
    "load_universe",
    "target_data",
]

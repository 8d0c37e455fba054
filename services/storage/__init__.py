"""TimescaleDB: migrations, the writer and rollups, and the queries the other rooms read."""

from services.storage.airquality import DayInputs, day_inputs, store_days
from services.storage.alert_views import OPEN_STATES, get_alert, list_alerts, list_targets
from services.storage.api_keys import find_key, insert_key, list_keys, revoke_key, touch_key
from services.storage.catalogue_sync import sync_catalogue
from services.storage.errors import (
    MigrationError,
    ReadingsRefused,
    StorageError,
    StorageUnavailable,
)
from services.storage.migrate import all_migrations, applied_versions, migrate
from services.storage.pool import connect_pool, database_answers, open_pool
from services.storage.queries import read_series
from services.storage.retention import drop_old_chunks
from services.storage.writer import ObservationWriter, Received, SeriesChange

__all__ = [
    "DayInputs",
    "MigrationError",
    "OPEN_STATES",
    "ObservationWriter",
    "ReadingsRefused",
    "Received",
    "SeriesChange",
    "StorageError",
    "StorageUnavailable",
    "all_migrations",
    "applied_versions",
    "connect_pool",
    "database_answers",
    "day_inputs",
    "drop_old_chunks",
    "find_key",
    "get_alert",
    "insert_key",
    "list_alerts",
    "list_keys",
    "list_targets",
    "migrate",
    "open_pool",
    "read_series",
    "revoke_key",
    "store_days",
    "sync_catalogue",
    "touch_key",
]

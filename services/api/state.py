"""What the API's handlers share: settings, catalogue, producer, pool, keys, limits, metrics, clock."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from psycopg_pool import AsyncConnectionPool

from services.api.metrics import IngestMetrics
from services.auth import KeyCache, RateLimiter
from services.indicators.catalogue import Catalogue
from services.ingest.producer import ReadingsProducer
from services.settings import Settings

__all__ = ["ApiState"]


@dataclass
class ApiState:
    settings: Settings
    catalogue: Catalogue
    metrics: IngestMetrics
    now: Callable[[], datetime]
    keys: KeyCache
    limiter: RateLimiter
    producer: ReadingsProducer | None = None
    pool: AsyncConnectionPool | None = None

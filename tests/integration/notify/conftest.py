"""A pool on the session's test database with an empty outbox, for each notify test."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from psycopg_pool import AsyncConnectionPool

from services.storage.pool import open_pool


@pytest.fixture
async def pool(test_dsn: str) -> AsyncIterator[AsyncConnectionPool]:
    """The outbox and silences start empty; other tests' alerts stay (ours carry a run label)."""
    found = await open_pool(test_dsn, name="ontrack-notify-test", max_size=4)
    await found.wait()
    async with found.connection() as conn:
        await conn.execute("TRUNCATE notifications, silences")
    yield found
    await found.close()

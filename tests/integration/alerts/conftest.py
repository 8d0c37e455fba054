"""A database of their own for the alert engine's tests (city-wide rollups sum every source
in a database, so other tests' series must not count), plus plan and rule files."""

from __future__ import annotations

import itertools
import os
import uuid
from collections.abc import Callable, Iterator

import pytest
from pydantic import SecretStr

from services.settings import Settings
from tests.fixtures.stack import fresh_database

_COUNT = itertools.count()


@pytest.fixture(scope="module")
def alerts_dsn(embedded_stack: Settings) -> Iterator[str]:
    """A freshly migrated database for one test module."""
    name = f"ontrack_test_alerts_{os.getpid()}_{next(_COUNT)}"
    with fresh_database(embedded_stack.dsn, name) as dsn:
        yield dsn


@pytest.fixture(scope="module")
def alerts_settings(
    embedded_stack: Settings, alerts_dsn: str, private_topics: Callable[..., Settings]
) -> Settings:
    """Settings with the module's database, private topics and a private engine group."""
    return private_topics(
        embedded_stack,
        database_url=SecretStr(alerts_dsn),
        alerts_consumer_group=f"test-{uuid.uuid4().hex[:8]}-alerts",
    )


@pytest.fixture(scope="module")
def db_settings(embedded_stack: Settings, alerts_dsn: str) -> Settings:
    """Settings with the module's database, for tests that use no topic."""
    return embedded_stack.model_copy(update={"database_url": SecretStr(alerts_dsn)})

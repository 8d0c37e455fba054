"""Ingest tests share one API + worker (the package's ``pipeline``) and one API with small limits."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest

from services.settings import Settings
from tests.fixtures.keys import MakeKey
from tests.fixtures.services import Proc, Running, _spawner, service_env, start_api, start_pipeline

LIMITS = {
    "ONTRACK_MAX_BODY_BYTES": "8192",
    "ONTRACK_MAX_BATCH": "25",
    "ONTRACK_RATE_PER_KEY": "20",
    "ONTRACK_RATE_BURST": "30",
    "ONTRACK_KEY_CACHE_SECONDS": "1",
}


@pytest.fixture(scope="package")
def package_spawn(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[..., Proc]]:
    start, procs = _spawner(tmp_path_factory.mktemp("ingest-procs"))
    yield start
    for proc in procs:
        proc.stop()


@pytest.fixture(scope="package")
def pipeline(settings: Settings, package_spawn: Callable[..., Proc]) -> Running:
    """One API and one stream worker for every ingest test."""
    return start_pipeline(settings, package_spawn)


@dataclass
class Limited:
    url: str
    proc: Proc
    env: dict[str, str]


@pytest.fixture(scope="package")
def limited(settings: Settings, package_spawn: Callable[..., Proc], pipeline: Running) -> Limited:
    """A second API on the same topics with small limits (body 8 KiB, batch 25, 20 readings/s,
    bursts of 30) and a key cache of 1 s; the package's worker stores what it accepts."""
    env = service_env(settings, **LIMITS)
    url, proc = start_api(package_spawn, env, name="api-limited")
    return Limited(url, proc, env)


@pytest.fixture
def fresh_key(make_key: MakeKey) -> str:
    """A key of its own for one test (rate limits are per key)."""
    return make_key("test-fresh")

"""The private Faust and aiokafka API that services/ingest/stream/faust_adapter.py touches is
still there, in the versions pyproject.toml pins: a release that moves any of it fails here,
loudly and by name, instead of in production (a worker that commits unstored batches, or
waits 1.5 s per fetch)."""

from __future__ import annotations

import inspect
import re
import tomllib
from importlib.metadata import version
from pathlib import Path

import aiokafka
import pytest
from faust.streams import Stream
from faust.transport.drivers import aiokafka as driver

from services.ingest.stream.faust_adapter import App

PYPROJECT = Path(__file__).resolve().parents[4] / "pyproject.toml"


def _pins() -> dict[str, str]:
    deps = tomllib.loads(PYPROJECT.read_text())["project"]["dependencies"]
    pins = {}
    for dep in deps:
        m = re.fullmatch(r"([A-Za-z0-9_.-]+)==([0-9][^;\s]*)", dep.strip())
        if m:
            pins[m[1].lower()] = m[2]
    return pins


@pytest.mark.parametrize("package", ["faust-streaming", "aiokafka"])
def test_the_installed_version_is_the_pinned_one(package: str) -> None:
    pinned = _pins().get(package)
    assert pinned is not None, f"{package} must be pinned with == in pyproject.toml"
    assert version(package) == pinned, (
        f"{package} {version(package)} is installed but {pinned} is pinned: run `make install`"
        " (or, upgrading on purpose, re-check faust_adapter.py's private API and re-pin)"
    )


@pytest.fixture
async def app() -> App:
    made = App("surface-test", broker="kafka://127.0.0.1:1", store="memory://", web_enabled=False)
    made.fetch_max_wait_ms = 77
    return made


async def test_the_consumer_thread_override_sets_the_fetch_wait(app: App) -> None:
    thread = app.consumer._thread  # built through App._new_transport → _new_consumer_thread
    assert type(thread).__name__ == "_ConsumerThread"
    params = list(
        inspect.signature(driver.AIOKafkaConsumerThread._create_worker_consumer).parameters
    )
    assert params == ["self", "transport"]
    consumer = thread._create_worker_consumer(app.transport)
    try:
        assert isinstance(consumer, aiokafka.AIOKafkaConsumer)
        assert consumer._fetch_max_wait_ms == 77
    finally:
        consumer._closed = True  # never started: nothing to close but the warning
    # aiokafka reads the attribute when it starts its fetcher
    assert "self._fetch_max_wait_ms" in inspect.getsource(aiokafka.AIOKafkaConsumer.start)


async def test_streams_take_a_passive_channel_and_keep_their_processors_in_a_list(app: App) -> None:
    assert list(inspect.signature(Stream._enable_passive).parameters)[:2] == ["self", "channel"]
    stream = app.stream(app.channel())
    assert isinstance(stream._processors, list)

    def processor(value: object) -> object:
        return value

    stream.add_processor(processor)
    stream._processors.remove(processor)  # what committed_batches does on its way out
    assert processor not in stream._processors


async def test_the_consumer_keeps_its_committed_offsets(app: App) -> None:
    committed = app.consumer._committed_offset
    assert isinstance(committed, dict)


async def test_the_producer_is_reached_through_ensure_producer(app: App) -> None:
    producer = app.producer
    assert callable(producer._ensure_producer)
    assert "def fetch_all_metadata" in inspect.getsource(aiokafka.AIOKafkaClient)

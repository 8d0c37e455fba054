"""The reliability suite: faults injected into real components, every test reconciling counts.

Each fault test records a ``Reconciliation`` (sent, accepted, stored, lost, duplicated...)
with the ``record`` fixture; the counts are printed at the end of the run, and written as
JSON lines to ``$ONTRACK_RELIABILITY_REPORT`` when it is set (docs/reliability.md quotes
them).

The 10-minute soak is marked ``soak`` and deselected unless asked for: ``make soak``
(``ONTRACK_SOAK=1``).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
import pytest

_RESULTS = pytest.StashKey[list[dict[str, Any]]]()


def soak_wanted() -> bool:
    return os.environ.get("ONTRACK_SOAK") == "1"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if soak_wanted():
        return
    soaks = [item for item in items if item.get_closest_marker("soak")]
    if soaks:
        config.hook.pytest_deselected(items=soaks)
        items[:] = [item for item in items if not item.get_closest_marker("soak")]


def pytest_configure(config: pytest.Config) -> None:
    config.stash[_RESULTS] = []


@pytest.fixture
def record(request: pytest.FixtureRequest) -> Callable[[Any], None]:
    """Keep a test's counts (a Reconciliation, or anything with ``as_dict`` and ``line``)."""

    def keep(result: Any) -> None:
        row = {"test": request.node.nodeid, **result.as_dict(), "line": result.line()}
        request.config.stash[_RESULTS].append(row)
        print(f"\n[reliability] {result.line()}")

    return keep


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    rows = config.stash.get(_RESULTS, [])
    if not rows:
        return
    terminalreporter.section("reliability: sent / stored / lost / duplicated")
    for row in rows:
        terminalreporter.write_line(row["line"])
    target = os.environ.get("ONTRACK_RELIABILITY_REPORT")
    if target:
        with Path(target).open("ab") as out:
            for row in rows:
                out.write(orjson.dumps(row, default=str, option=orjson.OPT_NON_STR_KEYS) + b"\n")

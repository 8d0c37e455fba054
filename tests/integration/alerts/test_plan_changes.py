"""Plan files change and the engine restarts, with no migration: ``ontrack targets`` lists
the targets of the files as they are now — every new one, none the files no longer hold."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from prometheus_client import CollectorRegistry

from services.alerts.runtime.loop import AlertEngine
from services.alerts.runtime.metrics import EngineMetrics
from services.alerts.snapshot.universe import load_universe
from services.cli import main
from services.dashboards.targets import publish_plans
from services.indicators.plans import load_plans
from services.settings import Settings
from services.storage.pool import open_pool
from tests.integration.alerts.helpers import write_plans

pytestmark = pytest.mark.integration

NOW = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)
DROPPED = """\
  - id: people.talent_pool.dropped.2025
    indicator: people.talent_pool
    comparator: ">="
    value: 300万
    unit: people
    deadline: 2025-12-31
    kind: stock
    baseline: {from_data: true}
    trajectory: linear
    scope: city
    source_clause: test · talent
    source_text: 人才总量突破300万人
"""


def start_engine(s: Settings, plans: Path) -> None:
    """What ``ontrack alerts`` does as it starts: publish the plans, then judge them."""

    async def run() -> None:
        await publish_plans(s.dsn, plans, s.catalogue_path)
        universe = load_universe(plans, s.rules_dir, s.catalogue_path)
        pool = await open_pool(s.dsn)
        try:
            engine = AlertEngine(universe, pool, EngineMetrics.create(CollectorRegistry()))
            await engine.evaluate(None, now=NOW)
        finally:
            await pool.close()

    asyncio.run(run())


def listed(s: Settings) -> list[str]:
    result = CliRunner().invoke(main, ["--database-url", s.dsn, "targets"])
    assert result.exit_code == 0, result.output
    return [line.split()[0] for line in result.stdout.splitlines()[1:]]


def test_new_targets_are_listed_after_a_restart_and_dropped_ones_are_not(
    db_settings: Settings, tmp_path: Path
) -> None:
    start_engine(db_settings, write_plans(tmp_path / "before", DROPPED))
    assert listed(db_settings) == ["people.talent_pool.dropped.2025"]

    start_engine(db_settings, db_settings.plans_dir)
    shown = listed(db_settings)
    expected = {t.id for p in load_plans(db_settings.plans_dir) for t in p.targets}
    assert len(shown) == len(set(shown)) == len(expected) > 100
    assert set(shown) == expected
    for new in (
        "economy.finance_value_added.2026",
        "economy.marine_gdp.2026",
        "industry.industrial_output.2026",
        "economy.high_value_patents.2025",
        "port.intl_container_routes.2026",
    ):
        assert new in shown

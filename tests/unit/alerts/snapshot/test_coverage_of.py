"""What a year of a flow's data must hold follows how often its indicator is reported."""

from __future__ import annotations

import pytest

from services.alerts.snapshot.load import coverage_of
from services.indicators.catalogue import load_catalogue
from services.indicators.coverage import DAILY_FLOW, MONTHLY, QUARTERLY, YEARLY, Coverage
from services.indicators.plans import load_plans

CATALOGUE = {i.id: i for i in load_catalogue()}
TARGETS = [t for p in load_plans() for t in p.targets]
EXPECTED = {"P1D": DAILY_FLOW, "P1M": MONTHLY, "P3M": QUARTERLY, "P1Y": YEARLY}


@pytest.mark.parametrize("cadence", sorted(EXPECTED))
def test_a_flow_is_judged_per_report_of_its_cadence(cadence: str) -> None:
    flows = [
        t
        for t in TARGETS
        if t.kind == "flow"
        and CATALOGUE[t.indicator].cadence == cadence
        and CATALOGUE[t.indicator].family != "air"
    ]
    assert flows, f"no flow target reported {cadence}"
    for t in flows:
        found: Coverage | None = coverage_of(t, CATALOGUE[t.indicator])
        assert found == EXPECTED[cadence], (t.id, cadence, found)

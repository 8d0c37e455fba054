"""services/data/prometheus/rules: every alert has a runbook entry in docs/operations.md that its
``runbook`` annotation points at, and the label values the rules select are ones the
services emit."""

from __future__ import annotations

import re
from typing import Any

import pytest
import yaml

from services.alerts.notify.metrics import RESULTS
from tests.fixtures.paths import DATA, ROOT

RULES = DATA / "prometheus/rules"
OPERATIONS = ROOT / "docs/operations.md"


def alerts() -> list[dict[str, Any]]:
    return [
        rule
        for path in sorted(RULES.glob("*.yml"))
        for group in yaml.safe_load(path.read_text(encoding="utf-8"))["groups"]
        for rule in group["rules"]
        if "alert" in rule
    ]


def anchor(heading: str) -> str:
    """The anchor a Markdown renderer gives a heading (GitHub's rule)."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def sections() -> dict[str, str]:
    """The runbook's entries: anchor of each ``###`` heading under ``## Runbook`` → its text."""
    text = OPERATIONS.read_text(encoding="utf-8")
    runbook = text.split("\n## Runbook\n", 1)[1].split("\n## ", 1)[0]
    parts = re.split(r"^### (.+)$", runbook, flags=re.MULTILINE)
    return {anchor(parts[i]): parts[i + 1].strip() for i in range(1, len(parts), 2)}


@pytest.mark.parametrize("rule", alerts(), ids=lambda r: r["alert"])
def test_every_alert_has_a_runbook_entry_its_annotation_points_at(rule: dict[str, Any]) -> None:
    link = rule["annotations"]["runbook"]
    path, _, fragment = link.partition("#")
    assert path == "docs/operations.md"
    assert fragment == anchor(rule["alert"]), f"{rule['alert']}: runbook {link}"
    entry = sections().get(fragment)
    assert entry, f"docs/operations.md has no runbook entry ### {rule['alert']}"
    assert re.search(r"^1\. ", entry, re.MULTILINE), "an entry says what to do, step by step"
    assert f"({rule['labels']['severity']})" in entry, "an entry says its severity"


def test_the_runbook_has_no_entry_for_an_alert_that_does_not_exist() -> None:
    assert set(sections()) == {anchor(r["alert"]) for r in alerts()}


def test_rules_select_only_notification_results_the_notifier_counts() -> None:
    for rule in alerts():
        for value in re.findall(r'ontrack_notifications_total\{[^}]*result="(\w+)"', rule["expr"]):
            assert value in RESULTS, f"{rule['alert']}: result={value!r} is never counted"

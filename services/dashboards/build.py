"""Build every dashboard, render it as stable JSON, and compare with the committed files."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from grafana_foundation_sdk.cog.encoder import JSONEncoder
from grafana_foundation_sdk.models.dashboard import Dashboard

from services.dashboards.alerts import alert_history
from services.dashboards.family import FAMILIES, family_dashboard
from services.dashboards.feeds import feed_health
from services.dashboards.overview import overview
from services.dashboards.pipeline import pipeline
from services.settings import REPO_ROOT

__all__ = ["DASHBOARDS_DIR", "build_all", "render", "stale_files"]

DASHBOARDS_DIR = REPO_ROOT / "dashboards"


def _builders() -> dict[str, Callable[[], Dashboard]]:
    boards: dict[str, Callable[[], Dashboard]] = {"overview.json": overview}
    for family in FAMILIES:
        boards[f"{family.slug}.json"] = lambda f=family: family_dashboard(f)  # type: ignore[misc]
    boards["alerts.json"] = alert_history
    boards["feeds.json"] = feed_health
    boards["pipeline.json"] = pipeline
    return boards


def render(board: Dashboard) -> str:
    """Grafana's JSON model of ``board``: sorted keys, two-space indent, final newline."""
    return json.dumps(board, cls=JSONEncoder, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def build_all() -> dict[str, str]:
    """Every dashboard's JSON text, by file name."""
    return {name: render(make()) for name, make in _builders().items()}


def stale_files(directory: Path = DASHBOARDS_DIR) -> list[str]:
    """File names in ``directory`` that differ from the code, are missing, or are extra."""
    built = build_all()
    found = {p.name for p in directory.glob("*.json")} if directory.is_dir() else set()
    stale = [
        name
        for name, text in built.items()
        if name not in found or (directory / name).read_text(encoding="utf-8") != text
    ]
    return sorted(stale + sorted(found - built.keys()))

"""Build every dashboard in every language, render it as stable JSON, and compare with the
committed files: ``dashboards/<lang>/<name>.json`` (``en/air.json``, ``zh-CN/air.json``)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from grafana_foundation_sdk.cog.encoder import JSONEncoder
from grafana_foundation_sdk.models.dashboard import Dashboard

from services.dashboards.alerts import alert_history
from services.dashboards.family import FAMILIES, family_dashboard
from services.dashboards.feeds import feed_health
from services.dashboards.language.i18n import Speech
from services.dashboards.language.words import LANGS
from services.dashboards.overview import overview
from services.dashboards.pipeline import pipeline
from services.indicators.catalogue import Catalogue, load_catalogue

__all__ = ["build_all", "build_language", "render", "stale_files"]


def _builders(catalogue: Catalogue) -> dict[str, Callable[[Speech], Dashboard]]:
    boards: dict[str, Callable[[Speech], Dashboard]] = {"overview.json": overview}
    for family in FAMILIES:
        boards[f"{family.slug}.json"] = lambda t, f=family: family_dashboard(f, t, catalogue)  # type: ignore[misc]
    boards["alerts.json"] = alert_history
    boards["feeds.json"] = feed_health
    boards["pipeline.json"] = pipeline
    return boards


def render(board: Dashboard) -> str:
    """Grafana's JSON model of ``board``: sorted keys, two-space indent, final newline."""
    return json.dumps(board, cls=JSONEncoder, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def build_language(speech: Speech, catalogue: Catalogue | None = None) -> dict[str, str]:
    """Every dashboard's JSON text in ``speech``'s language, by file name."""
    catalogue = catalogue or load_catalogue()
    return {name: render(make(speech)) for name, make in _builders(catalogue).items()}


def build_all(catalogue: Catalogue | None = None) -> dict[str, str]:
    """Every dashboard's JSON text in every language, by path under dashboards/
    (``en/air.json``)."""
    catalogue = catalogue or load_catalogue()
    built: dict[str, str] = {}
    for lang in LANGS:
        for name, text in build_language(Speech(lang), catalogue).items():
            built[f"{lang}/{name}"] = text
    return built


def stale_files(directory: Path) -> list[str]:
    """Paths under ``directory`` (the committed dashboards/) that differ from the code, are
    missing, or are extra (JSON files of a language's directory, or left at the top from
    before languages)."""
    built = build_all()
    found = (
        {p.relative_to(directory).as_posix() for p in directory.glob("**/*.json")}
        if directory.is_dir()
        else set()
    )
    stale = [
        name
        for name, text in built.items()
        if name not in found or (directory / name).read_text(encoding="utf-8") != text
    ]
    return sorted(stale + sorted(found - built.keys()))

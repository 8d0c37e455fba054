"""Grafana dashboards as code (grafana-foundation-sdk) and what they read from TimescaleDB.

``build_all()`` gives every dashboard as Grafana JSON in every language (English and
Chinese, from the same code), by path (``en/air.json``, ``zh-CN/air.json``); ``ontrack
dashboards build`` writes them to dashboards/ and ``ontrack dashboards check`` compares.
The SQL of the panels calls the views and functions of migrations 0004, 0005 and 0012;
``targets`` publishes the plan targets, their trajectories and their names in each
language, which they draw.

Building needs grafana-foundation-sdk, a development-time dependency (the ``dashboards``
extra): the JSON is committed, so the services (the alert engine publishes targets through
``targets``) run without it. The builders are therefore imported only when asked for.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from services.dashboards.build import build_all, render, stale_files

__all__ = ["build_all", "render", "stale_files"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from services.dashboards import build

        return getattr(build, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

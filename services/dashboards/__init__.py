"""Grafana dashboards as code (grafana-foundation-sdk) and what they read from TimescaleDB.

``build_all()`` gives every dashboard as Grafana JSON in every language (English and
Chinese, from the same code), by path (``en/air.json``, ``zh-CN/air.json``); ``ontrack
dashboards build`` writes them to dashboards/ and ``ontrack dashboards check`` compares.
The SQL of the panels calls the views and functions of migrations 0004, 0005 and 0012;
``targets`` publishes the plan targets, their trajectories and their names in each
language, which they draw.
"""

from services.dashboards.build import DASHBOARDS_DIR, build_all, render, stale_files

__all__ = ["DASHBOARDS_DIR", "build_all", "render", "stale_files"]

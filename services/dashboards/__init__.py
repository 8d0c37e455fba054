"""Grafana dashboards as code (grafana-foundation-sdk) and what they read from TimescaleDB.

``build_all()`` gives every dashboard as Grafana JSON, by file name; ``ontrack dashboards
build`` writes them to dashboards/ and ``ontrack dashboards check`` compares. The SQL of
the panels calls the views and functions of migration 0005; ``targets`` publishes the plan
targets and trajectories they draw.
"""

from services.dashboards.build import DASHBOARDS_DIR, build_all, render, stale_files

__all__ = ["DASHBOARDS_DIR", "build_all", "render", "stale_files"]

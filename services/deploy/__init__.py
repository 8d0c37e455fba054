"""The production deployment's generated parts (deploy/k8s/generated/)."""

from services.deploy.configmaps import SOURCES, ConfigSource, render_all, stale, write_all

__all__ = ["SOURCES", "ConfigSource", "render_all", "stale", "write_all"]

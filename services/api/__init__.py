"""The HTTP API: readings in, series and health out.

``create_app`` is imported on first use, so that clients of the API (``services.ingest.client``, used by
the CLI) do not load the web framework.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from services.api.app import create_app

__all__ = ["create_app"]


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from services.api.app import create_app

        return create_app
    raise AttributeError(name)

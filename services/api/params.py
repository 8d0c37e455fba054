"""Path and query parameters that several operations share, with the forms they take."""

from __future__ import annotations

from typing import Annotated, Final

from fastapi import Path

__all__ = ["PLAIN_TEXT", "Fingerprint"]

PLAIN_TEXT: Final = r"^[^\x00-\x1f\x7f]{1,128}$"
"""A name as the API takes it in a path or query: 1 to 128 characters, no control character."""

Fingerprint = Annotated[
    str,
    Path(
        pattern=r"^[0-9a-f]{16}$",
        description="The alert's fingerprint",
        examples=["4be3c1a0d2f96e87"],
    ),
]

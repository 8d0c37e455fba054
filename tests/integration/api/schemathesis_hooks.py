"""schemathesis hooks for the API's contract test: how to send an NDJSON body.

schemathesis has no serializer of its own for ``application/x-ndjson``: the body the
schema describes is a text (one reading per line), sent as UTF-8.
"""

from __future__ import annotations

import json
from typing import Any

import schemathesis


@schemathesis.serializer("application/x-ndjson")
def ndjson(ctx: Any, value: Any) -> bytes:
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode("utf-8")
    return json.dumps(value).encode("utf-8")  # a value of another type, in negative tests

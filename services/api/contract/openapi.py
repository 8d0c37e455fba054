"""The OpenAPI document of the API, as committed in ``services/data/schemas/openapi.json``.

FastAPI builds it from the routes; this adds what FastAPI cannot know: the JSON Schemas of
a reading and a batch (from ``services/data/schemas/``), the problem bodies, the security schemes, and
it replaces FastAPI's own validation-error answer (which the API never gives) with the
``invalid-request`` problem. ``render`` gives the committed text: ``ontrack api openapi``.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI

from services.api.contract import docs
from services.api.contract.problems import BatchProblem, Problem, RecordProblem, RecordsProblem
from services.data import packaged
from services.indicators.readings import MAX_BATCH_ITEMS

__all__ = ["install_openapi", "render"]

_REF = "#/components/schemas/"
_SURROGATES = r"\\ud800-\\udfff"  # as written in the JSON text
_DESCRIPTION = """\
Readings in from feed providers (JSON, NDJSON or CSV, with an API key); series, targets and
alerts out; acknowledging, resolving and silencing alerts for the people on call.

Every error is a problem detail (RFC 9457, `application/problem+json`) whose `type` names
its kind, `/problems/<slug>`, a page of this API that says what it means and what to do.
Probes: `/livez` (the process answers), `/readyz` (readings can be accepted: Kafka answers),
`/healthz` (each dependency, for people).
"""


def install_openapi(app: FastAPI) -> None:
    """Make ``app.openapi()`` give the completed document (built once)."""
    build: Callable[[], dict[str, Any]] = app.openapi

    def openapi() -> dict[str, Any]:
        if not app.openapi_schema:
            app.openapi_schema = _complete(build())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def render(app: FastAPI) -> str:
    """The document as committed: indented, keys in a stable order, a final newline."""
    return json.dumps(app.openapi(), indent=2, ensure_ascii=False) + "\n"


def _complete(doc: dict[str, Any]) -> dict[str, Any]:
    doc["info"]["description"] = _DESCRIPTION
    components = doc.setdefault("components", {})
    components["securitySchemes"] = docs.SECURITY_SCHEMES
    schemas = components.setdefault("schemas", {})
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)
    schemas.update(_reading_schemas())
    for model in (Problem, RecordsProblem, BatchProblem, RecordProblem):
        found = model.model_json_schema(ref_template=_REF + "{model}")
        for name, sub in found.pop("$defs", {}).items():
            schemas.setdefault(name, sub)
        schemas[model.__name__] = found
    invalid = docs.problems("invalid-request")[422]
    for path in doc["paths"].values():
        for operation in path.values():
            answer = operation.get("responses", {}).get("422", {})
            if "HTTPValidationError" in json.dumps(answer):
                operation["responses"]["422"] = copy.deepcopy(invalid)
    doc["components"]["schemas"] = dict(sorted(schemas.items()))
    return doc


def _reading_schemas() -> dict[str, Any]:
    """Reading and ReadingBatch from services/data/schemas/*.schema.json, and ReadingList (a bare array)."""
    out: dict[str, Any] = {}
    for name, file in (("Reading", "reading.schema.json"), ("ReadingBatch", "batch.schema.json")):
        text = packaged("schemas", file).read_text(encoding="utf-8")
        # Lone surrogates cannot reach a record (a JSON body holding one is not read), and
        # regex engines of JSON tools refuse the range: the document leaves it out.
        text = text.replace(_SURROGATES, "")
        schema = json.loads(text.replace('"reading.schema.json"', f'"{_REF}Reading"'))
        schema.pop("$schema", None)
        schema.pop("$id", None)
        out[name] = schema
    out["ReadingList"] = {
        "title": "ReadingList",
        "description": "A batch as a bare array of readings.",
        "type": "array",
        "maxItems": MAX_BATCH_ITEMS,
        "items": {"$ref": _REF + "Reading"},
    }
    return out

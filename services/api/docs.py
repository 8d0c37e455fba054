"""What the OpenAPI document says about ``POST /v1/readings``: bodies, answers, security."""

from __future__ import annotations

from typing import Any, Final

from services.api.problems import PROBLEM_TYPE, IngestResult, Problem

__all__ = ["READINGS_BODY", "READINGS_RESPONSES", "SECURITY_SCHEMES"]

_CSV_EXAMPLE = (
    "indicator,ts,value,unit,source,region,id\n"
    "air.pm25,2026-11-22T08:00:00+08:00,31,µg/m³,qd-station-01,shinan,st01-2026112208\n"
)
_NDJSON_EXAMPLE = (
    '{"indicator":"air.pm25","ts":"2026-11-22T08:00:00+08:00","value":31,"unit":"µg/m³",'
    '"source":"qd-station-01"}\n'
)

SECURITY_SCHEMES: Final[dict[str, Any]] = {
    "bearer": {
        "type": "http",
        "scheme": "bearer",
        "description": "An API key made with `ontrack keys create`: `Authorization: Bearer otk_…`",
    },
    "apiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
}

READINGS_BODY: Final[dict[str, Any]] = {
    "security": [{"bearer": []}, {"apiKey": []}],
    "requestBody": {
        "required": True,
        "description": (
            "Readings as JSON (an object with `readings`, or an array), NDJSON (one reading "
            "per line) or CSV (a header row, then one reading per row; labels as `label.NAME` "
            "columns). UTF-8 only."
        ),
        "content": {
            "application/json": {"schema": {"$ref": "#/components/schemas/ReadingBatch"}},
            "application/x-ndjson": {
                "schema": {"type": "string"},
                "example": _NDJSON_EXAMPLE,
            },
            "text/csv": {"schema": {"type": "string"}, "example": _CSV_EXAMPLE},
        },
    },
}


def _problem(description: str, *headers: str) -> dict[str, Any]:
    answer: dict[str, Any] = {
        "description": description,
        "content": {PROBLEM_TYPE: {"schema": Problem.model_json_schema()}},
    }
    if headers:
        answer["headers"] = {
            h: {"schema": {"type": "integer"}, "description": "seconds to wait"} for h in headers
        }
    return answer


READINGS_RESPONSES: Final[dict[int | str, dict[str, Any]]] = {
    202: {
        "model": IngestResult,
        "description": "Accepted readings are durably in Kafka; `errors` lists the others",
    },
    400: _problem("The body cannot be read (not UTF-8, not JSON, bad CSV header)"),
    401: _problem("No API key, or one that is malformed, unknown or revoked"),
    403: _problem("The key lacks the ingest role, or records are outside its scope"),
    413: _problem("The body or the batch is too large"),
    415: _problem("Unsupported Content-Type or charset"),
    422: _problem("No reading of the batch was accepted; `errors` says why"),
    429: _problem("The key's rate is exceeded; nothing was accepted", "Retry-After"),
    503: _problem("The broker or the key store did not answer; retry", "Retry-After"),
}

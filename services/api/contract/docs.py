"""What the OpenAPI document says of each operation: bodies, answers, security, examples.

``problems(*slugs)`` documents the problem answers an operation may give: per status the
``application/problem+json`` body, its ``type`` limited to the listed kinds, the headers
sent with it and an example of each. ``ok(model, ...)`` documents the success answer.
The request bodies of ``POST /v1/readings`` are stated for each media type, with a pattern
for NDJSON and CSV, so that a body the schema admits is one the API can read.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any, Final

from pydantic import BaseModel

from services.api.contract.problem_types import PROBLEM_TYPES, ProblemType
from services.api.contract.problems import PROBLEM_TYPE
from services.indicators.readings import INDICATOR_PATTERN, MAX_BATCH_ITEMS, TS_PATTERN

__all__ = [
    "KEY_OPTIONAL",
    "KEY_REQUIRED",
    "READINGS_BODY",
    "SECURITY_SCHEMES",
    "ok",
    "problems",
]

_SCHEMAS = "#/components/schemas/"

SECURITY_SCHEMES: Final[dict[str, Any]] = {
    "bearer": {
        "type": "http",
        "scheme": "bearer",
        "description": "An API key made with `ontrack keys create`: `Authorization: Bearer otk_…`",
    },
    "apiKey": {
        "type": "apiKey",
        "in": "header",
        "name": "X-API-Key",
        "description": "The same key in a header of its own: `X-API-Key: otk_…`",
    },
}
KEY_REQUIRED: Final[list[dict[str, list[str]]]] = [{"bearer": []}, {"apiKey": []}]
# Reads are open unless the API runs with public reads off; then any valid key opens them.
KEY_OPTIONAL: Final[list[dict[str, list[str]]]] = [{}, {"bearer": []}, {"apiKey": []}]

_HEADERS: Final[dict[str, dict[str, Any]]] = {
    "Retry-After": {
        "description": "Seconds to wait before sending the request again",
        "schema": {"type": "integer", "minimum": 0},
    },
    "WWW-Authenticate": {
        "description": 'How to authenticate: `Bearer realm="ontrack"`',
        "schema": {"type": "string"},
    },
    "Allow": {"description": "The methods the path takes", "schema": {"type": "string"}},
}

_EXAMPLE_READING: Final = {
    "indicator": "air.pm25",
    "ts": "2026-11-22T08:00:00+08:00",
    "value": 31,
    "unit": "µg/m³",
    "source": "qd-station-01",
}
_EXAMPLE_ERROR: Final = {
    "index": 0,
    "field": "unit",
    "code": "unit",
    "message": 'reading 0: unit "kg" is not accepted for air.pm25 (accepted: µg/m³, mg/m³, …)',
}
_EXAMPLE_EXTRAS: Final[dict[str, dict[str, Any]]] = {
    "RecordsProblem": {
        "errors": [
            {
                **_EXAMPLE_ERROR,
                "field": "source",
                "code": "scope",
                "message": 'the key 3f2a… of qd-emc may not write source "other-1" (it may '
                "write qd-*); leave the reading out or ask the operator to widen the key's scope",
            }
        ]
    },
    "BatchProblem": {"accepted": 0, "rejected": 1, "errors": [_EXAMPLE_ERROR]},
}


def ok(
    model: type[BaseModel],
    description: str,
    example: Any = None,
    *,
    status: int = 200,
    links: dict[str, tuple[str, dict[str, str]]] | None = None,
) -> dict[int | str, dict[str, Any]]:
    """The success answer of an operation: ``model`` as JSON, with an example, and links to
    operations that take a value of it (``name: (operationId, {parameter: expression})``)."""
    answer: dict[str, Any] = {"model": model, "description": description}
    if example is not None:
        answer["content"] = {"application/json": {"example": example}}
    if links:
        answer["links"] = {
            name: {"operationId": operation, "parameters": parameters}
            for name, (operation, parameters) in links.items()
        }
    return {status: answer}


def problems(*slugs: str) -> dict[int | str, dict[str, Any]]:
    """The problem answers of an operation, one entry per status (kinds of a status together)."""
    by_status: dict[int, list[ProblemType]] = defaultdict(list)
    for slug in slugs:
        kind = PROBLEM_TYPES[slug]
        by_status[kind.status].append(kind)
    return {status: _answer(kinds) for status, kinds in sorted(by_status.items())}


def _answer(kinds: list[ProblemType]) -> dict[str, Any]:
    schemas = [_schema(kind) for kind in kinds]
    content: dict[str, Any] = {
        "schema": schemas[0] if len(schemas) == 1 else {"oneOf": schemas},
        "examples": {kind.slug: {"summary": kind.title, "value": _example(kind)} for kind in kinds},
    }
    answer: dict[str, Any] = {
        "description": " Or: ".join(kind.means for kind in kinds),
        "content": {PROBLEM_TYPE: content},
    }
    headers = {h for kind in kinds for h in kind.headers}
    if headers:
        answer["headers"] = {
            h: {**_HEADERS[h], "required": all(h in kind.headers for kind in kinds)}
            for h in sorted(headers)
        }
    return answer


def _schema(kind: ProblemType) -> dict[str, Any]:
    return {
        "allOf": [
            {"$ref": _SCHEMAS + kind.shape},
            {
                "properties": {
                    "type": {"const": kind.uri},
                    "title": {"const": kind.title},
                    "status": {"const": kind.status},
                }
            },
        ]
    }


def _example(kind: ProblemType) -> dict[str, Any]:
    body = {"type": kind.uri, "title": kind.title, "status": kind.status, "detail": kind.remedy}
    return {**body, **_EXAMPLE_EXTRAS.get(kind.shape, {})}


# ── the request body of POST /v1/readings ──────────────────────────────────────────────
# NDJSON and CSV are texts: a pattern states their form (a reading per line, the header
# first) with cells of plain characters, so that every text it admits is read as records.
_IND = INDICATOR_PATTERN.removeprefix("^").removesuffix("$")
_TS = TS_PATTERN.removeprefix("^").removesuffix("$")
_NUMBER = r"-?[0-9]{1,12}(\.[0-9]{1,6})?"
_UNIT = r"[A-Za-z0-9µ°³²/%._\u4e00-\u9fff-]{1,32}"
_SOURCE = r"[A-Za-z0-9._\u4e00-\u9fff-]{1,64}"
CSV_PATTERN: Final = (
    rf"^indicator,ts,value,unit,source\r?\n(?:{_IND},{_TS},{_NUMBER},{_UNIT},{_SOURCE}\r?\n)*$"
)
NDJSON_PATTERN: Final = (
    rf'^(?:\{{"indicator":"{_IND}","ts":"{_TS}","value":{_NUMBER},"unit":"{_UNIT}",'
    rf'"source":"{_SOURCE}"\}}\n)*$'
)
_CSV_EXAMPLE: Final = (
    "indicator,ts,value,unit,source\n"
    "air.pm25,2026-11-22T08:00:00+08:00,31,µg/m³,qd-station-01\n"
    "air.pm25,2026-11-22T09:00:00+08:00,34,µg/m³,qd-station-01\n"
)
_NDJSON_EXAMPLE: Final = (
    '{"indicator":"air.pm25","ts":"2026-11-22T08:00:00+08:00","value":31,"unit":"µg/m³",'
    '"source":"qd-station-01"}\n'
)

READINGS_BODY: Final[dict[str, Any]] = {
    "required": True,
    "description": (
        "Readings as JSON (an object with `readings`, or an array), NDJSON (one reading "
        "per line) or CSV (a header row naming the columns, then one reading per row; "
        "optional columns `region`, `id` and `label.NAME`). UTF-8 only; at most "
        f"{MAX_BATCH_ITEMS} readings and 16 MiB per request. The schemas state the form; "
        "whether a reading is accepted also depends on the catalogue (known indicator, "
        "accepted unit, plausible value) and the clock (no time in the future), and each "
        "refused reading is listed in `errors`. An empty batch is answered 202 with nothing "
        "accepted."
    ),
    "content": {
        "application/json": {
            "schema": {
                "anyOf": [
                    {"$ref": _SCHEMAS + "ReadingBatch"},
                    {"$ref": _SCHEMAS + "ReadingList"},
                ]
            },
            "example": {"readings": [_EXAMPLE_READING]},
        },
        "application/x-ndjson": {
            "schema": {"type": "string", "pattern": NDJSON_PATTERN},
            "example": _NDJSON_EXAMPLE,
        },
        "text/csv": {"schema": {"type": "string", "pattern": CSV_PATTERN}, "example": _CSV_EXAMPLE},
    },
}

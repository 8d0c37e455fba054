"""Error answers as RFC 9457 problem details (``application/problem+json``), and their models.

Every error the API answers has a ``title`` (what went wrong, short) and a ``detail`` that
says what to do. Answers about records carry ``errors``: one entry per problem, with the
record's ``index`` (0-based), its ``line`` for NDJSON and CSV (1-based, the CSV header is
line 1), the ``field``, a ``code`` and the ``message``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException

from services.indicators.readings import RecordError

__all__ = [
    "PROBLEM_TYPE",
    "FastJSON",
    "IngestResult",
    "Problem",
    "RecordProblem",
    "error_dicts",
    "install_problem_handlers",
    "problem",
]

PROBLEM_TYPE = "application/problem+json"


class FastJSON(JSONResponse):
    """A JSON answer rendered by orjson (answers of thousands of errors stay cheap)."""

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


class RecordProblem(BaseModel):
    index: int
    line: int | None = None
    field: str | None
    code: str
    message: str


class IngestResult(BaseModel):
    accepted: int
    rejected: int
    errors: list[RecordProblem]


class Problem(BaseModel):
    title: str
    status: int
    detail: str
    errors: list[RecordProblem] | None = None
    accepted: int | None = None
    rejected: int | None = None


def problem(
    status: int,
    title: str,
    detail: str,
    *,
    headers: Mapping[str, str] | None = None,
    **extra: Any,
) -> FastJSON:
    return FastJSON(
        {"title": title, "status": status, "detail": detail, **extra},
        status_code=status,
        headers=dict(headers or {}),
        media_type=PROBLEM_TYPE,
    )


def error_dicts(errors: Iterable[RecordError]) -> list[dict[str, Any]]:
    out = []
    for e in errors:
        entry: dict[str, Any] = {"index": e.index}
        if e.line is not None:
            entry["line"] = e.line
        entry.update(field=e.field, code=e.code, message=e.message)
        out.append(entry)
    return out


def install_problem_handlers(app: FastAPI) -> None:
    """Answer FastAPI's own errors (404, 405, bad query parameters) as problem details too."""

    async def http_error(request: Request, exc: Exception) -> FastJSON:
        assert isinstance(exc, HTTPException)
        title = {404: "not found", 405: "method not allowed"}.get(exc.status_code, "error")
        return problem(exc.status_code, title, str(exc.detail), headers=exc.headers)

    async def invalid_request(request: Request, exc: Exception) -> FastJSON:
        assert isinstance(exc, RequestValidationError)
        where = "; ".join(
            f"{'.'.join(str(p) for p in e.get('loc', ()))}: {e.get('msg', '')}"
            for e in exc.errors()
        )
        return problem(422, "invalid request", f"{where}; fix the request and send it again")

    app.add_exception_handler(HTTPException, http_error)
    app.add_exception_handler(RequestValidationError, invalid_request)

"""Error answers as RFC 9457 problem details (``application/problem+json``), and their models.

Every error the API answers has a ``type`` (``/problems/<slug>``, see problem_types), a
``title`` (what went wrong, short), the ``status`` and a ``detail`` that says what to do.
Answers about records carry ``errors``: one entry per problem, with the record's ``index``
(0-based), its ``line`` for NDJSON and CSV (1-based, the CSV header is line 1), the
``field``, a ``code`` and the ``message``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

import orjson
import psycopg
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from psycopg_pool import PoolTimeout
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException

from services.api.contract.problem_types import problem_type
from services.indicators.readings import RecordError

__all__ = [
    "PROBLEM_TYPE",
    "BatchProblem",
    "FastJSON",
    "IngestResult",
    "Problem",
    "RecordProblem",
    "RecordsProblem",
    "error_dicts",
    "install_problem_handlers",
    "problem",
]

PROBLEM_TYPE = "application/problem+json"
RETRY_AFTER = "5"  # seconds, on every 503


class FastJSON(JSONResponse):
    """A JSON answer rendered by orjson (answers of thousands of errors stay cheap)."""

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


class RecordProblem(BaseModel):
    """One problem of one record of a batch."""

    index: int = Field(ge=0, description="The record's position in the batch, from 0")
    line: int | None = Field(
        None, ge=1, description="NDJSON and CSV: the record's line, from 1 (CSV header: 1)"
    )
    field: str | None = Field(description="The field at fault, or null for the whole record")
    code: str = Field(description="What is wrong, as a stable word: unit, range, future, scope…")
    message: str = Field(description="What is wrong and what to do, for a person")


class IngestResult(BaseModel):
    """What became of a batch of which some readings were accepted."""

    accepted: int = Field(ge=0, description="Readings accepted: durably in Kafka")
    rejected: int = Field(ge=0, description="Readings refused; `errors` says why")
    errors: list[RecordProblem]


class Problem(BaseModel):
    """An RFC 9457 problem: ``type`` says which kind, ``detail`` what to do this time."""

    type: str = Field(
        json_schema_extra={"format": "uri-reference"},
        description="The kind of problem: /problems/<slug>, a page that explains it",
    )
    title: str = Field(description="The kind of problem, short; the same for every occurrence")
    status: int = Field(ge=400, le=599, description="The HTTP status of the answer")
    detail: str = Field(description="What went wrong this time and what to do")


class RecordsProblem(Problem):
    """A problem with some records of a batch: one entry of ``errors`` per problem."""

    errors: list[RecordProblem]


class BatchProblem(Problem):
    """No reading of the batch was accepted: the counts and one error per problem."""

    accepted: int = Field(ge=0)
    rejected: int = Field(ge=0)
    errors: list[RecordProblem]


def problem(
    slug: str, detail: str, *, headers: Mapping[str, str] | None = None, **extra: Any
) -> FastJSON:
    """The answer for a problem of type ``slug`` (its status and title from the catalogue)."""
    kind = problem_type(slug)
    sent = dict(headers or {})
    if kind.status == 503:
        sent.setdefault("Retry-After", RETRY_AFTER)
    body = {"type": kind.uri, "title": kind.title, "status": kind.status, "detail": detail}
    return FastJSON(
        {**body, **extra}, status_code=kind.status, headers=sent, media_type=PROBLEM_TYPE
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


# What the framework's own refusals are, by status (FastAPI answers 400 for a JSON body it
# cannot parse; 503 is our own "the pool is not open yet").
_FRAMEWORK_SLUGS = {
    400: "unreadable-body",
    404: "not-found",
    405: "method-not-allowed",
    422: "invalid-request",
    503: "database-unavailable",
}


def _allowed_methods(request: Request, named: str) -> str:
    """Every method the path takes: the router names only those of the first route whose
    path matches, so the documented operations of the path are added."""
    methods = {m.strip() for m in named.split(",") if m.strip()}
    for template, operations in request.app.openapi()["paths"].items():
        if re.fullmatch(re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(template)), request.url.path):
            methods |= {m.upper() for m in operations}
    if "GET" in methods:
        methods.add("HEAD")
    return ", ".join(sorted(methods))


def install_problem_handlers(app: FastAPI) -> None:
    """Answer FastAPI's own errors (404, 405, bad parameters), an unreachable database and
    unforeseen failures as problem details too."""

    async def http_error(request: Request, exc: Exception) -> FastJSON:
        assert isinstance(exc, HTTPException)
        slug = _FRAMEWORK_SLUGS.get(exc.status_code, "internal-error")
        detail = str(exc.detail)
        if exc.status_code == 400 and detail == "There was an error parsing the body":
            detail = "the body is not valid JSON; send a JSON object as the operation documents"
        if exc.status_code == 404 and detail == "Not Found":
            detail = f"no such path: {request.url.path}; the operations are listed at /docs"
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            headers["Allow"] = allowed = _allowed_methods(request, headers.get("Allow", ""))
            detail = f"{request.method} is not allowed on {request.url.path}; use {allowed}"
        return problem(slug, detail, headers=headers)

    async def invalid_request(request: Request, exc: Exception) -> FastJSON:
        assert isinstance(exc, RequestValidationError)
        where = "; ".join(
            f"{'.'.join(str(p) for p in e.get('loc', ()))}: {e.get('msg', '')}"
            for e in exc.errors()
        )
        return problem("invalid-request", f"{where}; fix the request and send it again")

    async def database_down(request: Request, exc: Exception) -> FastJSON:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return problem(
            "database-unavailable",
            f"the database did not answer ({reason}); retry in a few seconds",
        )

    async def unforeseen(request: Request, exc: Exception) -> FastJSON:
        # Starlette logs the exception and its traceback after this answer is sent
        return problem(
            "internal-error",
            f"the API failed on {request.method} {request.url.path}; retry later, and if it "
            "persists tell the operator the time of the request",
        )

    app.add_exception_handler(HTTPException, http_error)
    app.add_exception_handler(RequestValidationError, invalid_request)
    app.add_exception_handler(psycopg.OperationalError, database_down)
    app.add_exception_handler(PoolTimeout, database_down)
    app.add_exception_handler(Exception, unforeseen)

"""Pages for people: Swagger UI at ``/docs``, ReDoc at ``/redoc``, and a page per problem type.

The Swagger UI and ReDoc files come from the PyPI package ``fastapi-offline`` (its
``static/`` folder: swagger-ui-bundle.js, swagger-ui.css, redoc.standalone.js) and are
served by the API itself at ``/docs/assets/``, so the pages work on a network that reaches
nothing else. ``/problems/{slug}`` explains each ``type`` of problem the API answers.
"""

from __future__ import annotations

import html
from importlib.resources import files
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, FastAPI, HTTPException
from fastapi import Path as PathParam
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from services.api.contract import docs
from services.api.contract.problem_types import PROBLEM_TYPES, TYPE_PREFIX

__all__ = ["ASSETS", "add_pages"]

ASSETS = "/docs/assets"
_STATIC = Path(str(files("fastapi_offline") / "static"))

router = APIRouter()

ProblemSlug = Annotated[
    str,
    PathParam(
        description="The problem type's name", json_schema_extra={"enum": list(PROBLEM_TYPES)}
    ),
]


def add_pages(app: FastAPI) -> None:
    """Serve /docs, /redoc, their assets, and the problem pages (the app has docs_url=None)."""
    app.mount(ASSETS, StaticFiles(directory=_STATIC), name="docs-assets")
    openapi_url = app.openapi_url or "/openapi.json"

    @app.get("/docs", include_in_schema=False)
    async def swagger() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=openapi_url,
            title=f"{app.title} API",
            swagger_js_url=f"{ASSETS}/swagger-ui-bundle.js",
            swagger_css_url=f"{ASSETS}/swagger-ui.css",
            swagger_favicon_url=f"{ASSETS}/favicon.png",
            oauth2_redirect_url=None,
            # the default validator badge would load an image from another host
            swagger_ui_parameters={"validatorUrl": None},
        )

    @app.get("/redoc", include_in_schema=False)
    async def redoc() -> HTMLResponse:
        return get_redoc_html(
            openapi_url=openapi_url,
            title=f"{app.title} API",
            redoc_js_url=f"{ASSETS}/redoc.standalone.js",
            redoc_favicon_url=f"{ASSETS}/favicon.png",
            with_google_fonts=False,
        )

    app.include_router(router, tags=["problems"])


@router.get(
    TYPE_PREFIX + "{slug}",
    summary="What a problem type means and what to do about it",
    operation_id="getProblemType",
    response_class=HTMLResponse,
    responses={
        200: {
            "description": "A page about the problem type",
            "content": {"text/html": {"schema": {"type": "string"}}},
        },
        **docs.problems("not-found"),
    },
)
async def problem_page(slug: ProblemSlug) -> HTMLResponse:
    kind = PROBLEM_TYPES.get(slug)
    if kind is None:
        known = ", ".join(PROBLEM_TYPES)
        raise HTTPException(404, f"no problem type {slug!r}; the types are {known}")
    title = html.escape(kind.title)
    return HTMLResponse(
        "<!doctype html>\n"
        f'<html lang="en"><head><meta charset="utf-8"><title>{title} — ontrack</title></head>\n'
        f"<body><h1>{title}</h1>\n"
        f"<p>HTTP {kind.status} · <code>type: {html.escape(kind.uri)}</code></p>\n"
        f"<h2>What it means</h2><p>{html.escape(kind.means)}</p>\n"
        f"<h2>What to do</h2><p>{html.escape(kind.remedy)}</p>\n"
        "<p>The answer's <code>detail</code> says what went wrong this time. "
        'All operations: <a href="/docs">/docs</a>.</p>\n'
        "</body></html>\n"
    )

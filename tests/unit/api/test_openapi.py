"""The OpenAPI document is a contract: committed, complete, and what the API serves."""

from __future__ import annotations

import json
import re
from typing import Any

import httpx
import pytest
from jsonschema import Draft202012Validator

from services.api.app import create_app
from services.api.contract.docs import CSV_PATTERN, NDJSON_PATTERN
from services.api.contract.openapi import render
from services.api.contract.problem_types import PROBLEM_TYPES
from services.settings import Settings
from tests.fixtures.paths import DATA

COMMITTED = DATA / "schemas" / "openapi.json"
REGENERATE = (
    "regenerate it with `make openapi` (ontrack api openapi > services/data/schemas/openapi.json)"
)
APP = create_app(Settings())
DOC: dict[str, Any] = APP.openapi()
OPERATIONS = [
    (path, method, op) for path, ops in DOC["paths"].items() for method, op in ops.items()
]


async def test_the_committed_document_is_what_the_api_serves() -> None:
    transport = httpx.ASGITransport(app=APP)
    async with httpx.AsyncClient(transport=transport, base_url="http://api") as http:
        served = (await http.get("/openapi.json")).json()
    committed = COMMITTED.read_text(encoding="utf-8")
    assert json.loads(committed) == served, (
        f"services/data/schemas/openapi.json is out of date: {REGENERATE}"
    )
    assert committed == render(APP), (
        f"services/data/schemas/openapi.json is not as rendered: {REGENERATE}"
    )


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return found + [r for v in node.values() for r in _refs(v)]
    if isinstance(node, list):
        return [r for v in node for r in _refs(v)]
    return []


def test_every_reference_resolves() -> None:
    for ref in _refs(DOC):
        assert ref.startswith("#/components/schemas/"), ref
        assert ref.removeprefix("#/components/schemas/") in DOC["components"]["schemas"], ref


@pytest.mark.parametrize(("path", "method", "op"), OPERATIONS, ids=lambda x: str(x)[:40])
def test_every_operation_is_named_and_its_errors_are_problems(
    path: str, method: str, op: dict[str, Any]
) -> None:
    assert re.fullmatch(r"[a-z]+[A-Za-z]*", op["operationId"]), op["operationId"]
    for status, answer in op["responses"].items():
        if not status.startswith(("4", "5")) or path in ("/readyz", "/healthz"):
            continue
        (media,) = answer["content"]
        assert media == "application/problem+json", (path, method, status)
        content = answer["content"][media]
        kinds = content["schema"].get("oneOf", [content["schema"]])
        for kind in kinds:
            slug = kind["allOf"][1]["properties"]["type"]["const"].removeprefix("/problems/")
            assert PROBLEM_TYPES[slug].status == int(status), (path, status, slug)
            example = content["examples"][slug]["value"]
            Draft202012Validator({**kind, "components": DOC["components"]}).validate(example)


def test_operation_ids_are_unique() -> None:
    ids = [op["operationId"] for _, _, op in OPERATIONS]
    assert len(ids) == len(set(ids))


def test_metrics_are_documented_as_prometheus_text() -> None:
    assert set(DOC["paths"]["/metrics"]["get"]["responses"]["200"]["content"]) == {"text/plain"}


@pytest.mark.parametrize(
    ("pattern", "text", "admitted"),
    [
        (CSV_PATTERN, "indicator,ts,value,unit,source\n", True),
        (
            CSV_PATTERN,
            "indicator,ts,value,unit,source\r\nair.pm25,2026-11-22T08:00:00+08:00,31,µg/m³,qd-1\r\n",
            True,
        ),
        (CSV_PATTERN, "indicator,value\nair.pm25,31\n", False),
        (
            CSV_PATTERN,
            'indicator,ts,value,unit,source\nair.pm25,2026-11-22T08:00:00Z,"3,1",x,y\n',
            False,
        ),
        (
            NDJSON_PATTERN,
            '{"indicator":"air.pm25","ts":"2026-11-22T08:00:00Z","value":31,"unit":"ug/m3",'
            '"source":"qd-1"}\n',
            True,
        ),
        (NDJSON_PATTERN, "", True),
        (NDJSON_PATTERN, "not json\n", False),
    ],
)
def test_text_body_patterns(pattern: str, text: str, admitted: bool) -> None:
    assert (re.search(pattern, text) is not None) is admitted


def test_every_example_of_a_request_body_fits_its_schema() -> None:
    body = DOC["paths"]["/v1/readings"]["post"]["requestBody"]["content"]
    for content in body.values():
        schema = {**content["schema"], "components": DOC["components"]}
        Draft202012Validator(schema).validate(content["example"])

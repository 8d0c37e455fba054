"""Writes ``strimzi/<kind>.json`` from Strimzi's CRDs: the ``openAPIV3Schema`` of their
``v1beta2`` version as JSON Schema (draft 2020-12), as strict as the API server's field
validation: an object whose properties the CRD lists accepts no other field. Descriptions
and the CEL rules (``x-kubernetes-validations``) are left out.

    python -m tests.unit.deploy.schemas.strimzi_crds strimzi-crds-0.47.0.yaml 0.47.0
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).parent / "strimzi"
KINDS = ("Kafka", "KafkaNodePool", "KafkaTopic", "KafkaUser")
DROPPED = {"description", "example", "format", "x-kubernetes-validations"}
METADATA = {
    "type": "object",
    "required": ["name"],
    "additionalProperties": False,
    "properties": {
        "name": {"type": "string"},
        "namespace": {"type": "string"},
        "labels": {"type": "object", "additionalProperties": {"type": "string"}},
        "annotations": {"type": "object", "additionalProperties": {"type": "string"}},
    },
}


def strict(node: Any) -> Any:
    """An OpenAPI v3 structural schema as JSON Schema that refuses unknown fields."""
    if isinstance(node, list):
        return [strict(x) for x in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key in DROPPED or key.startswith("x-kubernetes-"):
            continue
        if key == "properties":
            out[key] = {name: strict(sub) for name, sub in value.items()}
        elif key in ("items", "additionalProperties", "oneOf", "anyOf", "allOf", "not"):
            out[key] = strict(value)
        else:
            out[key] = value
    if node.get("nullable"):
        out.pop("nullable")
        out["type"] = [out["type"], "null"]
    open_ended = node.get("x-kubernetes-preserve-unknown-fields")
    if node.get("type") == "object" and "properties" in node and not open_ended:
        out.setdefault("additionalProperties", False)
    return out


def schema_of(crd: dict[str, Any], version: str) -> dict[str, Any]:
    kind = crd["spec"]["names"]["kind"]
    (served,) = [v for v in crd["spec"]["versions"] if v["name"] == "v1beta2"]
    spec = strict(served["schema"]["openAPIV3Schema"]["properties"]["spec"])
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": f"Strimzi {version} {kind} (kafka.strimzi.io/v1beta2), from its CRD",
        "type": "object",
        "required": ["apiVersion", "kind", "metadata", "spec"],
        "additionalProperties": False,
        "properties": {
            "apiVersion": {"const": "kafka.strimzi.io/v1beta2"},
            "kind": {"const": kind},
            "metadata": METADATA,
            "spec": spec,
        },
    }


def main(crds: Path, version: str) -> None:
    found = {}
    for doc in yaml.safe_load_all(crds.read_text(encoding="utf-8")):
        if doc and doc.get("kind") == "CustomResourceDefinition":
            found[doc["spec"]["names"]["kind"]] = doc
    for kind in KINDS:
        path = HERE / f"{kind.lower()}.json"
        path.write_text(json.dumps(schema_of(found[kind], version), indent=0) + "\n", "utf-8")
        print(f"{path}: {path.stat().st_size} bytes")  # noqa: T201


if __name__ == "__main__":
    main(Path(sys.argv[1]), sys.argv[2])

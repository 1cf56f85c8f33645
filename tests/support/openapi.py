"""Checks API responses against Airplane's OpenAPI document (reference/airplane-openapi.yaml).

The document has two known inaccuracies, relaxed here and nowhere else:
- value maps (`paramValues`, prompt `values`, `output`) are typed as string-to-string maps,
  though parameter values and outputs are any JSON (numbers, booleans, lists, objects);
- fields that are null until something happens (a run's `activeAt`..`cancelledBy`, `zoneID`;
  a prompt's `submittedAt`/`submittedBy`/`cancelledAt`/`cancelledBy`) are not marked nullable,
  though the document's own descriptions say they are null (or empty) until then.
Error bodies (any non-2xx) must be `{"error": string, "code"?: string}`.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import yaml
from jsonschema.exceptions import ValidationError
from openapi_schema_validator import OAS30Validator

from tests.support.reference import REFERENCE_DIR

SPEC_PATH = REFERENCE_DIR / "airplane-openapi.yaml"

_ANY_JSON_MAPS = {
    "GetRunResponse": ["paramValues"],
    "GetSessionResponse": ["paramValues"],
    "promptsiface.Prompt": ["values"],
}
_NULLABLE = {
    "GetRunResponse": [
        "activeAt",
        "cancelledAt",
        "cancelledBy",
        "failedAt",
        "succeededAt",
        "zoneID",
    ],
    "promptsiface.Prompt": ["cancelledAt", "cancelledBy", "submittedAt", "submittedBy"],
}
ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {"error": {"type": "string"}, "code": {"type": "string"}},
}


@cache
def relaxed_spec() -> dict[str, Any]:
    """The OpenAPI document with the relaxations described in this module's docstring."""
    spec: dict[str, Any] = yaml.safe_load(SPEC_PATH.read_text())
    spec = copy.deepcopy(spec)
    schemas = spec["components"]["schemas"]
    for name, fields in _ANY_JSON_MAPS.items():
        for prop in fields:
            schemas[name]["properties"][prop] = {"type": "object", "additionalProperties": {}}
    for name, fields in _NULLABLE.items():
        for prop in fields:
            schemas[name]["properties"][prop]["nullable"] = True
    # Outputs are any JSON value, and null until the task sets one.
    schemas["GetOutputsResponse"]["properties"]["output"] = {"nullable": True}
    return spec


def response_schema(method: str, api_path: str) -> dict[str, Any] | None:
    """The 200 schema of an operation (`GET`, `/v0/runs/get`), None if undocumented."""
    spec = relaxed_spec()
    path = api_path.removeprefix("/v0")
    operation = spec["paths"].get(path, {}).get(method.lower())
    if operation is None:
        return None
    content = operation["responses"]["200"]["content"]["application/json"]["schema"]
    return {**content, "components": spec["components"]}


def documented_operations() -> list[tuple[str, str]]:
    """Every (METHOD, /v0/path) the document describes."""
    spec = relaxed_spec()
    return sorted(
        (method.upper(), f"/v0{path}") for path, ops in spec["paths"].items() for method in ops
    )


@dataclass
class ConformanceRecorder:
    """Validates responses as they arrive and remembers which operations were seen."""

    checked: set[tuple[str, str]] = field(default_factory=set)
    errors: int = 0

    def check(self, method: str, api_path: str, status: int, body: Any) -> None:
        """Raise AssertionError when a response does not fit the document."""
        if status >= 400:
            schema: dict[str, Any] | None = ERROR_SCHEMA
        elif status == 200:
            schema = response_schema(method, api_path)
        else:
            schema = None
        if schema is None:
            return
        try:
            OAS30Validator(schema).validate(body)
        except ValidationError as exc:
            raise AssertionError(
                f"{method} {api_path} -> {status} does not match the OpenAPI document:"
                f" {exc.message} at {list(exc.absolute_path)}"
            ) from None
        if status == 200:
            self.checked.add((method.upper(), api_path))
        else:
            self.errors += 1


RECORDER = ConformanceRecorder()

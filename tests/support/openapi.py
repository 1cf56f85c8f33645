"""Checks API responses against Airplane's OpenAPI document (reference/airplane-openapi.yaml).

The document has two known inaccuracies, relaxed here and nowhere else:
- value maps (`paramValues`, prompt `values`, `output`) are typed as string-to-string maps,
  though parameter values and outputs are any JSON (numbers, booleans, lists, objects);
- fields that are null until something happens (a run's `activeAt`..`cancelledBy`, `zoneID`;
  a prompt's `submittedAt`/`submittedBy`/`cancelledAt`/`cancelledBy`) are not marked nullable,
  though the document's own descriptions say they are null (or empty) until then.
Error bodies (any non-2xx) must be `{"error": string, "code"?: string}`.

`checking_responses()` turns the check on for every httpx client in a block of code (tests of
any package that talk to airfield can use it; every airfield test runs inside it):

    with checking_responses():
        ...  # any /v0/ response that does not fit the document raises AssertionError
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import httpx
import pytest
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


def check_response(response: httpx.Response, recorder: ConformanceRecorder = RECORDER) -> None:
    """Validate a read response if it is an airfield API call (`/v0/...`)."""
    path = response.request.url.path
    if not path.startswith("/v0/"):
        return
    try:
        body = json.loads(response.content)
    except ValueError:
        raise AssertionError(f"{response.request.method} {path}: the body is not JSON") from None
    recorder.check(response.request.method, path, response.status_code, body)


@contextmanager
def checking_responses(recorder: ConformanceRecorder = RECORDER) -> Iterator[None]:
    """Check every response any httpx client (sync or async) receives inside the block."""
    async_send = httpx.AsyncClient.send
    sync_send = httpx.Client.send

    async def checked_async_send(
        self: httpx.AsyncClient, request: httpx.Request, **kwargs: Any
    ) -> httpx.Response:
        response = await async_send(self, request, **kwargs)
        if not kwargs.get("stream"):
            check_response(response, recorder)
        return response

    def checked_sync_send(
        self: httpx.Client, request: httpx.Request, **kwargs: Any
    ) -> httpx.Response:
        response = sync_send(self, request, **kwargs)
        if not kwargs.get("stream"):
            check_response(response, recorder)
        return response

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(httpx.AsyncClient, "send", checked_async_send)
        patch.setattr(httpx.Client, "send", checked_sync_send)
        yield

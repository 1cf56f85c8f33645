"""Prompt objects for approvals tests, written as Airplane's JSON."""

from __future__ import annotations

from typing import Any

from airplane_api.models import Prompt


def prompt(parameters: list[dict[str, Any]], **fields: Any) -> Prompt:
    """A pending prompt of run `run1` with `parameters` and other wire `fields`."""
    body: dict[str, Any] = {
        "id": "pmt1",
        "runID": "run1",
        "description": "Deploy to production?",
        "schema": {"parameters": parameters},
        "createdAt": "2024-01-02T03:04:05Z",
    }
    body.update(fields)
    return Prompt.model_validate(body)


EVERY_TYPE: list[dict[str, Any]] = [
    {"slug": "reason", "name": "Reason", "type": "string", "desc": "Why?"},
    {"slug": "notes", "type": "string", "component": "textarea", "constraints": {"optional": True}},
    {"slug": "count", "type": "integer", "default": 3},
    {"slug": "ratio", "type": "float", "default": 0.5},
    {"slug": "force", "type": "boolean", "default": True},
    {"slug": "day", "type": "date", "default": "2024-01-31"},
    {"slug": "at", "type": "datetime", "default": "2024-01-31T09:30:00Z"},
    {
        "slug": "env",
        "type": "string",
        "default": "dev",
        "constraints": {"options": ["prod", "dev"]},
    },
    {
        "slug": "regions",
        "type": "string",
        "multi": True,
        "default": ["eu"],
        "constraints": {
            "options": [{"label": "Europe", "value": "eu"}, {"label": "US", "value": "us"}]
        },
    },
    {"slug": "extra", "type": "json", "default": {"a": 1}},
]

"""Schemathesis against a real airfield: generated requests for every documented operation,
from the (relaxed) OpenAPI document. Any 5xx, or a 200 that breaks the document's schema, fails.

Bounded and repeatable, so CI stays quick and a failure reproduces: a fixed number of examples
per operation, derandomized (Hypothesis's fixed seed), no shrinking deadline. The documented
schema is relaxed only where tests/support/openapi.py says why.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from tests.support.airfield import EXAMPLES, AirfieldProcess
from tests.support.openapi import relaxed_spec

from .conftest import TEST_TASKS

EXAMPLES_PER_OPERATION = 40


@pytest.fixture(scope="module")
def fuzzed_airfield(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AirfieldProcess]:
    """An airfield of its own, without the rate limit (hundreds of requests in seconds)."""
    with AirfieldProcess(
        tmp_path_factory.mktemp("schemathesis"),
        tasks_dirs=[EXAMPLES, TEST_TASKS],
        extra_args=["--rate-limit", "100000", "--rate-burst", "100000"],
    ) as server:
        yield server


def _as_text(node: Any) -> Any:
    """YAML reads the document's unquoted example times as datetimes; JSON has only text."""
    if isinstance(node, dict):
        return {key: _as_text(value) for key, value in node.items()}
    if isinstance(node, list):
        return [_as_text(item) for item in node]
    if isinstance(node, datetime | date):
        return node.isoformat().replace("+00:00", "Z")
    return node


@pytest.fixture(scope="module")
def airfield_schema(fuzzed_airfield: AirfieldProcess) -> Any:
    """The relaxed document, pointed at the server."""
    spec = _as_text(copy.deepcopy(relaxed_spec()))
    spec["servers"] = [{"url": f"{fuzzed_airfield.url}/v0"}]
    loaded = schemathesis.openapi.from_dict(spec)
    loaded.config.update(base_url=f"{fuzzed_airfield.url}/v0")
    return loaded


schema = schemathesis.pytest.from_fixture("airfield_schema")


@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    derandomize=True,
    deadline=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_no_server_error_and_schema_kept(case: Any, fuzzed_airfield: AirfieldProcess) -> None:
    """Whatever is generated: an answer below 500, and a 200 body that fits the schema."""
    case.call_and_validate(
        headers=fuzzed_airfield.headers,
        checks=[not_a_server_error, response_schema_conformance],
    )

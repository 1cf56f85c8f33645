"""Every example in the API reference parses into its model and comes back out whole."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest

from airplane_api import AirplaneClient
from airplane_api import models as m
from airplane_api.models._base import parse_time, query_params

from .fake_api import FakeAirplane
from .spec import Example, examples, reference_text


@dataclass(frozen=True)
class Mapping:
    """The model an example is an instance of; `field` when the example is one field of it."""

    model: type[m.WireModel]
    field: str | None = None
    around: tuple[tuple[str, Any], ...] = ()

    def wrap(self, payload: dict[str, Any]) -> dict[str, Any]:
        """The JSON the model parses: the example itself, or the example inside its field."""
        return {**dict(self.around), self.field: payload} if self.field else payload

    def unwrap(self, wire: dict[str, Any]) -> Any:
        """The part of the model's JSON that corresponds to the example."""
        return wire[self.field] if self.field else wire


TABLE: dict[tuple[str, str | None, str | None], Mapping] = {
    ("body", "POST", "tasks/execute"): Mapping(m.ExecuteTaskRequest),
    ("response", "POST", "tasks/execute"): Mapping(m.ExecuteTaskResponse),
    ("response", "GET", "runs/get"): Mapping(m.Run),
    ("query", "GET", "runs/getLogs"): Mapping(m.GetLogsQuery),
    ("response", "GET", "runs/getLogs"): Mapping(m.GetLogsResponse),
    ("response", "GET", "runs/getOutputs"): Mapping(m.GetOutputsResponse),
    ("query", "GET", "runs/list"): Mapping(m.ListRunsQuery),
    ("response", "GET", "runs/list"): Mapping(m.ListRunsResponse),
    ("body", "POST", "runs/cancel"): Mapping(m.CancelRunRequest),
    ("response", "GET", "prompts/get"): Mapping(m.GetPromptResponse),
    ("response", "GET", "prompts/list"): Mapping(m.ListPromptsResponse),
    ("body", "POST", "prompts/cancel"): Mapping(m.CancelPromptRequest),
    ("response", "POST", "prompts/cancel"): Mapping(m.PromptIdResponse),
    ("body", "POST", "prompts/submit"): Mapping(m.SubmitPromptRequest),
    ("response", "POST", "prompts/submit"): Mapping(m.PromptIdResponse),
    ("body", "POST", "resources/create"): Mapping(m.CreateResourceRequest),
    ("response", "POST", "resources/create"): Mapping(m.ResourceIdResponse),
    ("body", "POST", "resources/update"): Mapping(m.UpdateResourceRequest),
    ("response", "POST", "resources/update"): Mapping(m.ResourceIdResponse),
    ("body", "POST", "runbooks/execute"): Mapping(m.ExecuteRunbookRequest),
    ("response", "POST", "runbooks/execute"): Mapping(m.ExecuteRunbookResponse),
    ("response", "GET", "sessions/get"): Mapping(m.Session),
    ("query", "GET", "sessions/list"): Mapping(m.ListSessionsQuery),
    ("response", "GET", "sessions/list"): Mapping(m.ListSessionsResponse),
    ("section", None, "5. Errors"): Mapping(m.ErrorBody),
    # The kind-specific `resource` object of resources/create and resources/update.
    ("section", None, "11.3 Resource bodies"): Mapping(
        m.CreateResourceRequest, field="resource", around=(("kind", "k"), ("name", "n"))
    ),
}

# Queries that are one ID have no model: the client writes `{"id": ...}` itself. Each is called
# with the example's value and must send the example's query, name for name.
ONE_ID_QUERIES: dict[str, Callable[[AirplaneClient, str], Awaitable[Any]]] = {
    "runs/get": lambda client, value: client.get_run(value),
    "runs/getOutputs": lambda client, value: client.get_run_outputs(value),
    "prompts/get": lambda client, value: client.get_prompt(value),
    "prompts/list": lambda client, value: client.list_prompts(value),
    "sessions/get": lambda client, value: client.get_session(value),
}

EXAMPLES = examples(reference_text())
MODELLED = [e for e in EXAMPLES if not (e.kind == "query" and e.endpoint in ONE_ID_QUERIES)]


def table_key(example: Example) -> tuple[str, str | None, str | None]:
    """Where an example is looked up: by endpoint, or by section when it documents none."""
    if example.kind == "section":
        return ("section", None, example.section)
    return (example.kind, example.method, example.endpoint)


def missing_keys(example: Any, wire: Any, at: str = "$") -> list[str]:
    """Paths of keys of `example` (recursively) that `wire` lacks."""
    if isinstance(example, dict) and isinstance(wire, dict):
        lost = [f"{at}.{key}" for key in example if key not in wire]
        for key in example.keys() & wire.keys():
            lost += missing_keys(example[key], wire[key], f"{at}.{key}")
        return lost
    if isinstance(example, list) and isinstance(wire, list) and len(example) == len(wire):
        return [
            path
            for index, (a, b) in enumerate(zip(example, wire, strict=True))
            for path in missing_keys(a, b, f"{at}[{index}]")
        ]
    if isinstance(example, list | dict) and example and type(example) is not type(wire):
        return [f"{at} (became {type(wire).__name__})"]
    return []


def test_reference_has_examples() -> None:
    """The extractor finds the reference's examples: every endpoint and both odd sections."""
    kinds = {example.kind for example in EXAMPLES}
    assert kinds == {"body", "query", "response", "section"}
    assert len(EXAMPLES) >= 40


def test_every_mapping_is_used() -> None:
    """No table row is stale: each one maps at least one example."""
    used = {table_key(example) for example in MODELLED}
    assert set(TABLE) - used == set()


@pytest.mark.parametrize("example", MODELLED, ids=lambda example: example.label)
def test_example_round_trips(example: Example) -> None:
    """The example parses into its model, and `to_wire()` keeps every key and re-parses equal."""
    mapping = TABLE.get(table_key(example))
    assert mapping is not None, (
        f"no model mapping for the example at line {example.line} "
        f"({example.label}); add one to TABLE"
    )
    model = mapping.model.model_validate(mapping.wrap(example.payload))
    wire = model.to_wire()
    assert missing_keys(example.payload, mapping.unwrap(wire)) == []
    assert mapping.model.model_validate(wire) == model


@pytest.mark.parametrize(
    "example",
    [example for example in MODELLED if example.kind == "query"],
    ids=lambda example: example.label,
)
def test_query_example_is_what_the_client_sends(example: Example) -> None:
    """A documented query string comes back from `query_params` key for key, value for value."""
    model = TABLE[table_key(example)].model.model_validate(example.payload)
    sent = query_params(model)
    assert sent.keys() == example.payload.keys()
    for key, documented in example.payload.items():
        if key in {"since", "until", "updatedAfter", "updatedBefore"}:
            assert parse_time(sent[key]) == parse_time(documented)
        else:
            assert sent[key] == documented


@pytest.mark.parametrize(
    "example",
    [example for example in EXAMPLES if example.kind == "query" and example not in MODELLED],
    ids=lambda example: example.label,
)
async def test_one_id_query_is_what_the_client_sends(
    example: Example, client: AirplaneClient, fake: FakeAirplane
) -> None:
    """The client's own query for a one-ID endpoint is the documented one."""
    assert example.endpoint is not None
    [value] = example.payload.values()
    await ONE_ID_QUERIES[example.endpoint](client, value)
    assert dict(fake.last(example.endpoint).url.params) == example.payload

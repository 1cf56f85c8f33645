"""Models accept what real servers send beyond the reference's examples."""

from __future__ import annotations

import pytest

from airplane_api import models as m


@pytest.mark.parametrize(
    ("model", "key"),
    [
        (m.ListRunsResponse, "runs"),
        (m.ListSessionsResponse, "sessions"),
        (m.ListPromptsResponse, "prompts"),
        (m.ListTasksResponse, "tasks"),
        (m.ListRunbooksResponse, "runbooks"),
        (m.GetLogsResponse, "logs"),
    ],
)
def test_null_lists_read_as_empty(model: type[m.WireModel], key: str) -> None:
    """Go servers write an empty slice as null; every list response reads it as []."""
    assert getattr(model.model_validate({key: None}), key) == []


def test_unknown_fields_survive() -> None:
    """A field this package does not know is kept and sent back out."""
    run = m.Run.model_validate({"id": "run1", "status": "Queued", "envSlug": "prod"})
    assert run.to_wire()["envSlug"] == "prod"


@pytest.mark.parametrize(
    "answer",
    [
        {"runbook": {"id": "rbk1", "slug": "rb", "parameters": [{"slug": "v"}]}},
        {"id": "rbk1", "slug": "rb", "parameters": {"parameters": [{"slug": "v"}]}},
        {"runbookID": "rbk1", "slug": "rb", "parameters": [{"slug": "v"}], "steps": []},
    ],
    ids=["wrapped (the CLI's shape)", "flat, schema-wrapped parameters", "runbookID"],
)
def test_runbook_shapes(answer: dict[str, object]) -> None:
    """runbooks/get is read wrapped or flat, whichever ID name and parameter nesting."""
    runbook = m.Runbook.model_validate(answer)
    assert (runbook.id, runbook.slug, [p.slug for p in runbook.parameters]) == ("rbk1", "rb", ["v"])
    assert m.Runbook.model_validate({"id": "r", "slug": "s", "parameters": None}).parameters == []

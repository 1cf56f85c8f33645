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

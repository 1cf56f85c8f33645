"""Open forms: kept when a modal opens, read back by its submission, dropped after a day."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from airplane_api.models import ParameterSchema, Runbook, Task
from bot.store import FormGone, Store

TASK = Task.model_validate(
    {
        "id": "tsk1",
        "slug": "deploy",
        "name": "Deploy",
        "parameters": [{"slug": "version", "name": "Version", "type": "string"}],
    }
)


async def test_a_kept_task_and_schema_read_back(store: Store) -> None:
    """What the opener kept is what the submission reads; an update replaces it."""
    await store.forms.keep_task("f1", TASK)
    assert await store.forms.task("f1") == TASK
    other = TASK.model_copy(update={"slug": "hello"})
    await store.forms.keep_task("f1", other)
    assert (await store.forms.task("f1")).slug == "hello"
    runbook = Runbook.model_validate(
        {"id": "rbk1", "slug": "release", "parameters": [{"slug": "version"}]}
    )
    await store.forms.keep_runbook("f2", runbook)
    assert await store.forms.runbook("f2") == runbook
    with pytest.raises(FormGone):  # a task form's ID is no runbook form
        await store.forms.runbook("f1")
    schema = ParameterSchema.model_validate({"parameters": []})
    await store.forms.keep_prompt_schema("pmt1", schema)
    assert await store.forms.prompt_schema("pmt1") == schema


async def test_an_unknown_or_old_form_is_gone(store: Store) -> None:
    """Never kept, or kept more than a day before another form opened: FormGone."""
    with pytest.raises(FormGone):
        await store.forms.task("never")
    long_ago = datetime.now(UTC) - timedelta(days=2)
    await store.forms.keep("run:old", TASK.model_dump_json(by_alias=True), now=long_ago)
    await store.forms.keep_task("new", TASK)
    with pytest.raises(FormGone):
        await store.forms.task("old")

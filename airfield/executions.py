"""Starting a run of a task: parameter checks, then a Queued run the runner will pick up."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from airplane_api.params import ParamError, check_values

from .definitions import TaskDef
from .envs import Environment
from .errors import bad_request
from .ids import new_id
from .runner import Runner
from .store import NewRun, RunRecord, Store
from .views import parameter_wire


async def start_run(
    store: Store,
    runner: Runner,
    task: TaskDef,
    values: Mapping[str, Any],
    *,
    env: Environment,
    created_by: str,
    parent_id: str | None = None,
    session_id: str | None = None,
    resources: Mapping[str, str] | None = None,
) -> RunRecord:
    """Validate `values` against the task (400 naming the parameter) and queue a run."""
    try:
        checked = check_values(task.parameters, values)
    except ParamError as exc:
        raise bad_request(
            f'task "{task.slug}": {exc.message}', "invalid_param", param=exc.slug
        ) from None
    run = await store.runs.create(
        NewRun(
            id=new_id("run"),
            task_id=task.id,
            task_slug=task.slug,
            env_id=env.id,
            param_values=checked,
            params=[parameter_wire(p) for p in task.parameters],
            resources=dict(resources or {}),
            parent_id=parent_id,
            session_id=session_id,
            timeout=task.timeout,
            concurrency_key=task.concurrency_key,
            concurrency_limit=task.concurrency_limit,
            created_by=created_by,
        )
    )
    runner.wake()
    return run

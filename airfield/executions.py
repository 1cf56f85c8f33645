"""Starting a run of a task: parameter checks, then a Queued run the runner will pick up."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from airplane_api.params import ParamError, check_values

from .definitions import TaskDef
from .envs import Environment
from .errors import ApiError, bad_request
from .ids import new_id
from .runner import Runner
from .store import NewRun, RunRecord, Store
from .views import parameter_wire


def check_may_start(task: TaskDef, *, parent_id: str | None) -> None:
    """The one permission check for starting a task, however it starts (tasks/execute, a
    runbook's step, a run's child): a task with `requireRequests` is started only by a run
    (`parent_id`, a task already running calling airplane.execute), never by a key or a
    session a key started. 403 `task_must_be_requested` otherwise."""
    if task.require_requests and parent_id is None:
        raise ApiError(
            403,
            f"task {task.slug!r} requires a request and cannot be executed directly",
            "task_must_be_requested",
        )


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
    """Check the caller may start `task` (check_may_start), validate `values` against it
    (400 naming the parameter) and queue a run."""
    check_may_start(task, parent_id=parent_id)
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

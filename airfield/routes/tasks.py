"""tasks/execute, tasks/get, tasks/list."""

from __future__ import annotations

from typing import Any

from airplane_api.models import ExecuteTaskRequest

from ..auth import Right
from ..definitions import TaskDef
from ..errors import not_found, quoted
from ..executions import start_run
from ..pipeline import Ctx, Endpoint, parse_model
from ..views import task_wire


def find_task(ctx: Ctx, ref: str) -> TaskDef:
    """A task by slug or ID; 404 naming it otherwise."""
    task = ctx.services.catalog.task_by_ref(ref)
    if task is None:
        raise not_found(f"task {quoted(ref)} not found")
    return task


async def execute(ctx: Ctx) -> dict[str, Any]:
    """Start a run of a task; a run token makes it a child of the calling run. Who may start
    it is decided in start_run (check_may_start), the same for every way a task starts."""
    request = parse_model(ExecuteTaskRequest, ctx.body)
    ref = request.slug or request.id or ""
    task = find_task(ctx, ref)
    run = await start_run(
        ctx.services.store,
        ctx.services.runner,
        task,
        request.param_values,
        env=ctx.env,
        created_by=ctx.caller.actor,
        parent_id=ctx.caller.run_id,
        resources=request.resources,
    )
    return {"runID": run.id, "isCached": False}


async def get(ctx: Ctx) -> dict[str, Any]:
    """A task by `slug` or `id`."""
    return task_wire(find_task(ctx, ctx.required("slug", "id", "taskID")))


async def list_tasks(ctx: Ctx) -> dict[str, Any]:
    """Every task airfield knows."""
    tasks = sorted(ctx.services.catalog.tasks.values(), key=lambda task: task.slug)
    return {"tasks": [task_wire(task) for task in tasks]}


ENDPOINTS = (
    Endpoint("POST", "/v0/tasks/execute", execute, Right.EXECUTE),
    Endpoint("GET", "/v0/tasks/get", get),
    Endpoint("GET", "/v0/tasks/list", list_tasks),
)

"""Stored records as the JSON objects the v0 API returns (OpenAPI shapes plus a few extras).

Unset timestamps and "by" fields are null, as Airplane's own server sent them.
"""

from __future__ import annotations

from typing import Any

from airplane_api.models import Parameter

from .auth import TEAM_ID
from .definitions import RunbookDef, TaskDef
from .envs import environment_by_id
from .store import PromptRecord, RunRecord, SessionRecord


def parameter_wire(param: Parameter, nested_key: str = "params") -> dict[str, Any]:
    """One parameter schema item; runs and sessions nest under `params`, prompts `parameters`."""
    constraints: dict[str, Any] = {
        "optional": param.constraints.optional,
        "regex": param.constraints.regex,
    }
    if param.constraints.options:
        constraints["options"] = [
            {"label": option.label, "value": option.value} for option in param.constraints.options
        ]
    return {
        "slug": param.slug,
        "name": param.name or param.slug,
        "type": param.type.value,
        "desc": param.desc,
        "component": param.component.value,
        "default": param.default,
        "multi": param.multi,
        "constraints": constraints,
        nested_key: [],
    }


def run_wire(run: RunRecord, child_ids: list[str]) -> dict[str, Any]:
    """A run object (`runs/get`, `runs/list`)."""
    env = environment_by_id(run.env_id)
    return {
        "id": run.id,
        "taskID": run.task_id,
        "taskSlug": run.task_slug,
        "status": run.status,
        "paramValues": run.param_values,
        "params": run.params,
        "permissions": [],
        "resources": run.resources,
        "childRunIDs": child_ids,
        "parentID": run.parent_id or "",
        "constraints": {"labels": []},
        "createdAt": run.created_at,
        "createdBy": run.created_by,
        "queuedAt": run.queued_at,
        "activeAt": run.active_at,
        "succeededAt": run.succeeded_at,
        "failedAt": run.failed_at,
        "cancelledAt": run.cancelled_at,
        "cancelledBy": run.cancelled_by,
        "updatedAt": run.updated_at,
        "isPrivate": False,
        "runtime": "standard",
        "sessionID": run.session_id or "",
        "teamID": TEAM_ID,
        "envID": run.env_id,
        "envSlug": env.slug if env else "",
        "timeout": run.timeout,
        "zoneID": None,
    }


def prompt_wire(prompt: PromptRecord) -> dict[str, Any]:
    """A prompt object (`prompts/get`, `prompts/list`)."""
    return {
        "id": prompt.id,
        "runID": prompt.run_id,
        "sessionID": prompt.session_id,
        "schema": prompt.schema,
        "values": prompt.values,
        "reviewers": prompt.reviewers,
        "confirmText": prompt.confirm_text,
        "cancelText": prompt.cancel_text,
        "description": prompt.description,
        "createdAt": prompt.created_at,
        "submittedAt": prompt.submitted_at,
        "submittedBy": prompt.submitted_by,
        "cancelledAt": prompt.cancelled_at,
        "cancelledBy": prompt.cancelled_by,
    }


def session_wire(session: SessionRecord) -> dict[str, Any]:
    """A session object (`sessions/get`, `sessions/list`); `steps` and `error` are extras."""
    return {
        "id": session.id,
        "name": session.name,
        "runbookID": session.runbook_id,
        "runbookSlug": session.runbook_slug,
        "status": session.status,
        "paramValues": session.param_values,
        "params": session.params,
        "permissions": [],
        "isPrivate": False,
        "teamID": TEAM_ID,
        "envID": session.env_id,
        "createdAt": session.created_at,
        "createdBy": session.created_by,
        "updatedAt": session.updated_at,
        "updatedBy": session.updated_by,
        "steps": session.steps,
        "error": session.error,
    }


def task_wire(task: TaskDef) -> dict[str, Any]:
    """A task (`tasks/get`, `tasks/list`), in the shape Airplane's CLI reads."""
    return {
        "id": task.id,
        "taskID": task.id,
        "slug": task.slug,
        "name": task.name,
        "description": task.description,
        "kind": task.kind,
        "runtime": "standard",
        "parameters": [parameter_wire(p) for p in task.parameters],
        "constraints": dict(task.constraints),
        "resources": {},
        "timeout": task.timeout,
        "executeRules": {
            "disallowSelfApprove": not task.allow_self_approvals,
            "requireRequests": task.require_requests,
            "restrictCallers": [],
            "concurrencyKey": task.concurrency_key,
            "concurrencyLimit": task.concurrency_limit,
        },
        "isArchived": False,
        "teamID": TEAM_ID,
    }


def runbook_wire(runbook: RunbookDef) -> dict[str, Any]:
    """A runbook (`runbooks/get`, `runbooks/list`)."""
    return {
        "id": runbook.id,
        "slug": runbook.slug,
        "name": runbook.name,
        "description": runbook.description,
        "parameters": [parameter_wire(p) for p in runbook.parameters],
        "steps": [
            {"name": step.name, "kind": "task" if hasattr(step, "task") else "prompt"}
            for step in runbook.steps
        ],
        "teamID": TEAM_ID,
    }

"""Tasks and runs: execute, get, getLogs, getOutputs, list, cancel."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import Field, field_validator, model_validator

from ._base import JsonObject, StrList, Text, Timestamp, WireModel
from .common import Parameter, Permission, RunConstraints


class RunStatus(StrEnum):
    """Status of a run. `Cancelled` is in the OpenAPI enum and the CLI, not the docs' list."""

    NOT_STARTED = "NotStarted"
    QUEUED = "Queued"
    ACTIVE = "Active"
    SUCCEEDED = "Succeeded"
    FAILED = "Failed"
    CANCELLED = "Cancelled"

    @property
    def is_terminal(self) -> bool:
        """Whether the run has ended and will not change status again."""
        return is_terminal_status(self)


# The statuses after which a run, or a runbook session, never changes again: one set for both,
# since the words are the same (`SessionStatus.is_terminal` asks this too).
TERMINAL_STATUSES = frozenset({"Succeeded", "Failed", "Cancelled"})


def is_terminal_status(status: str) -> bool:
    """Whether a run's or session's status held as text (a stored row, a message's summary)
    has ended; `RunStatus.is_terminal` for a status that is no longer the enum."""
    return status in TERMINAL_STATUSES


def _require_id_or_slug(model: Any) -> Any:
    if not (model.id or model.slug):
        raise ValueError("either an id or a slug must be provided")
    return model


class ExecuteTaskRequest(WireModel):
    """Body of `POST /v0/tasks/execute`: a task by ID or slug and its parameter values."""

    id: str | None = None
    slug: str | None = None
    param_values: JsonObject = Field(default_factory=dict)
    resources: dict[str, str] | None = None
    inputs_zone_id: str | None = None
    inputs_zone_token: str | None = None

    @model_validator(mode="after")
    def _id_or_slug(self) -> ExecuteTaskRequest:
        return _require_id_or_slug(self)  # type: ignore[no-any-return]


class ExecuteTaskResponse(WireModel):
    """Response of `tasks/execute`: the new run's ID."""

    run_id: str


class Run(WireModel):
    """A run object. `runs/get` answers it flat; some servers wrap it as `{"run": {...}}`."""

    id: str
    status: RunStatus
    task_id: Text = ""
    team_id: Text = ""
    session_id: Text = ""
    param_values: JsonObject = Field(default_factory=dict)
    params: list[Parameter] = Field(default_factory=list)
    permissions: list[Permission] = Field(default_factory=list)
    resources: JsonObject = Field(default_factory=dict)
    child_run_ids: StrList = Field(default_factory=list)
    constraints: RunConstraints | None = None
    is_private: bool = False
    runtime: Text = ""
    timeout: int | None = None
    created_at: Timestamp = None
    created_by: Text = ""
    active_at: Timestamp = None
    succeeded_at: Timestamp = None
    failed_at: Timestamp = None
    cancelled_at: Timestamp = None
    cancelled_by: Text = ""
    inputs_zone_id: Text = ""
    inputs_zone_token: Text = ""
    zone_id: str | None = None
    # Not in the reference, but sent by airfield (and useful to a follower of runs/list):
    task_slug: Text = ""
    parent_id: Text = ""
    queued_at: Timestamp = None
    updated_at: Timestamp = None

    @model_validator(mode="before")
    @classmethod
    def _unwrap(cls, data: Any) -> Any:
        # Airplane's CLI sees {"run": {"runID": ..., "parameters": ...}}; SDKs see a flat object.
        if isinstance(data, dict) and "id" not in data:
            if isinstance(data.get("run"), dict):
                data = data["run"]
            if "id" not in data and "runID" in data:
                data = {**data, "id": data["runID"]}
        return data

    @field_validator("params", "permissions", mode="before")
    @classmethod
    def _null_list(cls, value: object) -> object:
        return [] if value is None else value

    @property
    def ended_at(self) -> datetime | None:
        """When the run reached its terminal status, if it has."""
        return self.succeeded_at or self.failed_at or self.cancelled_at


class GetRunQuery(WireModel):
    """Query of `GET /v0/runs/get`."""

    id: str


class GetLogsQuery(WireModel):
    """Query of `GET /v0/runs/getLogs`; the tokens page backwards and forwards."""

    run_id: str
    prev_token: str | None = Field(default=None, alias="prev_token")
    next_token: str | None = Field(default=None, alias="next_token")
    level: str | None = None


class LogItem(WireModel):
    """One log line of a run."""

    insert_id: Text = ""
    level: Text = ""
    task_slug: Text = ""
    text: Text = ""
    timestamp: Timestamp = None


class GetLogsResponse(WireModel):
    """Response of `runs/getLogs`. Its token keys are snake_case, unlike every other field."""

    run_id: Text = ""
    logs: list[LogItem] = Field(default_factory=list)
    next_token: Text = Field(default="", alias="next_token")
    prev_token: Text = Field(default="", alias="prev_token")

    @field_validator("logs", mode="before")
    @classmethod
    def _null_logs(cls, value: object) -> object:
        return [] if value is None else value


class GetOutputsQuery(WireModel):
    """Query of `GET /v0/runs/getOutputs`."""

    id: str


class GetOutputsResponse(WireModel):
    """Response of `runs/getOutputs`: any JSON value under `output` (older servers: `outputs`)."""

    output: Any = None

    @model_validator(mode="before")
    @classmethod
    def _legacy_key(cls, data: Any) -> Any:
        if isinstance(data, dict) and "output" not in data and "outputs" in data:
            rest = {k: v for k, v in data.items() if k != "outputs"}
            return {**rest, "output": data["outputs"]}
        return data


class ListRunsQuery(WireModel):
    """Query of `GET /v0/runs/list`. `since`/`until` filter on last update, RFC 3339."""

    task_id: str | None = None
    task_slug: str | None = None
    since: Timestamp = None
    until: Timestamp = None
    limit: int | None = Field(default=None, ge=0, le=50)
    page: int | None = Field(default=None, ge=0)


class ListRunsResponse(WireModel):
    """Response of `runs/list`."""

    runs: list[Run] = Field(default_factory=list)

    @field_validator("runs", mode="before")
    @classmethod
    def _null_runs(cls, value: object) -> object:
        return [] if value is None else value


class CancelRunRequest(WireModel):
    """Body of `POST /v0/runs/cancel`."""

    run_id: str


class CancelRunResponse(WireModel):
    """Response of `runs/cancel`: undocumented, so any object (often empty) is accepted."""

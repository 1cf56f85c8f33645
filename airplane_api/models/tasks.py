"""Task metadata and the other calls Airplane's own clients make (tasks/get, auth/info, ...)."""

from __future__ import annotations

from typing import Any

from pydantic import Field, field_validator, model_validator

from ._base import JsonObject, Text, Timestamp, WireModel
from .common import ParameterList


class ExecuteRules(WireModel):
    """A task's rules for who may run it and how many runs at once."""

    disallow_self_approve: bool = False
    require_requests: bool = False
    concurrency_key: Text = ""
    concurrency_limit: int | None = None


class Task(WireModel):
    """A task as `tasks/get` returns it (flat). `parameters` may be a list or `{parameters}`."""

    id: str
    slug: str
    name: Text = ""
    description: Text = ""
    parameters: ParameterList = Field(default_factory=list)
    kind: Text = ""
    runtime: Text = ""
    timeout: int | None = None
    execute_rules: ExecuteRules = Field(default_factory=ExecuteRules)
    resources: JsonObject = Field(default_factory=dict)
    is_archived: bool = False
    created_at: Timestamp = None
    updated_at: Timestamp = None

    @model_validator(mode="before")
    @classmethod
    def _task_id(cls, data: Any) -> Any:
        if isinstance(data, dict) and "id" not in data and "taskID" in data:
            return {**data, "id": data["taskID"]}
        return data

    @field_validator("execute_rules", mode="before")
    @classmethod
    def _null_rules(cls, value: object) -> object:
        return {} if value is None else value


class GetTaskQuery(WireModel):
    """Query of `GET /v0/tasks/get`: by slug or ID."""

    slug: str | None = None
    id: str | None = None


class ListTasksResponse(WireModel):
    """Response of `tasks/list`."""

    tasks: list[Task] = Field(default_factory=list)

    @field_validator("tasks", mode="before")
    @classmethod
    def _null_tasks(cls, value: object) -> object:
        return [] if value is None else value


class User(WireModel):
    """A user as `users/get` and `auth/info` describe it."""

    id: str = Field(default="", alias="userID")
    email: Text = ""
    name: Text = ""
    avatar_url: Text = ""

    @model_validator(mode="before")
    @classmethod
    def _either_id(cls, data: Any) -> Any:
        if isinstance(data, dict) and "userID" not in data and "id" in data:
            return {**data, "userID": data["id"]}
        return data


class GetUserQuery(WireModel):
    """Query of `GET /v0/users/get`."""

    user_id: str


class GetUserResponse(WireModel):
    """Response of `users/get`."""

    user: User


class Env(WireModel):
    """An environment as `envs/list` describes it."""

    id: str = ""
    slug: str
    name: Text = ""


class ListEnvsResponse(WireModel):
    """Response of `envs/list` (Airplane's CLI calls it; not in the documented v0 contract)."""

    envs: list[Env] = Field(default_factory=list)

    @field_validator("envs", mode="before")
    @classmethod
    def _null_envs(cls, value: object) -> object:
        return [] if value is None else value


class Team(WireModel):
    """The caller's team."""

    id: str
    name: Text = ""


class AuthInfoResponse(WireModel):
    """Response of `auth/info`: who the key or token belongs to."""

    user: User | None = None
    team: Team | None = None

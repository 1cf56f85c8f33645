"""Runbooks and sessions: read a runbook, execute it, then get and list its sessions."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import Field, field_validator, model_validator

from ._base import JsonObject, Text, Timestamp, WireModel
from .common import Parameter, ParameterList, Permission
from .runs import is_terminal_status


class SessionStatus(StrEnum):
    """Status of a session (OpenAPI `GetSessionResponse`); unlike runs it can wait on people."""

    PENDING = "Pending"
    ACTIVE = "Active"
    WAITING = "Waiting"
    SUCCEEDED = "Succeeded"
    FAILED = "Failed"
    CANCELLING = "Cancelling"
    CANCELLED = "Cancelled"

    @property
    def is_terminal(self) -> bool:
        """Whether the session has ended."""
        return is_terminal_status(self)


class Runbook(WireModel):
    """A runbook as `runbooks/get` and `runbooks/list` describe it. Not in the documented v0
    contract: Airplane's CLI reads `{"runbook": {"id", "name", "slug", "parameters", ...}}`
    (docs/reference/airplane-clients-notes.md), so a flat object is taken too, `runbookID` for
    `id`, and `parameters` as a list or as `{"parameters": [...]}`."""

    id: str
    slug: str
    name: Text = ""
    description: Text = ""
    parameters: ParameterList = Field(default_factory=list)
    is_archived: bool = False

    @model_validator(mode="before")
    @classmethod
    def _unwrap(cls, data: Any) -> Any:
        if isinstance(data, dict) and "id" not in data:
            if isinstance(data.get("runbook"), dict):
                data = data["runbook"]
            if "id" not in data and "runbookID" in data:
                data = {**data, "id": data["runbookID"]}
        return data


class GetRunbookQuery(WireModel):
    """Query of `GET /v0/runbooks/get`: by slug, named as Airplane's CLI sends it."""

    runbook_slug: str


class ListRunbooksResponse(WireModel):
    """Response of `runbooks/list`."""

    runbooks: list[Runbook] = Field(default_factory=list)

    @field_validator("runbooks", mode="before")
    @classmethod
    def _null_runbooks(cls, value: object) -> object:
        return [] if value is None else value


class ExecuteRunbookRequest(WireModel):
    """Body of `POST /v0/runbooks/execute`: a runbook by ID or slug and its parameter values."""

    id: str | None = None
    slug: str | None = None
    param_values: JsonObject = Field(default_factory=dict)

    @model_validator(mode="after")
    def _id_or_slug(self) -> ExecuteRunbookRequest:
        if not (self.id or self.slug):
            raise ValueError("either an id or a slug must be provided")
        return self


class ExecuteRunbookResponse(WireModel):
    """Response of `runbooks/execute`."""

    session_id: str


class Session(WireModel):
    """A session object as `sessions/get` and `sessions/list` return it."""

    id: str
    status: SessionStatus
    name: Text = ""
    runbook_id: Text = ""
    team_id: Text = ""
    is_private: bool = False
    param_values: JsonObject = Field(default_factory=dict)
    params: list[Parameter] = Field(default_factory=list)
    permissions: list[Permission] = Field(default_factory=list)
    created_at: Timestamp = None
    created_by: Text = ""
    updated_at: Timestamp = None
    updated_by: Text = ""

    @field_validator("params", "permissions", mode="before")
    @classmethod
    def _null_list(cls, value: object) -> object:
        return [] if value is None else value


class GetSessionQuery(WireModel):
    """Query of `GET /v0/sessions/get`."""

    id: str


class ListSessionsQuery(WireModel):
    """Query of `GET /v0/sessions/list`. Filters on last update, RFC 3339."""

    runbook_id: str | None = None
    updated_after: Timestamp = None
    updated_before: Timestamp = None
    limit: int | None = Field(default=None, ge=0, le=50)
    page: int | None = Field(default=None, ge=0)


class ListSessionsResponse(WireModel):
    """Response of `sessions/list`."""

    sessions: list[Session] = Field(default_factory=list)

    @field_validator("sessions", mode="before")
    @classmethod
    def _null_sessions(cls, value: object) -> object:
        return [] if value is None else value

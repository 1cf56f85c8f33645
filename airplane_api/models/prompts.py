"""Prompts: questions a run asks a person; get, list, submit, cancel (and create, from runs)."""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field, field_validator

from ._base import JsonObject, StrList, Text, Timestamp, WireModel
from .common import ParameterSchema


class Reviewers(WireModel):
    """Who may answer a prompt: user emails, group slugs, and whether the requester may."""

    users: StrList = Field(default_factory=list)
    groups: StrList = Field(default_factory=list)
    allow_self_approvals: bool = True

    @field_validator("allow_self_approvals", mode="before")
    @classmethod
    def _null_is_default(cls, value: object) -> object:
        return True if value is None else value

    @property
    def anyone(self) -> bool:
        """Whether no reviewer is named, so anyone who can see the run may answer."""
        return not self.users and not self.groups


class PromptState(StrEnum):
    """Where a prompt stands, derived from its timestamps (the API has no status field)."""

    PENDING = "pending"
    SUBMITTED = "submitted"
    CANCELLED = "cancelled"


class Prompt(WireModel):
    """A prompt object as `prompts/get` and `prompts/list` return it."""

    id: str
    run_id: Text = ""
    schema_: ParameterSchema = Field(default_factory=ParameterSchema, alias="schema")
    values: JsonObject = Field(default_factory=dict)
    reviewers: Reviewers = Field(default_factory=Reviewers)
    confirm_text: Text = ""
    cancel_text: Text = ""
    description: Text = ""
    created_at: Timestamp = None
    submitted_at: Timestamp = None
    submitted_by: Text = ""
    cancelled_at: Timestamp = None
    cancelled_by: Text = ""

    @field_validator("schema_", "reviewers", mode="before")
    @classmethod
    def _null_object(cls, value: object) -> object:
        return {} if value is None else value

    @property
    def state(self) -> PromptState:
        """Pending until submitted or cancelled; a cancellation wins if both are set."""
        if self.cancelled_at is not None:
            return PromptState.CANCELLED
        if self.submitted_at is not None:
            return PromptState.SUBMITTED
        return PromptState.PENDING


class GetPromptResponse(WireModel):
    """Response of `prompts/get`."""

    prompt: Prompt


class ListPromptsResponse(WireModel):
    """Response of `prompts/list`."""

    prompts: list[Prompt] = Field(default_factory=list)

    @field_validator("prompts", mode="before")
    @classmethod
    def _null_prompts(cls, value: object) -> object:
        return [] if value is None else value


class SubmitPromptRequest(WireModel):
    """Body of `POST /v0/prompts/submit`."""

    id: str
    values: JsonObject = Field(default_factory=dict)


class CancelPromptRequest(WireModel):
    """Body of `POST /v0/prompts/cancel`."""

    id: str


class PromptIdResponse(WireModel):
    """Response of `prompts/submit`, `prompts/cancel` and `prompts/create`."""

    id: str


class CreatePromptRequest(WireModel):
    """Body of `POST /v0/prompts/create`, sent by airplanesdk from inside a run."""

    schema_: ParameterSchema = Field(default_factory=ParameterSchema, alias="schema")
    reviewers: Reviewers | None = None
    confirm_text: Text = ""
    cancel_text: Text = ""
    description: Text = ""
    notify: bool = True

    @field_validator("schema_", mode="before")
    @classmethod
    def _null_schema(cls, value: object) -> object:
        return {} if value is None else value

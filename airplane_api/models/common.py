"""Objects shared by several endpoints: parameters, permissions, constraints, errors."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, field_validator

from ._base import Text, WireModel


class ParamType(StrEnum):
    """Parameter data types: the OpenAPI enum plus `json` and `multi` that airplanesdk sends."""

    ANY = "any"
    STRING = "string"
    BOOLEAN = "boolean"
    UPLOAD = "upload"
    INTEGER = "integer"
    FLOAT = "float"
    DATE = "date"
    DATETIME = "datetime"
    CONFIGVAR = "configvar"
    LIST = "list"
    MAP = "map"
    OBJECT = "object"
    JSON = "json"


class Component(StrEnum):
    """UI-only modifiers of a parameter's type."""

    NONE = ""
    TEXTAREA = "textarea"
    EDITOR_SQL = "editor-sql"


class ConstraintOption(WireModel):
    """One allowed value of a parameter, with the label a form shows for it."""

    label: str = ""
    value: Any = None


def _normalise_options(value: object) -> object:
    """Options arrive as null, `{}` (the docs' example), bare values, or `{label, value}`."""
    if value is None or value == {}:
        return None
    if isinstance(value, list):
        return [
            item if isinstance(item, dict) else {"label": str(item), "value": item}
            for item in value
        ]
    return value


class Constraints(WireModel):
    """What a parameter's value must satisfy. `optional` means the value may be null or absent."""

    optional: bool = False
    regex: Text = ""
    options: list[ConstraintOption] | None = None
    validate_: Text = Field(default="", alias="validate")
    allow_unknown_keys: bool = False

    @field_validator("options", mode="before")
    @classmethod
    def _options(cls, value: object) -> object:
        return _normalise_options(value)

    @field_validator("optional", "allow_unknown_keys", mode="before")
    @classmethod
    def _null_is_false(cls, value: object) -> object:
        return False if value is None else value


class Parameter(WireModel):
    """One item of a parameter schema (run and session `params`, prompt `schema.parameters`)."""

    slug: str
    name: Text = ""
    type: ParamType = ParamType.STRING
    desc: Text = ""
    component: Component = Component.NONE
    default: Any = None
    constraints: Constraints = Field(default_factory=Constraints)
    hidden: bool | str | None = None
    multi: bool = False
    values: Any = None
    # Runs and sessions nest items under `params`, prompts under `parameters`.
    params: list[Parameter] | None = None
    parameters: list[Parameter] | None = None

    @field_validator("component", mode="before")
    @classmethod
    def _null_component(cls, value: object) -> object:
        return "" if value is None else value

    @field_validator("constraints", mode="before")
    @classmethod
    def _null_constraints(cls, value: object) -> object:
        return {} if value is None else value

    @field_validator("multi", mode="before")
    @classmethod
    def _null_multi(cls, value: object) -> object:
        return False if value is None else value

    @property
    def label(self) -> str:
        """The name people see, falling back to the slug."""
        return self.name or self.slug

    @property
    def required(self) -> bool:
        """Whether a value must be given (no default and not optional)."""
        return not self.constraints.optional and self.default in (None, "", {})


class ParameterSchema(WireModel):
    """A parameter list wrapped as `{"parameters": [...]}` (prompt schemas)."""

    parameters: list[Parameter] = Field(default_factory=list)

    @field_validator("parameters", mode="before")
    @classmethod
    def _null_parameters(cls, value: object) -> object:
        return [] if value is None else value


def _parameter_list(value: object) -> object:
    if value is None:
        return []
    if isinstance(value, dict):
        return ParameterSchema.model_validate(value).parameters
    return value


ParameterList = Annotated[list[Parameter], BeforeValidator(_parameter_list)]
"""A task's or runbook's parameters, sent as a list or wrapped as `{"parameters": [...]}`
(and null for none)."""


class Permission(WireModel):
    """An explicit permission on a private run, session or resource."""

    action: str = ""
    role_id: str = ""
    sub_group_id: str = ""
    sub_user_id: str = ""


class AgentLabel(WireModel):
    """A key/value label that constrains which agents may run a run."""

    key: str = ""
    value: str = ""


class RunConstraints(WireModel):
    """Agent constraints of a run."""

    labels: list[AgentLabel] = Field(default_factory=list)


class ErrorBody(WireModel):
    """The body of every error response: a message and sometimes a machine-readable code."""

    error: str = ""
    code: str | None = None

"""Resources: connections (databases, APIs) that tasks use; create and update."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from ._base import JsonObject, Text, WireModel
from .common import Permission


class CreateResourceRequest(WireModel):
    """Body of `POST /v0/resources/create`. `resource` depends on `kind`."""

    kind: str
    name: str
    slug: str | None = None
    is_private: bool = False
    permissions: list[Permission] = Field(default_factory=list)
    resource: JsonObject = Field(default_factory=dict)


class UpdateResourceRequest(CreateResourceRequest):
    """Body of `POST /v0/resources/update` (PUT semantics: the whole resource is replaced)."""

    id: str


class ResourceIdResponse(WireModel):
    """Response of `resources/create` and `resources/update`."""

    id: str


class Resource(WireModel):
    """A resource as `resources/get` and `resources/list` return it; secrets are left out."""

    id: str
    slug: Text = ""
    name: Text = ""
    kind: Text = ""
    team_id: Text = ""
    is_private: bool = False
    resource: dict[str, Any] = Field(default_factory=dict)

"""resources/create, resources/update (PUT semantics), resources/get, resources/list."""

from __future__ import annotations

import re
from typing import Any

from airplane_api.models import CreateResourceRequest, UpdateResourceRequest

from ..auth import TEAM_ID, Right
from ..errors import bad_request, conflict, not_found
from ..ids import new_id
from ..pipeline import Ctx, Endpoint, parse_model
from ..resource_config import KINDS, keep_secrets, redact
from ..store import ResourceRecord, SlugTaken
from ..timeutil import now_text

_SLUG = re.compile(r"^[a-z0-9_]{1,50}$")


def _slug(name: str, slug: str | None) -> str:
    if slug:
        if not _SLUG.match(slug):
            raise bad_request(f"slug {slug!r} must be 1-50 lower-case letters, digits or _")
        return slug
    made = re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")[:50]
    if not made:
        raise bad_request("name must contain a letter or digit")
    return made


def _kind(kind: str) -> str:
    if kind not in KINDS:
        raise bad_request(
            f"unknown resource kind {kind!r}; known kinds: {', '.join(sorted(KINDS))}"
        )
    return kind


def resource_wire(record: ResourceRecord) -> dict[str, Any]:
    """A resource with its secrets redacted."""
    return {
        "id": record.id,
        "slug": record.slug,
        "name": record.name,
        "kind": record.kind,
        "teamID": TEAM_ID,
        "isPrivate": record.is_private,
        "permissions": record.permissions,
        "resource": redact(record.config),
        "createdAt": record.created_at,
        "updatedAt": record.updated_at,
        "canUseResource": True,
    }


async def create(ctx: Ctx) -> dict[str, Any]:
    """Create a resource; 409 when its slug is taken."""
    request = parse_model(CreateResourceRequest, ctx.body)
    now = now_text()
    record = ResourceRecord(
        id=new_id("res"),
        slug=_slug(request.name, request.slug),
        name=request.name,
        kind=_kind(request.kind),
        is_private=request.is_private,
        permissions=[p.to_wire() for p in request.permissions],
        config=dict(request.resource),
        created_at=now,
        updated_at=now,
    )
    try:
        await ctx.services.store.accounts.add_resource(record)
    except SlugTaken:
        raise conflict(f"a resource with slug {record.slug!r} already exists") from None
    return {"id": record.id}


async def update(ctx: Ctx) -> dict[str, Any]:
    """Replace a resource; its kind must stay the same, stored secrets stay unless replaced."""
    request = parse_model(UpdateResourceRequest, ctx.body)
    old = await ctx.services.store.accounts.resource(request.id)
    if old is None or old.id != request.id:
        raise not_found(f"resource {request.id!r} not found")
    if request.kind != old.kind:
        raise bad_request(f"kind must match the resource's kind {old.kind!r}")
    record = ResourceRecord(
        id=old.id,
        slug=_slug(request.name, request.slug or old.slug),
        name=request.name,
        kind=old.kind,
        is_private=request.is_private,
        permissions=[p.to_wire() for p in request.permissions],
        config=keep_secrets(dict(request.resource), old.config),
        created_at=old.created_at,
        updated_at=now_text(),
    )
    try:
        await ctx.services.store.accounts.replace_resource(record)
    except SlugTaken:
        raise conflict(f"a resource with slug {record.slug!r} already exists") from None
    return {"id": record.id}


async def get(ctx: Ctx) -> dict[str, Any]:
    """A resource by `id` or `slug`, secrets redacted."""
    ref = ctx.required("id", "slug")
    record = await ctx.services.store.accounts.resource(ref)
    if record is None:
        raise not_found(f"resource {ref!r} not found")
    return {"resource": resource_wire(record)}


async def list_resources(ctx: Ctx) -> dict[str, Any]:
    """Every resource, secrets redacted."""
    records = await ctx.services.store.accounts.resources()
    return {"resources": [resource_wire(record) for record in records]}


ENDPOINTS = (
    Endpoint("POST", "/v0/resources/create", create, Right.MANAGE_RESOURCES),
    Endpoint("POST", "/v0/resources/update", update, Right.MANAGE_RESOURCES),
    Endpoint("GET", "/v0/resources/get", get),
    Endpoint("GET", "/v0/resources/list", list_resources),
)

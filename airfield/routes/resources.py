"""resources/create, resources/update (PUT semantics), resources/get, resources/list.

Reads show each kind's public fields only (resource_config.py) and skip private resources the
caller has no permission for; configurations are stored encrypted (secret_box.py).
"""

from __future__ import annotations

import re
from typing import Any

from airplane_api.models import CreateResourceRequest, UpdateResourceRequest

from ..auth import TEAM_ID, Right
from ..errors import ApiError, bad_request, conflict, not_found, quoted
from ..ids import new_id
from ..pipeline import Ctx, Endpoint, parse_model
from ..resource_config import KINDS, keep_write_only, may_read, public_view
from ..secret_box import SecretKeyError
from ..store import ResourceRecord, SlugTaken
from ..timeutil import now_text

_SLUG = re.compile(r"^[a-z0-9_]{1,50}$")


def _slug(name: str, slug: str | None) -> str:
    if slug:
        if not _SLUG.match(slug):
            raise bad_request(f"slug {quoted(slug)} must be 1-50 lower-case letters, digits or _")
        return slug
    made = re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")[:50]
    if not made:
        raise bad_request("name must contain a letter or digit")
    return made


def _kind(kind: str) -> str:
    if kind not in KINDS:
        raise bad_request(
            f"unknown resource kind {quoted(kind)}; known kinds: {', '.join(sorted(KINDS))}"
        )
    return kind


def resource_wire(record: ResourceRecord) -> dict[str, Any]:
    """A resource as reads show it: write-only configuration fields REDACTED."""
    return {
        "id": record.id,
        "slug": record.slug,
        "name": record.name,
        "kind": record.kind,
        "teamID": TEAM_ID,
        "isPrivate": record.is_private,
        "permissions": record.permissions,
        "resource": public_view(record.kind, record.config),
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
    except SecretKeyError as exc:
        raise _no_key(exc) from None
    except SlugTaken:
        raise conflict(f"a resource with slug {record.slug!r} already exists") from None
    return {"id": record.id}


async def update(ctx: Ctx) -> dict[str, Any]:
    """Replace a resource; its kind must stay the same, stored secrets stay unless replaced.

    A caller may only update what it may read: a private resource it cannot see is 404 here
    exactly as on resources/get, so a key cannot repoint one at a host of its own and keep the
    stored password."""
    request = parse_model(UpdateResourceRequest, ctx.body)
    old = await _stored(ctx, request.id)
    if old is None or old.id != request.id or not await _readable(ctx, [old]):
        raise not_found(f"resource {quoted(request.id)} not found")
    if request.kind != old.kind:
        raise bad_request(f"kind must match the resource's kind {old.kind!r}")
    record = ResourceRecord(
        id=old.id,
        slug=_slug(request.name, request.slug or old.slug),
        name=request.name,
        kind=old.kind,
        is_private=request.is_private,
        permissions=[p.to_wire() for p in request.permissions],
        config=keep_write_only(old.kind, dict(request.resource), old.config),
        created_at=old.created_at,
        updated_at=now_text(),
    )
    try:
        await ctx.services.store.accounts.replace_resource(record)
    except SecretKeyError as exc:
        raise _no_key(exc) from None
    except SlugTaken:
        raise conflict(f"a resource with slug {record.slug!r} already exists") from None
    return {"id": record.id}


def _no_key(exc: SecretKeyError) -> ApiError:
    return ApiError(503, f"resources are unavailable: {exc}", "secret_key_missing")


async def _stored(ctx: Ctx, ref: str) -> ResourceRecord | None:
    try:
        return await ctx.services.store.accounts.resource(ref)
    except SecretKeyError as exc:
        raise _no_key(exc) from None


async def _readable(ctx: Ctx, records: list[ResourceRecord]) -> list[ResourceRecord]:
    """The records the caller may read (private ones need a permission naming them)."""
    attached: set[str] = set()
    if ctx.caller.run_id is not None:
        run = await ctx.services.store.runs.get(ctx.caller.run_id)
        attached = set(run.resources.values()) if run is not None else set()
    return [
        record
        for record in records
        if may_read(
            is_private=record.is_private,
            permissions=record.permissions,
            role=ctx.caller.role.value,
            people={ctx.caller.user_id, ctx.caller.actor},
            attached=bool({record.id, record.slug} & attached),
        )
    ]


async def get(ctx: Ctx) -> dict[str, Any]:
    """A resource by `id` or `slug`; 404 when it does not exist or is private to others."""
    ref = ctx.required("id", "slug")
    record = await _stored(ctx, ref)
    if record is None or not await _readable(ctx, [record]):
        raise not_found(f"resource {quoted(ref)} not found")
    return {"resource": resource_wire(record)}


async def list_resources(ctx: Ctx) -> dict[str, Any]:
    """Every resource the caller may read."""
    try:
        records = await ctx.services.store.accounts.resources()
    except SecretKeyError as exc:
        raise _no_key(exc) from None
    return {"resources": [resource_wire(record) for record in await _readable(ctx, records)]}


ENDPOINTS = (
    Endpoint("POST", "/v0/resources/create", create, Right.MANAGE_RESOURCES),
    Endpoint("POST", "/v0/resources/update", update, Right.MANAGE_RESOURCES),
    Endpoint("GET", "/v0/resources/get", get),
    Endpoint("GET", "/v0/resources/list", list_resources),
)

"""views.* methods: modals (open, push, update) and App Home (publish), validated and hashed."""

from __future__ import annotations

from typing import Any

from .state import JSON, ViewRecord
from .validation import validate_view
from .web_common import ApiContext, ApiError, json_param, method, optional_str

MAX_STACK = 3


def check_view(params: JSON) -> JSON:
    """The `view` parameter, refused as Slack does (`invalid_arguments`) when invalid."""
    view: Any = json_param(params, "view")
    if view is None:
        raise ApiError(
            "invalid_arguments",
            response_metadata={"messages": ["[ERROR] missing required field: view"]},
        )
    errors = validate_view(view)
    if errors:
        raise ApiError(
            "invalid_arguments",
            errors=errors,
            response_metadata={"messages": [f"[ERROR] {e}" for e in errors]},
        )
    checked: JSON = view
    return checked


def new_view(
    ctx: ApiContext, user: str, view: JSON, *, previous: ViewRecord | None = None
) -> ViewRecord:
    """Record a newly opened or pushed view."""
    view_id = ctx.workspace.ids.make("V")
    record = ViewRecord(
        id=view_id,
        user=user,
        type=str(view["type"]),
        versions=[view],
        hash=ctx.workspace.clock.next(),
        root_view_id=previous.root_view_id if previous else view_id,
        previous_view_id=previous.id if previous else None,
        external_id=view.get("external_id") or None,
    )
    if record.external_id and any(
        v.external_id == record.external_id for v in ctx.workspace.views.values()
    ):
        raise ApiError("duplicate_external_id")
    ctx.workspace.views[view_id] = record
    return record


@method("views.open")
async def open_view(ctx: ApiContext, params: JSON) -> JSON:
    """Open a modal for the user whose interaction issued `trigger_id`."""
    view = check_view(params)
    if view["type"] != "modal":
        raise ApiError(
            "invalid_arguments", response_metadata={"messages": ["[ERROR] view type must be modal"]}
        )
    trigger = ctx.consume_trigger(
        optional_str(params, "trigger_id") or optional_str(params, "interactivity_pointer")
    )
    record = new_view(ctx, trigger.user, view)
    return {"ok": True, "view": record.to_api()}


@method("views.push")
async def push_view(ctx: ApiContext, params: JSON) -> JSON:
    """Push a modal on top of the user's open one (at most three deep)."""
    view = check_view(params)
    trigger = ctx.consume_trigger(
        optional_str(params, "trigger_id") or optional_str(params, "interactivity_pointer")
    )
    stack = ctx.workspace.open_views(trigger.user)
    if not stack:
        raise ApiError("not_found")
    if len(stack) >= MAX_STACK:
        raise ApiError("push_limit_reached")
    record = new_view(ctx, trigger.user, view, previous=stack[-1])
    return {"ok": True, "view": record.to_api()}


@method("views.update")
async def update_view(ctx: ApiContext, params: JSON) -> JSON:
    """Replace an open view by `view_id` or `external_id`, honouring `hash`."""
    view = check_view(params)
    view_id = optional_str(params, "view_id")
    external_id = optional_str(params, "external_id")
    if view_id is None and external_id is None:
        raise ApiError(
            "invalid_arguments",
            response_metadata={"messages": ["[ERROR] view_id or external_id required"]},
        )
    record = next(
        (
            v
            for v in [*ctx.workspace.views.values(), *ctx.workspace.home_views.values()]
            if (view_id and v.id == view_id) or (external_id and v.external_id == external_id)
        ),
        None,
    )
    if record is None or record.closed:
        raise ApiError("not_found")
    expected_hash = optional_str(params, "hash")
    if expected_hash is not None and expected_hash != record.hash:
        raise ApiError("hash_conflict")
    record.versions.append(view)
    record.hash = ctx.workspace.clock.next()
    record.errors = {}
    return {"ok": True, "view": record.to_api()}


@method("views.publish")
async def publish_view(ctx: ApiContext, params: JSON) -> JSON:
    """Publish a user's App Home tab."""
    view = check_view(params)
    if view["type"] != "home":
        raise ApiError(
            "invalid_arguments", response_metadata={"messages": ["[ERROR] view type must be home"]}
        )
    user = optional_str(params, "user_id")
    if user is None or user not in ctx.workspace.users:
        raise ApiError("user_not_found")
    record = ctx.workspace.home_views.get(user)
    expected_hash = optional_str(params, "hash")
    if record is not None and expected_hash is not None and expected_hash != record.hash:
        raise ApiError("hash_conflict")
    if record is None:
        view_id = ctx.workspace.ids.make("V")
        record = ViewRecord(view_id, user, "home", [view], ctx.workspace.clock.next(), view_id)
        ctx.workspace.home_views[user] = record
    else:
        record.versions.append(view)
        record.hash = ctx.workspace.clock.next()
    return {"ok": True, "view": record.to_api()}

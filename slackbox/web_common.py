"""What every Web API method handler shares: the error type, the context, parameter reading.

A handler is `async def handler(ctx, params) -> dict` registered with `@method("chat.update")`;
it answers the `ok: true` body or raises `ApiError("message_not_found")`. `params` merges the
query string, the form body and the JSON body, as slack_sdk may use any of them.
"""

from __future__ import annotations

import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from .state import JSON, Channel, Workspace

Handler = Callable[["ApiContext", JSON], Awaitable[JSON]]
METHODS: dict[str, Handler] = {}
# Methods that take the app-level token (xapp-) instead of the bot token.
APP_TOKEN_METHODS = {"apps.connections.open"}


class ApiError(Exception):
    """A Slack error answer: `{"ok": false, "error": ...}` plus any extra keys."""

    def __init__(self, error: str, **extra: Any) -> None:
        super().__init__(error)
        self.error = error
        self.extra = extra

    def body(self) -> JSON:
        """The JSON body Slack answers."""
        return {"ok": False, "error": self.error, **self.extra}


@dataclass
class Trigger:
    """A `trigger_id` handed to the app with an interaction; usable once, for a short while."""

    user: str
    issued_at: float
    used: bool = False


@dataclass
class ApiContext:
    """The state and settings handlers work with."""

    workspace: Workspace
    base_url: str
    trigger_ttl: float
    scopes: list[str]
    triggers: dict[str, Trigger] = field(default_factory=dict)
    socket_url: Callable[[], str] = lambda: ""

    def consume_trigger(self, trigger_id: str | None) -> Trigger:
        """Check a trigger_id as Slack does and mark it used."""
        trigger = self.triggers.get(trigger_id or "")
        if trigger is None:
            raise ApiError("invalid_trigger_id")
        if trigger.used:
            raise ApiError("exchanged_trigger_id")
        if time.monotonic() - trigger.issued_at > self.trigger_ttl:
            raise ApiError("expired_trigger_id")
        trigger.used = True
        return trigger


def method(name: str) -> Callable[[Handler], Handler]:
    """Register a handler for one Web API method."""

    def register(handler: Handler) -> Handler:
        METHODS[name] = handler
        return handler

    return register


def required(params: JSON, key: str) -> str:
    """A required string parameter; Slack answers `invalid_arguments` without it."""
    value = params.get(key)
    if value is None or value == "":
        raise ApiError(
            "invalid_arguments",
            response_metadata={"messages": [f"[ERROR] missing required field: {key}"]},
        )
    return str(value)


def optional_str(params: JSON, key: str) -> str | None:
    """An optional string parameter (empty counts as absent)."""
    value = params.get(key)
    return None if value is None or value == "" else str(value)


def json_param(params: JSON, key: str) -> Any:
    """A JSON-valued parameter: already decoded (JSON body) or a JSON string (form/query)."""
    value = params.get(key)
    if isinstance(value, str):
        if value == "":
            return None
        try:
            return json.loads(value)
        except ValueError:
            raise ApiError("invalid_json", argument=key) from None
    return value


def bool_param(params: JSON, key: str) -> bool:
    """A boolean parameter as slack_sdk sends it (`true`, `"1"`, `"true"`)."""
    value = params.get(key)
    if isinstance(value, str):
        return value.lower() in ("1", "true", "yes")
    return bool(value)


def resolve_channel(
    ctx: ApiContext, channel_id: str | None, *, write: bool = True, loose: bool = False
) -> Channel:
    """The channel a `channel` parameter names: an ID; with `loose` (chat.postMessage only) also
    a `#name` or a user ID (their IM). Other methods want the ID, as Slack's docs insist."""
    if not channel_id:
        raise ApiError("channel_not_found")
    channel = ctx.workspace.channels.get(channel_id)
    if channel is None and loose:
        channel = _by_name_or_user(ctx.workspace, channel_id)
    if channel is None or (channel.is_private and not channel.bot_is_member):
        raise ApiError("channel_not_found")
    if write and not channel.bot_is_member:
        raise ApiError("not_in_channel")
    return channel


def _by_name_or_user(workspace: Workspace, name: str) -> Channel | None:
    if name.startswith(("U", "W")) and name in workspace.users:
        return workspace.im_with(name)
    bare = name.removeprefix("#")
    return next((c for c in workspace.channels.values() if c.name == bare and not c.is_im), None)

"""conversations.replies and conversations.history: reading messages back, newest first.

Metadata is returned only with `include_all_metadata`, as in Slack; the bot's tracker uses it
to find a post it may have made before a crash.
"""

from __future__ import annotations

from .state import JSON, Message
from .web_common import ApiContext, ApiError, bool_param, method, required, resolve_channel

DEFAULT_LIMIT = 100


def _listed(messages: list[Message], params: JSON) -> JSON:
    limit = int(params.get("limit") or DEFAULT_LIMIT)
    with_metadata = bool_param(params, "include_all_metadata")
    shown = []
    for message in messages[:limit]:
        body = message.to_api()
        if not with_metadata:
            body.pop("metadata", None)
        shown.append(body)
    return {"ok": True, "messages": shown, "has_more": len(messages) > limit}


@method("conversations.history")
async def history(ctx: ApiContext, params: JSON) -> JSON:
    """Top-level messages of a channel, newest first."""
    channel = resolve_channel(ctx, required(params, "channel"), write=False)
    messages = ctx.workspace.channel_messages(channel.id)
    return _listed(list(reversed(messages)), params)


@method("conversations.replies")
async def replies(ctx: ApiContext, params: JSON) -> JSON:
    """A thread: its parent first, then the replies oldest first (as Slack orders it)."""
    channel = resolve_channel(ctx, required(params, "channel"), write=False)
    parent = ctx.workspace.find_message(channel.id, required(params, "ts"))
    if parent is None or parent.deleted:
        raise ApiError("thread_not_found")
    thread = ctx.workspace.thread(channel.id, parent.thread_ts or parent.ts)
    return _listed([parent, *thread], params)

"""chat.* methods: post, update, delete, ephemeral and permalinks, with Block Kit validation."""

from __future__ import annotations

from typing import Any

from .state import BOT_USER_ID, JSON, WORKSPACE_URL, Ephemeral, Message, MessageVersion
from .validation import validate_blocks
from .web_common import (
    ApiContext,
    ApiError,
    bool_param,
    json_param,
    method,
    optional_str,
    required,
    resolve_channel,
)

MAX_TEXT_CHARS = 40_000


def read_content(params: JSON, *, require: bool = True) -> tuple[str | None, Any, Any, Any]:
    """`text`, `blocks`, `attachments`, `metadata` of a message, with the blocks validated."""
    text = params.get("text")
    text = None if text is None else str(text)[:MAX_TEXT_CHARS]  # Slack cuts, never refuses
    blocks = json_param(params, "blocks")
    attachments = json_param(params, "attachments")
    metadata = json_param(params, "metadata")
    if require and not text and not blocks and not attachments:
        raise ApiError("no_text")
    if blocks is not None:
        check_blocks(blocks)
    return text, blocks, attachments, metadata


def check_blocks(blocks: Any, surface: str = "message") -> None:
    """Refuse invalid blocks with Slack's `invalid_blocks` answer."""
    errors = validate_blocks(blocks, surface=surface)
    if errors:
        raise ApiError(
            "invalid_blocks",
            errors=errors,
            response_metadata={"messages": [f"[ERROR] {e}" for e in errors]},
        )


def thread_parent(ctx: ApiContext, channel: str, thread_ts: str | None) -> str | None:
    """The parent `ts` a reply belongs to; replies to a reply land in the parent's thread."""
    if thread_ts is None:
        return None
    parent = ctx.workspace.find_message(channel, thread_ts)
    if parent is None or parent.deleted:
        # Stricter than Slack (which posts to the channel): a lost thread is a bot bug.
        raise ApiError("invalid_thread_ts")
    return parent.thread_ts or parent.ts


@method("chat.postMessage")
async def post_message(ctx: ApiContext, params: JSON) -> JSON:
    """Post a message in a channel or a thread."""
    channel = resolve_channel(ctx, optional_str(params, "channel"), loose=True)
    text, blocks, attachments, metadata = read_content(params)
    thread_ts = thread_parent(ctx, channel.id, optional_str(params, "thread_ts"))
    message = Message(
        channel=channel.id,
        ts=ctx.workspace.clock.next(),
        user=BOT_USER_ID,
        versions=[MessageVersion(text or "", blocks, attachments, metadata)],
        thread_ts=thread_ts,
        reply_broadcast=bool_param(params, "reply_broadcast"),
    )
    ctx.workspace.messages.append(message)
    return {"ok": True, "channel": channel.id, "ts": message.ts, "message": message.to_api()}


def own_message(ctx: ApiContext, params: JSON, ts_key: str, refusal: str) -> Message:
    """The bot's live message named by `channel` and `ts_key`."""
    channel = resolve_channel(ctx, optional_str(params, "channel"), write=False)
    message = ctx.workspace.find_message(channel.id, required(params, ts_key))
    if message is None or message.deleted:
        raise ApiError("message_not_found")
    if message.user != BOT_USER_ID:
        raise ApiError(refusal)
    return message


@method("chat.update")
async def update_message(ctx: ApiContext, params: JSON) -> JSON:
    """Edit a message in place; omitted `blocks`/`attachments` keep their previous value."""
    message = own_message(ctx, params, "ts", "cant_update_message")
    text, blocks, attachments, metadata = read_content(params, require=False)
    previous = message.versions[-1]
    version = MessageVersion(
        text=previous.text if text is None else text,
        blocks=previous.blocks if blocks is None else blocks,
        attachments=previous.attachments if attachments is None else attachments,
        metadata=previous.metadata if metadata is None else metadata,
    )
    if not version.text and not version.blocks and not version.attachments:
        raise ApiError("no_text")
    message.versions.append(version)
    return {
        "ok": True,
        "channel": message.channel,
        "ts": message.ts,
        "text": version.text,
        "message": message.to_api(),
    }


@method("chat.delete")
async def delete_message(ctx: ApiContext, params: JSON) -> JSON:
    """Delete a message (it stays in state with `deleted=True`)."""
    message = own_message(ctx, params, "ts", "cant_delete_message")
    message.deleted = True
    return {"ok": True, "channel": message.channel, "ts": message.ts}


@method("chat.postEphemeral")
async def post_ephemeral(ctx: ApiContext, params: JSON) -> JSON:
    """Show a message to one member of a channel."""
    channel = resolve_channel(ctx, optional_str(params, "channel"))
    user = optional_str(params, "user")
    if user is None or user not in ctx.workspace.users:
        raise ApiError("user_not_found")
    if user not in channel.members:
        raise ApiError("user_not_in_channel")
    text, blocks, _, _ = read_content(params)
    ephemeral = Ephemeral(
        channel=channel.id,
        user=user,
        ts=ctx.workspace.clock.next(),
        text=text or "",
        blocks=blocks,
        thread_ts=optional_str(params, "thread_ts"),
    )
    ctx.workspace.ephemerals.append(ephemeral)
    return {"ok": True, "message_ts": ephemeral.ts}


@method("chat.getPermalink")
async def get_permalink(ctx: ApiContext, params: JSON) -> JSON:
    """A link to a message, shaped like Slack's."""
    channel = resolve_channel(ctx, optional_str(params, "channel"), write=False)
    message = ctx.workspace.find_message(channel.id, required(params, "message_ts"))
    if message is None or message.deleted:
        raise ApiError("message_not_found")
    permalink = f"{WORKSPACE_URL}archives/{channel.id}/p{message.ts.replace('.', '')}"
    if message.is_reply:
        permalink += f"?thread_ts={message.thread_ts}&cid={channel.id}"
    return {"ok": True, "channel": channel.id, "permalink": permalink}

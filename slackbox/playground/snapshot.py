"""What one person sees of the workspace, as the page reads it (pure: state in, JSON out).

The page asks for the whole picture after every change; a playground's workspace is small, and
one shape for everything keeps the page a plain renderer of this snapshot.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..inputs import with_ids
from ..state import JSON, ApiCall, Channel, Ephemeral, Message, ViewRecord, Workspace
from .commands import SlashCommand

__all__ = ["snapshot", "visible_channels"]


def visible_channels(workspace: Workspace, user: str) -> list[Channel]:
    """Public channels, private ones the user is in, and the user's DMs with the app."""
    channels = [
        c
        for c in workspace.channels.values()
        if (not c.is_im and (not c.is_private or user in c.members)) or (c.is_im and c.user == user)
    ]
    return sorted(channels, key=lambda c: (c.is_im, c.name))


def snapshot(
    workspace: Workspace,
    user: str,
    *,
    commands: Sequence[SlashCommand],
    notice: str,
    app_connected: bool,
    limits_enforced: bool = True,
) -> JSON:
    """All `user` sees: people, channels, messages, ephemerals, modals, App Home, refusals,
    and how the app fared against Slack's rate limits (whether enforced; per method, calls
    served and refused with 429)."""
    channels = visible_channels(workspace, user)
    ids = {c.id for c in channels}
    return {
        "changes": workspace.changes,
        "notice": notice,
        "app_connected": app_connected,
        "me": user,
        "users": [
            {
                "id": u.id,
                "name": u.name,
                "real_name": u.real_name,
                "email": u.email,
                "is_bot": u.is_bot,
            }
            for u in workspace.users.values()
            if not u.deleted
        ],
        "channels": [
            {"id": c.id, "name": c.name, "is_im": c.is_im, "is_private": c.is_private}
            for c in channels
        ],
        "messages": [
            _message(workspace, m) for m in workspace.messages if m.channel in ids and not m.deleted
        ],
        "ephemerals": [_ephemeral(e) for e in workspace.ephemerals_for(user)],
        "views": [_view(v) for v in workspace.open_views(user)],
        "home": _view(workspace.home_views[user]) if user in workspace.home_views else None,
        "refusals": [
            _refusal(index, call)
            for index, call in enumerate(workspace.rejected)
            if _refusal_concerns(call, user, ids)
        ],
        "commands": [c.to_json() for c in commands],
        "limits": {
            "enforced": limits_enforced,
            "methods": [
                {"method": method, "served": count.served, "refused": count.refused}
                for method, count in workspace.method_counts().items()
            ],
        },
    }


def _blocks(blocks: list[JSON] | None) -> list[JSON] | None:
    # The same generated IDs the emulator puts in payloads, so what the page sends back matches.
    return with_ids(blocks) if blocks else None


def _message(workspace: Workspace, message: Message) -> JSON:
    files = [workspace.files[f] for f in message.files if f in workspace.files]
    return {
        "channel": message.channel,
        "ts": message.ts,
        "thread_ts": message.thread_ts if message.is_reply else None,
        "user": message.user,
        "text": message.text,
        "blocks": _blocks(message.versions[-1].blocks),
        "attachments": message.versions[-1].attachments,
        "edited": len(message.versions) > 1,
        "files": [
            {
                "id": f.id,
                "name": f.filename,
                "title": f.title or f.filename,
                "size": f.length,
                "url": f"/ui/files/{f.id}",
            }
            for f in files
        ],
    }


def _ephemeral(ephemeral: Ephemeral) -> JSON:
    return {
        "channel": ephemeral.channel,
        "ts": ephemeral.ts,
        "thread_ts": ephemeral.thread_ts,
        "text": ephemeral.text,
        "blocks": _blocks(ephemeral.blocks),
        "from_slackbot": ephemeral.source == "slackbot",
    }


def _view(view: ViewRecord) -> JSON:
    body = view.view
    return {
        "id": view.id,
        "type": view.type,
        "title": body.get("title"),
        "submit": body.get("submit"),
        "close": body.get("close"),
        "blocks": _blocks(view.blocks) or [],
        "errors": dict(view.errors),
        "values": view.values,
    }


def _refusal_concerns(call: ApiCall, user: str, channels: set[str]) -> bool:
    channel = call.params.get("channel")
    if isinstance(channel, str) and channel:
        return channel in channels
    target_user = call.params.get("user") or call.params.get("user_id")
    return target_user in (None, user)


def _refusal(index: int, call: ApiCall) -> JSON:
    errors: Any = call.response.get("errors") or call.response.get("response_metadata", {}).get(
        "messages", []
    )
    return {
        "id": index,
        "method": call.method,
        "channel": call.params.get("channel"),
        "error": call.response.get("error") or "invalid_blocks",
        "errors": [str(e) for e in errors] if isinstance(errors, list) else [str(errors)],
        "text": str(call.params.get("text") or ""),
    }

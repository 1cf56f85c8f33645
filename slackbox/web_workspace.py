"""auth, users, conversations, files and apps.connections.open methods."""

from __future__ import annotations

from .state import (
    APP_ID,
    BOT_ID,
    BOT_USER_ID,
    JSON,
    TEAM_ID,
    WORKSPACE_URL,
    Channel,
    Message,
    MessageVersion,
    UploadedFile,
    User,
)
from .web_chat import thread_parent
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


@method("auth.test")
async def auth_test(ctx: ApiContext, params: JSON) -> JSON:
    """Who the bot token belongs to (the `x-oauth-scopes` header is added by the server)."""
    return {
        "ok": True,
        "url": WORKSPACE_URL,
        "team": "Emulated Team",
        "user": ctx.workspace.users[BOT_USER_ID].name,
        "team_id": TEAM_ID,
        "user_id": BOT_USER_ID,
        "bot_id": BOT_ID,
        "app_id": APP_ID,
        "is_enterprise_install": False,
    }


def user_object(user: User) -> JSON:
    """A user as users.info returns it."""
    profile: JSON = {
        "real_name": user.real_name or user.name,
        "real_name_normalized": user.real_name or user.name,
        "display_name": user.name,
        "display_name_normalized": user.name,
        "team": TEAM_ID,
    }
    if user.email:
        profile["email"] = user.email
    if user.is_bot:
        profile["bot_id"] = BOT_ID
        profile["api_app_id"] = APP_ID
    return {
        "id": user.id,
        "team_id": TEAM_ID,
        "name": user.name,
        "deleted": user.deleted,
        "real_name": user.real_name or user.name,
        "tz": "Europe/London",
        "tz_label": "Greenwich Mean Time",
        "tz_offset": 0,
        "profile": profile,
        "is_admin": False,
        "is_owner": False,
        "is_primary_owner": False,
        "is_restricted": False,
        "is_ultra_restricted": False,
        "is_bot": user.is_bot,
        "is_app_user": False,
        "updated": 1700000000,
    }


@method("users.info")
async def users_info(ctx: ApiContext, params: JSON) -> JSON:
    """A user by ID."""
    user = ctx.workspace.users.get(optional_str(params, "user") or "")
    if user is None:
        raise ApiError("user_not_found")
    return {"ok": True, "user": user_object(user)}


@method("users.lookupByEmail")
async def users_lookup_by_email(ctx: ApiContext, params: JSON) -> JSON:
    """A user by profile email (case-insensitive, as Slack matches it)."""
    email = required(params, "email").lower()
    for user in ctx.workspace.users.values():
        if user.email and user.email.lower() == email and not user.deleted:
            return {"ok": True, "user": user_object(user)}
    raise ApiError("users_not_found")


@method("usergroups.users.list")
async def usergroups_users_list(ctx: ApiContext, params: JSON) -> JSON:
    """The member IDs of a user group (`no_such_subteam` for an unknown one, as Slack says)."""
    members = ctx.workspace.usergroups.get(required(params, "usergroup"))
    if members is None:
        raise ApiError("no_such_subteam")
    return {"ok": True, "users": list(members)}


def channel_object(channel: Channel) -> JSON:
    """A conversation as conversations.info returns it."""
    body: JSON = {
        "id": channel.id,
        "created": channel.created,
        "is_archived": False,
        "is_im": channel.is_im,
        "is_org_shared": False,
        "context_team_id": TEAM_ID,
        "updated": channel.created * 1000,
    }
    if channel.is_im:
        body.update({"user": channel.user, "is_user_deleted": False, "priority": 0})
        return body
    body.update(
        {
            "name": channel.name,
            "name_normalized": channel.name,
            "is_channel": not channel.is_private,
            "is_group": channel.is_private,
            "is_mpim": False,
            "is_private": channel.is_private,
            "is_general": channel.name == "general",
            "is_shared": False,
            "is_ext_shared": False,
            "is_member": channel.bot_is_member,
            "creator": BOT_USER_ID,
            "topic": {"value": "", "creator": "", "last_set": 0},
            "purpose": {"value": "", "creator": "", "last_set": 0},
            "num_members": len(channel.members),
        }
    )
    return body


@method("conversations.info")
async def conversations_info(ctx: ApiContext, params: JSON) -> JSON:
    """A conversation by ID."""
    channel = resolve_channel(ctx, optional_str(params, "channel"), write=False)
    return {"ok": True, "channel": channel_object(channel)}


@method("conversations.open")
async def conversations_open(ctx: ApiContext, params: JSON) -> JSON:
    """Open (or find) the IM with one user."""
    users = [u for u in (optional_str(params, "users") or "").split(",") if u]
    if not users:
        existing = optional_str(params, "channel")
        if existing is None:
            raise ApiError("users_list_not_supplied")
        channel = resolve_channel(ctx, existing, write=False)
        return {"ok": True, "channel": {"id": channel.id}}
    if len(users) > 1:
        raise ApiError("not_enough_users")  # group DMs are not emulated
    if users[0] not in ctx.workspace.users:
        raise ApiError("user_not_found")
    channel = ctx.workspace.im_with(users[0])
    return {
        "ok": True,
        "channel": channel_object(channel)
        if bool_param(params, "return_im")
        else {"id": channel.id},
    }


@method("apps.connections.open")
async def apps_connections_open(ctx: ApiContext, params: JSON) -> JSON:
    """A Socket Mode WebSocket URL (plain ws:// on 127.0.0.1)."""
    url = ctx.socket_url()
    if not url:
        raise ApiError("socket_mode_not_enabled")
    return {"ok": True, "url": url}


@method("files.getUploadURLExternal")
async def files_get_upload_url(ctx: ApiContext, params: JSON) -> JSON:
    """Reserve a file ID and an upload URL served by the emulator."""
    filename = required(params, "filename")
    try:
        length = int(required(params, "length"))
    except ValueError:
        raise ApiError("invalid_arguments") from None
    file_id = ctx.workspace.ids.make("F")
    ctx.workspace.files[file_id] = UploadedFile(
        id=file_id,
        filename=filename,
        length=length,
        alt_txt=optional_str(params, "alt_txt"),
        snippet_type=optional_str(params, "snippet_type"),
    )
    return {"ok": True, "upload_url": f"{ctx.base_url}upload/{file_id}", "file_id": file_id}


@method("files.completeUploadExternal")
async def files_complete_upload(ctx: ApiContext, params: JSON) -> JSON:
    """Finish uploads and share them into a channel or thread as one message."""
    entries = json_param(params, "files")
    if not isinstance(entries, list) or not entries:
        raise ApiError("invalid_arguments")
    channel_id = optional_str(params, "channel_id") or optional_str(params, "channels")
    channel = resolve_channel(ctx, channel_id) if channel_id else None
    thread_ts = (
        thread_parent(ctx, channel.id, optional_str(params, "thread_ts")) if channel else None
    )
    comment = optional_str(params, "initial_comment")
    done: list[UploadedFile] = []
    for entry in entries:
        file = ctx.workspace.files.get(str(entry.get("id")))
        if file is None:
            raise ApiError("file_not_found")
        if file.content is None:
            raise ApiError("file_upload_not_complete")
        done.append(file)
    shared = [
        UploadedFile(
            **{
                **f.__dict__,
                "title": entry.get("title") or f.filename,
                "channel": channel.id if channel else None,
                "thread_ts": thread_ts,
                "initial_comment": comment,
            }
        )
        for f, entry in zip(done, entries, strict=True)
    ]
    for file in shared:
        ctx.workspace.files[file.id] = file
    if channel is not None:
        ctx.workspace.messages.append(
            Message(
                channel=channel.id,
                ts=ctx.workspace.clock.next(),
                user=BOT_USER_ID,
                versions=[MessageVersion(comment or "", None, None, None)],
                thread_ts=thread_ts,
                files=[f.id for f in shared],
            )
        )
    return {"ok": True, "files": [{"id": f.id, "title": f.title} for f in shared]}

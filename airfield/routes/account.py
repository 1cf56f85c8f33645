"""auth/info, users/get, envs/list."""

from __future__ import annotations

from typing import Any

from ..auth import ENV_ADMIN_USER, TEAM_ID, TEAM_NAME
from ..envs import ENVIRONMENTS
from ..errors import not_found, quoted
from ..pipeline import Ctx, Endpoint


def _user(user_id: str, name: str, email: str) -> dict[str, Any]:
    return {"userID": user_id, "id": user_id, "name": name, "email": email, "avatarURL": ""}


ENV_ADMIN_NAME = "airfield admin"


async def _find_user(ctx: Ctx, user_id: str) -> tuple[str, str] | None:
    """A user's name and email: a stored user, or the AIRFIELD_API_KEY admin."""
    user = await ctx.services.store.accounts.user(user_id)
    if user is not None:
        return user.name, user.email
    return (ENV_ADMIN_NAME, "") if user_id == ENV_ADMIN_USER else None


async def auth_info(ctx: Ctx) -> dict[str, Any]:
    """Who the key or run token belongs to, and the team."""
    name, email = await _find_user(ctx, ctx.caller.user_id) or ("", "")
    return {
        "user": _user(ctx.caller.user_id, name, email),
        "team": {"id": TEAM_ID, "name": TEAM_NAME},
        "role": ctx.caller.role.value,
        "actingFor": ctx.caller.actor if ctx.caller.actor != ctx.caller.user_id else "",
        "runID": ctx.caller.run_id or "",
    }


async def get_user(ctx: Ctx) -> dict[str, Any]:
    """A user: a key's owner, or someone a key acted for (`slack:U0123`)."""
    user_id = ctx.required("userID", "id")
    found = await _find_user(ctx, user_id)
    if found is None:
        raise not_found(f"user {quoted(user_id)} not found")
    return {"user": _user(user_id, *found)}


async def list_envs(ctx: Ctx) -> dict[str, Any]:
    """The environments (airfield has one)."""
    return {"envs": [{"id": env.id, "slug": env.slug, "name": env.name} for env in ENVIRONMENTS]}


ENDPOINTS = (
    Endpoint("GET", "/v0/auth/info", auth_info),
    Endpoint("GET", "/v0/users/get", get_user),
    Endpoint("GET", "/v0/envs/list", list_envs),
)

"""auth/info, users/get, envs/list."""

from __future__ import annotations

from typing import Any

from ..auth import TEAM_ID, TEAM_NAME
from ..envs import ENVIRONMENTS
from ..errors import not_found
from ..pipeline import Ctx, Endpoint


def _user(user_id: str, name: str, email: str) -> dict[str, Any]:
    return {"userID": user_id, "id": user_id, "name": name, "email": email, "avatarURL": ""}


async def auth_info(ctx: Ctx) -> dict[str, Any]:
    """Who the key or run token belongs to, and the team."""
    user = await ctx.services.store.accounts.user(ctx.caller.user_id)
    name = user.name if user else ("airfield admin" if ctx.caller.scope == "key:env" else "")
    return {
        "user": _user(ctx.caller.user_id, name, user.email if user else ""),
        "team": {"id": TEAM_ID, "name": TEAM_NAME},
        "role": ctx.caller.role.value,
        "actingFor": ctx.caller.actor if ctx.caller.actor != ctx.caller.user_id else "",
        "runID": ctx.caller.run_id or "",
    }


async def get_user(ctx: Ctx) -> dict[str, Any]:
    """A user: a key's owner, or someone a key acted for (`slack:U0123`)."""
    user_id = ctx.required("userID", "id")
    user = await ctx.services.store.accounts.user(user_id)
    if user is None:
        raise not_found(f"user {user_id!r} not found")
    return {"user": _user(user.id, user.name, user.email)}


async def list_envs(ctx: Ctx) -> dict[str, Any]:
    """The environments (airfield has one)."""
    return {"envs": [{"id": env.id, "slug": env.slug, "name": env.name} for env in ENVIRONMENTS]}


ENDPOINTS = (
    Endpoint("GET", "/v0/auth/info", auth_info),
    Endpoint("GET", "/v0/users/get", get_user),
    Endpoint("GET", "/v0/envs/list", list_envs),
)

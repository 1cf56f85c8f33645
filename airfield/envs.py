"""Environments. airfield has one, `prod`, which is also the default."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from .auth import TEAM_ID
from .errors import ApiError, quoted


@dataclass(frozen=True)
class Environment:
    """An environment runs execute in."""

    id: str
    slug: str
    name: str
    team_id: str = TEAM_ID


DEFAULT_ENV = Environment(id="env00000000zprod", slug="prod", name="Production")
ENVIRONMENTS = (DEFAULT_ENV,)


def environment_by_id(env_id: str) -> Environment | None:
    """An environment by ID."""
    return next((env for env in ENVIRONMENTS if env.id == env_id), None)


def resolve_environment(headers: Mapping[str, str], query: Mapping[str, str]) -> Environment:
    """The environment a request names (`X-Airplane-Env-Slug`/`-ID`, or `envSlug`), else the
    default; 404 when it names one that does not exist."""
    slug = headers.get("x-airplane-env-slug", "").strip() or query.get("envSlug", "").strip()
    env_id = headers.get("x-airplane-env-id", "").strip() or query.get("envID", "").strip()
    if env_id:
        found = environment_by_id(env_id)
        if found is None or (slug and found.slug != slug):
            raise ApiError(404, f"environment {quoted(env_id)} not found", "env_not_found")
        return found
    if slug:
        found = next((env for env in ENVIRONMENTS if env.slug == slug), None)
        if found is None:
            known = ", ".join(env.slug for env in ENVIRONMENTS)
            raise ApiError(
                404, f"environment {quoted(slug)} not found (known: {known})", "env_not_found"
            )
        return found
    return DEFAULT_ENV

"""sleeps/create, sleeps/get, sleeps/list: what `airplane.sleep` records before it sleeps."""

from __future__ import annotations

from typing import Any

from ..auth import Right
from ..errors import bad_request, forbidden, not_found, quoted
from ..ids import new_id
from ..pipeline import Ctx, Endpoint
from ..timeutil import parse_query_time

# SQLite stores 64-bit integers; a larger duration would fail the insert.
MAX_DURATION_MS = 2**63 - 1


async def create(ctx: Ctx) -> dict[str, Any]:
    """Record a sleep of the calling run (airplanesdk then sleeps in the task's process)."""
    run_id = ctx.caller.run_id
    if run_id is None:
        raise forbidden("sleeps are created by runs, with their run token")
    duration = ctx.body.get("durationMs")
    if (
        isinstance(duration, bool)
        or not isinstance(duration, int)
        or not 0 <= duration <= MAX_DURATION_MS
    ):
        raise bad_request(
            f"durationMs must be a whole number of milliseconds from 0 to {MAX_DURATION_MS}",
            "invalid_param",
        )
    try:
        until = parse_query_time(str(ctx.body.get("until") or ""))
    except ValueError as exc:
        raise bad_request(f"until must be an RFC 3339 time: {exc}", "invalid_param") from None
    sleep_id = new_id("slp")
    await ctx.services.store.sleeps.create(sleep_id, run_id, duration, until)
    return {"id": sleep_id}


async def get(ctx: Ctx) -> dict[str, Any]:
    """A sleep, flat."""
    sleep_id = ctx.required("id")
    sleep = await ctx.services.store.sleeps.get(sleep_id)
    if sleep is None:
        raise not_found(f"sleep {quoted(sleep_id)} not found")
    return sleep.to_wire()


async def list_sleeps(ctx: Ctx) -> dict[str, Any]:
    """A run's sleeps, oldest first."""
    run_id = ctx.required("runID")
    return {"sleeps": [s.to_wire() for s in await ctx.services.store.sleeps.of_run(run_id)]}


ENDPOINTS = (
    Endpoint("POST", "/v0/sleeps/create", create, Right.DISPLAY),
    Endpoint("GET", "/v0/sleeps/get", get),
    Endpoint("GET", "/v0/sleeps/list", list_sleeps),
)

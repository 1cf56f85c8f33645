"""runbooks/execute, runbooks/get, runbooks/list, sessions/get, sessions/list, sessions/cancel."""

from __future__ import annotations

from typing import Any

from airplane_api.models import ExecuteRunbookRequest

from ..auth import Right
from ..errors import not_found, quoted
from ..pipeline import Ctx, Endpoint, parse_model
from ..store import SessionFilter
from ..views import runbook_wire, session_wire
from .runs import page_args, time_arg


async def execute(ctx: Ctx) -> dict[str, Any]:
    """Start a session of a runbook."""
    request = parse_model(ExecuteRunbookRequest, ctx.body)
    ref = request.slug or request.id or ""
    runbook = ctx.services.catalog.runbook_by_ref(ref)
    if runbook is None:
        raise not_found(f"runbook {quoted(ref)} not found")
    session = await ctx.services.sessions.execute(
        runbook, request.param_values, ctx.env, ctx.caller.actor
    )
    return {"sessionID": session.id}


async def get_runbook(ctx: Ctx) -> dict[str, Any]:
    """A runbook by `slug`/`runbookSlug` or `id`."""
    ref = ctx.required("slug", "runbookSlug", "id")
    runbook = ctx.services.catalog.runbook_by_ref(ref)
    if runbook is None:
        raise not_found(f"runbook {quoted(ref)} not found")
    return {"runbook": runbook_wire(runbook)}


async def list_runbooks(ctx: Ctx) -> dict[str, Any]:
    """Every runbook airfield knows."""
    runbooks = sorted(ctx.services.catalog.runbooks.values(), key=lambda r: r.slug)
    return {"runbooks": [runbook_wire(runbook) for runbook in runbooks]}


async def get_session(ctx: Ctx) -> dict[str, Any]:
    """A session, flat."""
    session_id = ctx.required("id", "sessionID")
    session = await ctx.services.store.sessions.get(session_id)
    if session is None:
        raise not_found(f"session {quoted(session_id)} not found")
    return session_wire(session)


async def list_sessions(ctx: Ctx) -> dict[str, Any]:
    """Sessions newest first; `page` counts pages of `limit`."""
    limit, offset = page_args(ctx)
    ref = ctx.arg("runbookID", "runbookSlug")
    runbook = ctx.services.catalog.runbook_by_ref(ref) if ref else None
    where = SessionFilter(
        runbook_id=runbook.id if runbook else ref or None,
        updated_after=time_arg(ctx, "updatedAfter"),
        updated_before=time_arg(ctx, "updatedBefore"),
    )
    sessions = await ctx.services.store.sessions.query(where, limit=limit, offset=offset)
    return {"sessions": [session_wire(session) for session in sessions]}


async def cancel_session(ctx: Ctx) -> dict[str, Any]:
    """Cancel a session: its active run or open prompt is cancelled; 409 once it has ended."""
    session = await ctx.services.sessions.cancel(ctx.required("id", "sessionID"), ctx.caller.actor)
    return {"id": session.id, "status": session.status}


ENDPOINTS = (
    Endpoint("POST", "/v0/runbooks/execute", execute, Right.EXECUTE),
    Endpoint("GET", "/v0/runbooks/get", get_runbook),
    Endpoint("GET", "/v0/runbooks/list", list_runbooks),
    Endpoint("GET", "/v0/sessions/get", get_session),
    Endpoint("GET", "/v0/sessions/list", list_sessions),
    Endpoint("POST", "/v0/sessions/cancel", cancel_session, Right.DECIDE),
)

"""runs/get, runs/list, runs/getLogs, runs/getOutputs, runs/cancel, displays/create|list."""

from __future__ import annotations

import re
import time
from typing import Any

from ..auth import Right
from ..errors import bad_request, forbidden, not_found, quoted
from ..ids import new_id
from ..pipeline import Ctx, Endpoint
from ..store import RunFilter, RunRecord
from ..timeutil import parse_query_time
from ..views import run_wire

_LOG_PAGE = 1000
HOLD_SECONDS = 5.0  # below airplanesdk's 10 s request timeout
_TOKEN_PREFIX = "lt_"
_TOKEN = re.compile(r"lt_([0-9]{1,19})")
_MAX_SEQUENCE = 2**63 - 1


async def find_run(ctx: Ctx, run_id: str) -> RunRecord:
    """A run by ID; 404 otherwise."""
    run = await ctx.services.store.runs.get(run_id)
    if run is None:
        raise not_found(f"run {quoted(run_id)} not found")
    return run


async def get(ctx: Ctx) -> dict[str, Any]:
    """A run, flat, as the SDKs and the docs read it."""
    run = await find_run(ctx, ctx.required("id", "runID"))
    waits_on_it = ctx.caller.run_id is not None and run.parent_id == ctx.caller.run_id
    if waits_on_it and not run.is_terminal:
        # A run waiting on its child (airplane.execute) is held until that one ends, up to
        # HOLD_SECONDS, so the SDK's polling with backoff sees the end at once. Any other
        # caller, another run included, gets the answer at once.
        deadline = time.monotonic() + HOLD_SECONDS
        while not run.is_terminal and (left := deadline - time.monotonic()) > 0:
            await ctx.services.notifier.wait(f"run:{run.id}", left)
            run = await find_run(ctx, run.id)
    return run_wire(run, await ctx.services.store.runs.child_ids(run.id))


def time_arg(ctx: Ctx, name: str) -> str | None:
    """An RFC 3339 query filter in stored form; 400 when it does not parse."""
    text = ctx.arg(name)
    if not text:
        return None
    try:
        return parse_query_time(text)
    except ValueError as exc:
        shown = text if len(text) <= 40 else text[:40] + "..."
        raise bad_request(
            f"{name} must be an RFC 3339 time such as 2022-01-11T22:32:45Z, got {shown!r}: {exc}"
        ) from None


def page_args(ctx: Ctx) -> tuple[int, int]:
    """`limit` (0-50, 0 and absent mean 50) and `page` (a page number from 0) as limit, offset."""
    limit = ctx.int_arg("limit", 50, 0, 50) or 50
    page = ctx.int_arg("page", 0, 0, 1_000_000)
    return limit, page * limit


async def list_runs(ctx: Ctx) -> dict[str, Any]:
    """Runs newest first, filtered by task, session and last update (`since`/`until`, both
    exclusive). `updatedAt` stamps are unique and follow commit order, so a follower that asks
    for `since=<greatest updatedAt seen>` misses nothing (docs/architecture.md)."""
    limit, offset = page_args(ctx)
    store = ctx.services.store
    where = RunFilter(
        task_id=ctx.arg("taskID") or None,
        task_slug=ctx.arg("taskSlug") or None,
        session_id=ctx.arg("sessionID") or None,
        since=time_arg(ctx, "since"),
        until=time_arg(ctx, "until"),
    )
    runs = await store.runs.query(where, limit=limit, offset=offset)
    children = await store.runs.child_ids_of([run.id for run in runs])
    return {"runs": [run_wire(run, children[run.id]) for run in runs]}


def _read_token(ctx: Ctx, name: str) -> int | None:
    """A log page token: `lt_` and a log line's sequence number, a SQLite integer (64-bit).

    ASCII digits only (str.isdigit also takes `²`, which int() refuses) and within 64 bits
    (SQLite refuses a larger parameter), so no token can turn into a 500."""
    text = ctx.arg(name)
    if not text:
        return None
    match = _TOKEN.fullmatch(text)
    if match is None or int(match[1]) > _MAX_SEQUENCE:
        raise bad_request(f"{name} is not a token this server gave out: {text[:60]!r}")
    return int(match[1])


async def get_logs(ctx: Ctx) -> dict[str, Any]:
    """A page of log lines, oldest first within the page.

    Without a token: the newest page. `prev_token` from a response fetches the lines written
    after that page (poll it to follow a run); `next_token` fetches the page before it ("" when
    the page starts at the first line).
    """
    run = await find_run(ctx, ctx.required("runID", "id"))
    limit = ctx.int_arg("limit", _LOG_PAGE, 1, _LOG_PAGE)
    after = _read_token(ctx, "prev_token")
    before = _read_token(ctx, "next_token")
    lines = await ctx.services.store.runs.logs(run.id, after=after, before=before, limit=limit)
    if lines:
        newest, oldest = lines[-1].seq, lines[0].seq
    else:
        newest = after if after is not None else await ctx.services.store.runs.last_log_seq(run.id)
        oldest = 1
    return {
        "runID": run.id,
        "logs": [
            {
                "insertID": f"{run.id}-{line.seq}",
                "timestamp": line.timestamp,
                "level": line.level,
                "text": line.text,
                "taskSlug": run.task_slug,
            }
            for line in lines
        ],
        "prev_token": f"{_TOKEN_PREFIX}{newest}",
        "next_token": f"{_TOKEN_PREFIX}{oldest}" if oldest > 1 else "",
    }


async def get_outputs(ctx: Ctx) -> dict[str, Any]:
    """The run's output (any JSON; null until the task sets one)."""
    run = await find_run(ctx, ctx.required("id", "runID"))
    return {"output": run.output}


async def cancel(ctx: Ctx) -> dict[str, Any]:
    """Cancel a run (and the runs it started); 409 once it has ended."""
    run_id = ctx.required("runID", "id")
    run = await ctx.services.runner.cancel(run_id, ctx.caller.actor)
    return {"runID": run.id, "status": run.status}


async def create_display(ctx: Ctx) -> dict[str, Any]:
    """A display (markdown, json, table, file) a run shows; kept with the run. A run token
    adds to its own run; a key must name an existing run in `runID`."""
    run_id = ctx.caller.run_id
    if run_id is None:
        named = ctx.arg("runID")
        if not named:
            raise forbidden("displays are created by runs, with their run token")
        run_id = (await find_run(ctx, named)).id
    display = ctx.body.get("display")
    if not isinstance(display, dict) or not display.get("kind"):
        raise bad_request("display must be an object with a kind")
    display_id = new_id("dsp")
    await ctx.services.store.runs.add_display(display_id, run_id, display)
    return {"id": display_id}


async def list_displays(ctx: Ctx) -> dict[str, Any]:
    """A run's displays, oldest first."""
    run = await find_run(ctx, ctx.required("runID", "id"))
    return {"displays": await ctx.services.store.runs.displays(run.id)}


ENDPOINTS = (
    Endpoint("GET", "/v0/runs/get", get),
    Endpoint("GET", "/v0/runs/list", list_runs),
    Endpoint("GET", "/v0/runs/getLogs", get_logs),
    Endpoint("GET", "/v0/runs/getOutputs", get_outputs),
    Endpoint("POST", "/v0/runs/cancel", cancel, Right.DECIDE),
    Endpoint("POST", "/v0/displays/create", create_display, Right.DISPLAY),
    Endpoint("GET", "/v0/displays/list", list_displays),
)

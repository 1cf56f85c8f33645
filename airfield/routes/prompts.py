"""prompts/create (run tokens only), prompts/get, prompts/list, prompts/submit, prompts/cancel."""

from __future__ import annotations

import time
from typing import Any

from airplane_api.models import CreatePromptRequest, ParameterSchema, SubmitPromptRequest
from airplane_api.params import ParamError, check_values

from ..auth import Right
from ..errors import bad_request, conflict, forbidden, not_found, quoted
from ..ids import new_id
from ..pipeline import Ctx, Endpoint, parse_model
from ..store import NewPrompt, PromptRecord
from ..views import parameter_wire, prompt_wire

# Below airplanesdk's 10 s request timeout.
HOLD_SECONDS = 5.0


async def find_prompt(ctx: Ctx, prompt_id: str) -> PromptRecord:
    """A prompt by ID; 404 otherwise."""
    prompt = await ctx.services.store.prompts.get(prompt_id)
    if prompt is None:
        raise not_found(f"prompt {quoted(prompt_id)} not found")
    return prompt


async def create(ctx: Ctx) -> dict[str, Any]:
    """A prompt the calling run waits on (airplanesdk's `airplane.prompt`)."""
    run_id = ctx.caller.run_id
    if run_id is None:
        raise forbidden("prompts are created by runs, with their run token")
    request = parse_model(CreatePromptRequest, ctx.body)
    run = await ctx.services.store.runs.get(run_id)
    if run is None or run.is_terminal:
        raise conflict(f"run {run_id} has ended; it cannot prompt")
    reviewers = (
        request.reviewers.model_dump(mode="json", by_alias=True)
        if request.reviewers
        else {
            "users": [],
            "groups": [],
            "allowSelfApprovals": True,
        }
    )
    prompt_id = new_id("pmt")
    await ctx.services.store.prompts.create(
        NewPrompt(
            id=prompt_id,
            run_id=run_id,
            session_id=run.session_id or "",
            schema={
                "parameters": [
                    parameter_wire(param, "parameters") for param in request.schema_.parameters
                ]
            },
            reviewers={key: reviewers[key] for key in ("users", "groups", "allowSelfApprovals")},
            confirm_text=request.confirm_text,
            cancel_text=request.cancel_text,
            description=request.description,
        )
    )
    return {"id": prompt_id}


async def get(ctx: Ctx) -> dict[str, Any]:
    """One prompt. A run asking about its own open prompt is held until it is answered (up to
    HOLD_SECONDS), so airplanesdk's polling with backoff notices an answer at once. Anyone
    else, another run included, gets the answer at once."""
    prompt = await find_prompt(ctx, ctx.required("id"))
    if prompt.is_open and ctx.caller.run_id is not None and ctx.caller.run_id == prompt.run_id:
        deadline = time.monotonic() + HOLD_SECONDS
        while prompt.is_open and (left := deadline - time.monotonic()) > 0:
            await ctx.services.notifier.wait(f"prompt:{prompt.id}", left)
            prompt = await find_prompt(ctx, prompt.id)
    return {"prompt": prompt_wire(prompt)}


async def list_prompts(ctx: Ctx) -> dict[str, Any]:
    """The prompts of a run (`runID`) or of a runbook session (`sessionID`), oldest first."""
    run_id = ctx.arg("runID")
    session_id = ctx.arg("sessionID")
    if not run_id and not session_id:
        raise bad_request("runID (or sessionID) is required", "missing_param")
    prompts = await ctx.services.store.prompts.query(run_id=run_id, session_id=session_id)
    return {"prompts": [prompt_wire(prompt) for prompt in prompts]}


def _closed_message(prompt: PromptRecord) -> str:
    if prompt.submitted_at is not None:
        return f"prompt {prompt.id} was already submitted by {prompt.submitted_by}"
    return f"prompt {prompt.id} was already cancelled by {prompt.cancelled_by}"


async def submit(ctx: Ctx) -> dict[str, Any]:
    """Answer a prompt: values are checked against its schema and defaults filled in."""
    request = parse_model(SubmitPromptRequest, ctx.body)
    prompt = await find_prompt(ctx, request.id)
    if not prompt.is_open:
        raise conflict(_closed_message(prompt))
    schema = ParameterSchema.model_validate(prompt.schema)
    try:
        values = check_values(schema.parameters, request.values)
    except ParamError as exc:
        raise bad_request(exc.message, "invalid_param", param=exc.slug) from None
    if not await ctx.services.store.prompts.submit(prompt.id, values, ctx.caller.actor):
        latest = await find_prompt(ctx, prompt.id)
        raise conflict(_closed_message(latest))
    ctx.services.notifier.notify(f"prompt:{prompt.id}")
    return {"id": prompt.id}


async def cancel(ctx: Ctx) -> dict[str, Any]:
    """Cancel a prompt; the run waiting on it sees the cancellation (airplanesdk raises)."""
    prompt = await find_prompt(ctx, ctx.required("id"))
    if not prompt.is_open or not await ctx.services.store.prompts.cancel(
        prompt.id, ctx.caller.actor
    ):
        latest = await find_prompt(ctx, prompt.id)
        raise conflict(_closed_message(latest))
    ctx.services.notifier.notify(f"prompt:{prompt.id}")
    return {"id": prompt.id}


ENDPOINTS = (
    Endpoint("POST", "/v0/prompts/create", create, Right.CREATE_PROMPT),
    Endpoint("GET", "/v0/prompts/get", get),
    Endpoint("GET", "/v0/prompts/list", list_prompts),
    Endpoint("POST", "/v0/prompts/submit", submit, Right.DECIDE),
    Endpoint("POST", "/v0/prompts/cancel", cancel, Right.DECIDE),
)

"""The Cancel button of a run's parent message (its confirmation dialog is Slack's own)."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp

from airplane_api import AirplaneError, NotFoundError

from ...ids import ActionId
from ...kinds import Kind
from ...launch import authorize, requester_email
from ...people import slack_label
from ...requests import idempotency_key
from ...services import Services
from ...store import AuditAction, AuditEntry
from ..tracked import tracked

__all__ = ["register"]

log = logging.getLogger("bot.actions.cancel")


def register(app: AsyncApp, services: Services) -> None:
    """Register the Cancel button's listener."""

    @app.action(ActionId.CANCEL_RUN)
    @tracked(services, "cancel_button")
    async def on_cancel(ack: AsyncAck, body: dict[str, Any]) -> None:
        await ack()
        user_id = str(body["user"]["id"])
        channel_id = str((body.get("channel") or {}).get("id") or "")
        run_id = str(body["actions"][0].get("value") or "")
        answer = await cancel_for(services, run_id, user_id, channel_id, body)
        await services.slack.chat_postEphemeral(channel=channel_id, user=user_id, text=answer)


async def cancel_for(
    services: Services, run_id: str, user_id: str, channel_id: str, body: dict[str, Any]
) -> str:
    """Cancel `run_id` for `user_id` if the policy lets them run its task; what to tell them."""
    try:
        run = await services.airplane.get_run(run_id)
        known = await services.store.runs.get(run_id)
        slug = known.slug if known else run.task_slug
        if not slug:
            slug = (await services.airplane.get_task(task_id=run.task_id)).slug
    except NotFoundError:
        return f"There is no run `{run_id}` any more."
    refused = await authorize(services, Kind.RUN, slug, user_id, channel_id)
    if refused is not None:
        return f":no_entry: You may not cancel runs of `{slug}` here: {refused.reason}"
    if run.status.is_terminal:
        return f"Run `{run_id}` already ended: {run.status.value}."
    # One click is one request: Slack's retries of the same click reuse the action's trigger.
    request_key = f"cancel:{run_id}:{body.get('trigger_id') or user_id}"
    try:
        await services.airplane.cancel_run(
            run_id,
            idempotency_key=idempotency_key(request_key),
            acting_for=slack_label(user_id),
            acting_for_email=await requester_email(services, user_id),
        )
    except AirplaneError as error:
        log.warning("cancel of %s failed: %s", run_id, error)
        return f":warning: Airplane did not cancel `{run_id}`: {error}. Try again in a moment."
    await services.store.audit.record(
        AuditEntry(AuditAction.CANCEL, user_id, slug, channel_id=channel_id, run_id=run_id)
    )
    return f":no_entry_sign: Asked Airplane to cancel run `{run_id}` of `{slug}`."

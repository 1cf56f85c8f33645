"""Approval buttons and the prompt modal: ack at once, then hand the click to `Approvals`.

What happens on Approve: `on_approve` -> `Deciding.decide` (`approvals/deciding.py`, the I/O in
order) following `approvals/decision.py` (the rules). See docs/architecture.md.
"""

from __future__ import annotations

import logging
from typing import Any

from pydantic import ValidationError
from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext

from ...approvals import (
    ApprovalAction,
    ApprovalCallback,
    Clicker,
    Intent,
    PromptModalMetadata,
    PromptRef,
    modal_errors,
)
from ...approvals.service import Outcome, OutcomeKind
from ...store import FormGone
from ...wiring.services import Services
from ..clicks import click_place
from ..tracked import tracked

log = logging.getLogger("bot.approvals")

__all__ = ["register"]


def register(app: AsyncApp, services: Services) -> None:
    """Register the approve/reject/respond buttons and the modal submission."""
    approvals = services.approvals
    deciding = approvals.deciding

    async def tell(body: dict[str, Any], user: str, outcome: Outcome) -> None:
        place = click_place(body)
        await approvals.tell(place.channel, user, outcome, thread_ts=place.thread_ts)

    def prompt_ref(body: dict[str, Any]) -> PromptRef | None:
        # A button this bot did not render (a forged or stale payload): one line, no trace.
        try:
            return PromptRef.model_validate_json(str(body["actions"][0].get("value") or ""))
        except ValidationError:
            log.warning("ignored %s: its value is not a prompt reference", body["actions"][0])
            return None

    async def on_button(body: dict[str, Any], context: AsyncBoltContext, intent: Intent) -> None:
        ref = prompt_ref(body)
        if ref is None:
            return
        user = str(context.user_id or "")
        channel = str(context.channel_id or "")
        state = (body.get("state") or {}).get("values") or {}
        outcome = await deciding.decide(
            ref.prompt_id, Clicker(user), intent, state, channel=channel or None
        )
        if outcome.kind == OutcomeKind.INVALID and outcome.checked is not None:
            ts = str((body.get("container") or {}).get("message_ts") or "")
            if channel and ts:
                await deciding.show_errors(ref.prompt_id, channel, ts, outcome.checked)
        await tell(body, user, outcome)

    @app.action(ApprovalAction.APPROVE)
    @tracked(services, "approval_button")
    async def on_approve(ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext) -> None:
        await ack()
        await on_button(body, context, Intent.APPROVE)

    @app.action(ApprovalAction.REJECT)
    @tracked(services, "approval_button")
    async def on_reject(ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext) -> None:
        await ack()
        await on_button(body, context, Intent.REJECT)

    @app.action(ApprovalAction.RESPOND)
    @tracked(services, "approval_respond")
    async def on_respond(ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext) -> None:
        await ack()
        ref = prompt_ref(body)
        if ref is None:
            return
        user = str(context.user_id or "")
        refusal = await deciding.may_respond(ref.prompt_id, user)
        if refusal is not None:
            await tell(body, user, refusal)
            return
        place = click_place(body)
        trouble = await deciding.open_modal(
            ref.prompt_id,
            str(body["trigger_id"]),
            channel=place.channel,
            message_ts=str((body.get("container") or {}).get("message_ts") or ""),
            thread_ts=place.thread_ts or "",
        )
        if trouble is not None:
            await tell(body, user, trouble)

    @app.action(ApprovalAction.VALUE)
    async def on_value(ack: AsyncAck) -> None:
        # Inputs don't dispatch actions, but a select in a message may; nothing to do.
        await ack()

    @app.view(ApprovalCallback.MODAL)
    @tracked(services, "approval_modal")
    async def on_modal(
        ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], context: AsyncBoltContext
    ) -> None:
        try:
            metadata = PromptModalMetadata.model_validate_json(view.get("private_metadata") or "")
        except ValidationError:
            log.warning("closed a prompt modal whose private_metadata is unreadable")
            await ack()
            return
        state = (view.get("state") or {}).get("values") or {}
        try:
            checked = await deciding.check_modal(metadata.prompt_id, state)
        except FormGone:
            log.warning("closed the modal of prompt %s, opened by no bot", metadata.prompt_id)
            await ack()
            return
        if not checked.ok:
            await ack(response_action="errors", errors=modal_errors(checked))
            return
        await ack()
        user = str(context.user_id or "")
        outcome = await deciding.decide(
            metadata.prompt_id,
            Clicker(user),
            Intent.APPROVE,
            state,
            channel=metadata.channel or None,
        )
        await approvals.tell(metadata.channel, user, outcome, thread_ts=metadata.thread_ts or None)

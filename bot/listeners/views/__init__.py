"""The run modal's submission (a task's or a runbook's): inline errors, or the run."""

from __future__ import annotations

import logging
from typing import Any

from pydantic import ValidationError
from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext

from airplane_api.models import Runbook, Task

from ...blocks.ids import BlockId, CallbackId, param_block_id
from ...blocks.modal import ModalMetadata, read_modal_state, read_modal_values
from ...blocks.user_errors import FORM_GONE, PICK_A_TASK, not_allowed
from ...core.kinds import Kind
from ...runs.launch import Launched, LaunchRequest, launch
from ...slack.reads import reads_of
from ...slack.requests import view_request_key
from ...store import FormGone
from ...wiring.services import Services
from ..tracked import tracked

__all__ = ["register"]

log = logging.getLogger("bot.views")


def register(app: AsyncApp, services: Services) -> None:
    """Register the view submission listener."""

    @app.view(CallbackId.RUN_MODAL)
    @tracked(services, "run_modal")
    async def on_run_submitted(
        ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], context: AsyncBoltContext
    ) -> None:
        try:
            metadata = ModalMetadata.load(view.get("private_metadata"))
        except ValidationError:
            # Not a modal this bot opened (forged or from an older version): one line, no trace.
            log.warning("closed a run modal whose private_metadata is unreadable")
            await ack()
            return
        state = (view.get("state") or {}).get("values") or {}
        env, picked = read_modal_state(state)
        slug = metadata.slug or picked
        if not slug:
            await ack(response_action="errors", errors={BlockId.TASK_PICKER: PICK_A_TASK})
            return
        # Checked against what the form was opened with (bot/store/forms.py): no Airplane
        # call before the ack, which Slack wants within 3 s.
        target: Task | Runbook
        try:
            if metadata.kind is Kind.SESSION:
                target = await services.store.forms.runbook(metadata.form_id)
            else:
                target = await services.store.forms.task(metadata.form_id)
        except FormGone:
            await ack(response_action="errors", errors={_first_block(view): FORM_GONE})
            return
        checked = read_modal_values(target.parameters, state)
        if checked.errors:
            await ack(
                response_action="errors",
                errors={param_block_id(s): e.sentence for s, e in checked.errors.items()},
            )
            return
        await ack()
        user_id = str(context.user_id or "")
        channel_id = metadata.channel_id or await _direct_channel(services, user_id)
        outcome = await launch(
            services,
            LaunchRequest(
                kind=metadata.kind,
                slug=target.slug,
                name=target.name,
                requester_id=user_id,
                channel_id=channel_id,
                request_key=view_request_key(body, metadata.form_id),
                values=checked.values,
                env=env or metadata.env,
            ),
        )
        if isinstance(outcome, Launched):
            return  # the tracker posts the parent (or DMs the requester if it cannot)
        await _tell(services, user_id, channel_id, not_allowed(outcome.reason, outcome.who_may))


async def _direct_channel(services: Services, user_id: str) -> str:
    """The bot's DM with the user: where runs started from the shortcut are announced."""
    return await reads_of(services.slack).dm_channel(user_id)  # cached


async def _tell(services: Services, user_id: str, channel_id: str, text: str) -> None:
    """An ephemeral note to the user in the channel the run was for."""
    await services.slack.chat_postEphemeral(channel=channel_id, user=user_id, text=text)


def _first_block(view: dict[str, Any]) -> str:
    """The block an error about the whole form is shown under (Slack needs one)."""
    blocks = [b for b in view.get("blocks") or [] if b.get("type") == "input"]
    return str(blocks[0]["block_id"]) if blocks else BlockId.TASK_PICKER

"""The Cancel button of a run's parent message (its confirmation dialog is Slack's own)."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext

from airplane_api import AirplaneError

from ...blocks.ids import ActionId
from ...blocks.user_errors import run_gone, user_message
from ...runs.cancel import cancel_run
from ...wiring.services import Services
from ..clicks import click_place
from ..tracked import tracked

__all__ = ["register"]

log = logging.getLogger("bot.actions.cancel")


def register(app: AsyncApp, services: Services) -> None:
    """Register the Cancel button's listener."""

    @app.action(ActionId.CANCEL_RUN)
    @tracked(services, "cancel_button")
    async def on_cancel(ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext) -> None:
        await ack()
        user_id = str(context.user_id or "")
        channel_id = str(context.channel_id or "")
        run_id = str(body["actions"][0].get("value") or "")
        # One click is one request: Slack's retries of the same click reuse the action's trigger.
        request_key = f"cancel:{run_id}:{body.get('trigger_id') or user_id}"
        try:
            answer = await cancel_run(services, run_id, user_id, channel_id, request_key)
            if answer.asked:
                # The parent shows "Cancelled by …" and its thread ends with it: the button's
                # clicker needs no third notice of what they just did.
                return
            text = answer.text if answer.found else run_gone(run_id)
        except AirplaneError as error:
            log.warning("cancel of %s failed: %s", run_id, error)
            text = user_message(error)
        await services.slack.chat_postEphemeral(
            channel=channel_id, user=user_id, text=text, thread_ts=click_place(body).thread_ts
        )

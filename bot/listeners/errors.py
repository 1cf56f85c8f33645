"""The one `@app.error` handler: a listener that raised shows its user one sentence.

The sentence is `user_errors.user_message(error)`. The log gets one line: a user error (the
user can fix it, the sentence says how) without a trace, anything else with its trace, once
(Bolt logs nothing more once an error handler is set).
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.respond.async_respond import AsyncRespond

from ..blocks.user_errors import user_message
from ..core.errors import UserError
from ..wiring.services import Services
from .clicks import click_place

__all__ = ["register"]

log = logging.getLogger("bot.errors")


def register(app: AsyncApp, services: Services) -> None:
    """Register the error handler."""

    @app.error
    async def on_error(
        error: Exception, body: dict[str, Any], respond: AsyncRespond | None
    ) -> None:
        message = user_message(error)
        if isinstance(error, UserError):
            log.info("listener refused: %s: %s", type(error).__name__, error)
        else:
            log.warning("listener failed: %s: %s", type(error).__name__, error, exc_info=error)
        user = body.get("user_id") or (body.get("user") or {}).get("id")
        channel = body.get("channel_id") or (body.get("channel") or {}).get("id")
        thread_ts = click_place(body).thread_ts  # a click in a thread is answered there
        has_response_url = bool(body.get("response_url") or body.get("response_urls"))
        try:
            if respond is not None and has_response_url:
                await respond(
                    text=message,
                    response_type="ephemeral",
                    replace_original=False,
                    thread_ts=thread_ts,
                )
            elif user and channel and thread_ts:
                await services.slack.chat_postEphemeral(
                    channel=channel, user=user, text=message, thread_ts=thread_ts
                )
            elif user and channel:
                await services.slack.chat_postEphemeral(channel=channel, user=user, text=message)
            elif user:
                # A modal submission has no channel: the bot's DM with the user.
                await services.slack.chat_postMessage(channel=user, text=message)
        except Exception:
            log.warning("could not tell the user about the error", exc_info=True)

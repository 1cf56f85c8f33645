"""The slash command (`BOT_COMMAND`, default `/airplane`)."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond

from ...blocks.help import help_message
from ...services import Services

__all__ = ["register"]


def register(app: AsyncApp, services: Services) -> None:
    """Register the slash command listener."""
    command_name = services.settings.bot_command

    @app.command(command_name)
    async def on_command(ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond) -> None:
        await ack()
        await respond(**help_message(command_name), response_type="ephemeral")

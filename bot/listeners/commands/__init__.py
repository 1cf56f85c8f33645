"""The slash command (`BOT_COMMAND`, default `/airplane`): ack first, then the work."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext, AsyncRespond

from ...blocks.help import help_message
from ...core import metrics
from ...wiring.services import Services
from ..tracked import tracked
from . import handlers, reading, tracking
from .parsing import (
    CancelCommand,
    Command,
    HelpCommand,
    LogsCommand,
    RunbookCommand,
    RunCommand,
    RunsCommand,
    StatusCommand,
    SubscribeCommand,
    TasksCommand,
    UnsubscribeCommand,
    UsageError,
    WatchCommand,
    parse_command,
)

__all__ = ["register"]

log = logging.getLogger("bot.commands")


def register(app: AsyncApp, services: Services) -> None:
    """Register the slash command listener."""
    name = services.settings.bot_command

    @app.command(name)
    @tracked(services)
    async def on_command(
        ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond, context: AsyncBoltContext
    ) -> None:
        user_id, channel_id = str(context.user_id or ""), str(context.channel_id or "")
        text = str(body.get("text") or "")
        try:
            command = parse_command(text)
        except UsageError as exc:
            # Nothing to ask Airplane: the usage goes out with the ack itself.
            await ack(response_type="ephemeral", **help_message(name, str(exc), exc.subcommand))
            metrics.command_handled("invalid", "usage_error")
            log.info("command refused as unparsable from %s: %s", user_id, exc)
            return
        await ack()
        subcommand = type(command).__name__.removesuffix("Command").lower()
        log.info("command %s from %s in %s", subcommand, user_id, channel_id)
        command_context = handlers.CommandContext(
            services, body, respond, name, user_id=user_id, channel_id=channel_id
        )
        try:
            await _handle(command_context, command)
        except UsageError as exc:
            # Parsed, but names nothing that exists (or values Airplane refused): the same
            # answer as a parse error, after the ack since finding out needed Airplane.
            metrics.command_handled(subcommand, "usage_error")
            log.info("command %s refused: %s", subcommand, exc)
            await command_context.usage(str(exc), exc.subcommand)
            return
        except Exception:
            metrics.command_handled(subcommand, "error")
            raise
        metrics.command_handled(subcommand, "ok")


async def _handle(context: handlers.CommandContext, command: Command) -> None:
    """Do what a parsed command asks."""
    name = context.command_name
    match command:
        case HelpCommand():
            await context.respond(response_type="ephemeral", **help_message(name))
        case RunCommand():
            await handlers.run_task(context, command)
        case TasksCommand():
            await handlers.tasks(context, command)
        case RunbookCommand():
            await handlers.run_runbook(context, command)
        case StatusCommand():
            await reading.status(context, command)
        case LogsCommand():
            await reading.logs(context, command)
        case CancelCommand():
            await handlers.cancel(context, command)
        case RunsCommand():
            await reading.runs(context, command)
        case WatchCommand():
            await tracking.watch(context, command)
        case SubscribeCommand():
            await tracking.subscribe(context, command)
        case UnsubscribeCommand():
            await tracking.unsubscribe(context, command)

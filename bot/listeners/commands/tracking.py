"""`watch`, `subscribe` and `unsubscribe`: hand runs and tasks to the tracker."""

from __future__ import annotations

from airplane_api import NotFoundError

from ...kinds import Kind
from ...launch import authorize
from ...parsing import SubscribeCommand, UnsubscribeCommand, WatchCommand
from ...tracking.model import Tracked
from ...tracking.ports import Subscription
from .handlers import CommandContext

__all__ = ["subscribe", "unsubscribe", "watch"]

NO_TRACKER = "Run tracking is not running in this bot."


async def watch(context: CommandContext, command: WatchCommand) -> None:
    """Follow a run or session (by ID) in this channel, if the user may run what it runs."""
    services, target = context.services, command.target_id
    if services.tracker is None:
        await context.say(text=NO_TRACKER)
        return
    kind, label = Kind.RUN, ""
    try:
        if target.startswith(("ses", "sess")):
            session = await services.airplane.get_session(target)
            kind, label = Kind.SESSION, session.name or session.runbook_id
            slug = label
        else:
            run = await services.airplane.get_run(target)
            slug = run.task_slug or (await services.airplane.get_task(task_id=run.task_id)).slug
            label = slug
    except NotFoundError:
        await context.usage(f"there is no run or session `{target}`", "watch")
        return
    if kind is Kind.RUN:
        refused = await authorize(services, kind, slug, context.user_id, context.channel_id)
        if refused is not None:
            await context.say(text=f":no_entry: You may not follow `{slug}` here: {refused.reason}")
            return
    tracked = Tracked(
        kind=kind, id=target, channel=context.channel_id, label=label, requested_by=context.user_id
    )
    if await services.tracker.watch(tracked):
        await context.say(text=f":eyes: Following `{target}` ({label}) in this channel.")
    else:
        await context.say(text=f"`{target}` is already followed in this channel.")


async def subscribe(context: CommandContext, command: SubscribeCommand) -> None:
    """Every run of a task, wherever started, gets a parent and thread in this channel."""
    services = context.services
    if services.tracker is None:
        await context.say(text=NO_TRACKER)
        return
    try:
        task = await services.airplane.get_task(command.slug)
    except NotFoundError:
        await context.usage(f"there is no task `{command.slug}`", "subscribe")
        return
    refused = await authorize(services, Kind.RUN, command.slug, context.user_id, context.channel_id)
    if refused is not None:
        await context.say(
            text=f":no_entry: You may not follow `{command.slug}` here: {refused.reason}"
        )
        return
    subscription = Subscription(context.channel_id, command.slug, task.id, context.user_id)
    if await services.tracker.subscribe(subscription):
        await context.say(text=f":bell: Every new run of `{command.slug}` will be shown here.")
    else:
        await context.say(text=f"This channel already follows `{command.slug}`.")


async def unsubscribe(context: CommandContext, command: UnsubscribeCommand) -> None:
    """Stop showing new runs of a task here (runs already shown keep their threads)."""
    services = context.services
    if services.tracker is None:
        await context.say(text=NO_TRACKER)
        return
    if await services.tracker.unsubscribe(context.channel_id, command.slug):
        await context.say(
            text=f":no_bell: New runs of `{command.slug}` will no longer be shown here."
        )
    else:
        await context.say(text=f"This channel does not follow `{command.slug}`.")

"""`watch`, `subscribe` and `unsubscribe`: hand runs and tasks to the tracker."""

from __future__ import annotations

from airplane_api import NotFoundError

from ...blocks import following as say
from ...blocks.user_errors import NO_TRACKER, may_not, no_such_run, no_such_task
from ...core.kinds import Kind
from ...runs.launch import authorize
from ...tracking.model import Tracked
from ...tracking.ports import Subscription
from .handlers import CommandContext
from .parsing import SubscribeCommand, UnsubscribeCommand, WatchCommand

__all__ = ["subscribe", "unsubscribe", "watch"]


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
            slug, status = label, session.status.value
        else:
            run = await services.airplane.get_run(target)
            slug = run.task_slug or (await services.airplane.get_task(task_id=run.task_id)).slug
            label, status = slug, run.status.value
    except NotFoundError:
        raise no_such_run(target, "watch", or_session=True) from None
    if kind is Kind.RUN:
        refused = await authorize(services, kind, slug, context.user_id, context.channel_id)
        if refused is not None:
            await context.say(text=may_not("follow", slug, refused.reason, refused.who_may))
            return
    tracked = Tracked(
        kind=kind, id=target, channel=context.channel_id, label=label, requested_by=context.user_id
    )
    # The parent is posted at once, from the status just read, as for a run started here.
    if await services.tracker.watch(tracked, initial_status=status):
        await context.say(text=say.following(target, label))
    else:
        await context.say(text=say.already_followed(target))


async def subscribe(context: CommandContext, command: SubscribeCommand) -> None:
    """Every run of a task, wherever started, gets a parent and thread in this channel."""
    services = context.services
    if services.tracker is None:
        await context.say(text=NO_TRACKER)
        return
    try:
        task = await services.airplane.get_task(command.slug)
    except NotFoundError:
        raise no_such_task(command.slug, (), context.command_name, "subscribe") from None
    refused = await authorize(services, Kind.RUN, command.slug, context.user_id, context.channel_id)
    if refused is not None:
        await context.say(text=may_not("follow", command.slug, refused.reason, refused.who_may))
        return
    subscription = Subscription(context.channel_id, command.slug, task.id, context.user_id)
    if await services.tracker.subscribe(subscription):
        await context.say(text=say.subscribed(command.slug))
    else:
        await context.say(text=say.already_subscribed(command.slug))


async def unsubscribe(context: CommandContext, command: UnsubscribeCommand) -> None:
    """Stop showing new runs of a task here (runs already shown keep their threads)."""
    services = context.services
    if services.tracker is None:
        await context.say(text=NO_TRACKER)
        return
    if await services.tracker.unsubscribe(context.channel_id, command.slug):
        await context.say(text=say.unsubscribed(command.slug))
    else:
        await context.say(text=say.not_subscribed(command.slug))

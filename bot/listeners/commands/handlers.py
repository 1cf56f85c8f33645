"""What the starting subcommands do after the ack (`tasks`, `run`, `runbook`, `cancel`), and
the `CommandContext` every handler gets; the reading ones are in `reading.py`. Each answers the
user ephemerally via `respond`."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from slack_bolt.async_app import AsyncRespond

from airplane_api import AirplaneError, InvalidRequestError, NotFoundError
from airplane_api.models import Runbook, Task
from airplane_api.params import read_texts

from ...blocks.help import help_message
from ...blocks.modal import ModalMetadata, run_modal
from ...blocks.tasks import matches, tasks_message
from ...blocks.user_errors import (
    form_not_opened,
    no_runbook_form,
    no_such,
    no_such_env,
    no_such_run,
    no_such_runbook,
    not_allowed,
    runbook_refused,
)
from ...core.errors import SlackRefused, UsageError
from ...core.kinds import Kind
from ...runs.cancel import cancel_run
from ...runs.launch import Launched, LaunchRequest, authorize, launch
from ...slack.clip import clip_message
from ...slack.errors import slack_call
from ...slack.requests import command_request_key
from ...wiring.services import Services
from .parsing import (
    CancelCommand,
    RunbookCommand,
    RunCommand,
    TasksCommand,
    close_matches,
)

__all__ = ["CommandContext", "cancel", "run_runbook", "run_task", "tasks"]

log = logging.getLogger("bot.commands")


@dataclass(frozen=True)
class CommandContext:
    """One slash command being handled."""

    services: Services
    body: dict[str, Any]
    respond: AsyncRespond
    command_name: str
    # Who typed the command, and where (Bolt's context has them).
    user_id: str = ""
    channel_id: str = ""

    async def say(self, **message: Any) -> None:
        """An ephemeral answer to the user."""
        clipped = clip_message(message)  # a response_url does not pass the clipping client
        await self.respond(response_type="ephemeral", replace_original=False, **clipped)

    async def usage(self, problem: str, subcommand: str | None = None) -> None:
        """What was wrong, and one line of what to do."""
        await self.say(**help_message(self.command_name, problem, subcommand))


async def no_such_task(context: CommandContext, slug: str, subcommand: str) -> UsageError:
    """There is no task `slug`: the usage error, with the closest slugs there are."""
    try:
        known = [
            task.slug for task in await context.services.catalog.tasks(context.services.airplane)
        ]
    except Exception:  # the suggestion is a nicety; the error stands without it
        known = []
    return no_such("task", slug, close_matches(slug, known), context.command_name, subcommand)


async def _unknown_env(
    context: CommandContext, request: LaunchRequest, error: NotFoundError, subcommand: str
) -> UsageError | None:
    """The usage error when Airplane's 404 is about the `--env` given (with the closest
    environments there are), else None: the 404 is about something else."""
    if not request.env:
        return None
    try:
        known = [env.slug for env in await context.services.airplane.list_envs()]
    except AirplaneError:  # no envs/list here: only the error's code can tell
        known = None
    if known is None and error.code != "env_not_found":
        return None
    if known is not None and request.env in known:
        return None
    return no_such_env(request.env, close_matches(request.env, known or []), subcommand)


async def _task(context: CommandContext, slug: str) -> Task:
    try:
        return await context.services.catalog.task(context.services.airplane, slug)
    except NotFoundError:
        raise await no_such_task(context, slug, "run") from None


async def tasks(context: CommandContext, command: TasksCommand) -> None:
    """`tasks [filter]`: the tasks and runbooks the user may run here, with descriptions."""
    services = context.services
    found = sorted(await services.catalog.tasks(services.airplane), key=lambda t: t.slug)
    runbooks, unlisted = await _listed_runbooks(services)
    allowed_tasks = [
        task
        for task in found
        if matches(command.filter, task) and await _may_start(context, Kind.RUN, task.slug)
    ]
    allowed_runbooks = [
        runbook
        for runbook in runbooks
        if matches(command.filter, runbook)
        and await _may_start(context, Kind.SESSION, runbook.slug)
    ]
    message = tasks_message(
        context.command_name,
        allowed_tasks,
        command.filter,
        runbooks=allowed_runbooks,
        runbooks_unlisted=unlisted,
    )
    await context.say(**message)


async def _listed_runbooks(services: Services) -> tuple[list[Runbook], str]:
    """Every runbook, sorted, and no note; or none, and why they could not be listed.
    runbooks/list is not in the documented v0 contract, so a server may not have it: the
    tasks show all the same."""
    try:
        runbooks = await services.catalog.runbooks(services.airplane)
    except NotFoundError:
        return [], "this Airplane API does not list them"
    except AirplaneError as error:
        log.warning("runbooks/list failed: %s", error)
        return [], "Airplane did not answer; try again in a minute"
    return sorted(runbooks, key=lambda r: r.slug), ""


async def _may_start(context: CommandContext, kind: Kind, slug: str) -> bool:
    """Whether the policy lets the user start `slug` here (a list only: nothing is audited)."""
    refused = await authorize(
        context.services, kind, slug, context.user_id, context.channel_id, audit=False
    )
    return refused is None


async def _announce(context: CommandContext, outcome: Launched | Any) -> None:
    """Tell the requester what they need to know that the parent message does not say."""
    if isinstance(outcome, Launched):
        # The parent message says it all; a channel the bot cannot post in is the tracker's
        # to report (by DM, once).
        return
    await context.say(text=not_allowed(outcome.reason, outcome.who_may))


async def run_task(context: CommandContext, command: RunCommand) -> None:
    """`run <task> ...`: start it, or open the form when values are missing."""
    task = await _task(context, command.slug)
    await _start_or_ask(context, Kind.RUN, task, command)


async def _start_or_ask(
    context: CommandContext,
    kind: Kind,
    target: Task | Runbook,
    command: RunCommand | RunbookCommand,
) -> None:
    """Check the typed values against `target`'s parameters, then start it at once, or open the
    form when something required is missing or the user asked for it (`--form`)."""
    services = context.services
    subcommand = "runbook" if kind is Kind.SESSION else "run"
    checked = read_texts(target.parameters, command.args)
    # A value typed wrong is a usage error; one not typed at all is asked for in the form.
    typed_wrong = [error for slug, error in checked.errors.items() if slug in command.args]
    if typed_wrong:
        problems = "; ".join(f"`{error.slug}`: {error.reason}" for error in typed_wrong)
        await context.usage(f"bad values for `{target.slug}`: {problems}", subcommand)
        return
    refused = await authorize(services, kind, target.slug, context.user_id, context.channel_id)
    if refused is not None:
        await _announce(context, refused)
        return
    if command.form or checked.errors:
        await _open_form(context, kind, target, command, checked.values)
        return
    request = LaunchRequest(
        kind=kind,
        slug=target.slug,
        name=target.name,
        requester_id=context.user_id,
        channel_id=context.channel_id,
        request_key=command_request_key(context.body),
        values=checked.values,
        env=command.env,
    )
    if kind is Kind.SESSION:
        await _launch_runbook(context, request)
        return
    try:
        launched = await launch(services, request)
    except NotFoundError as error:
        raise await _unknown_env(context, request, error, "run") or error from None
    await _announce(context, launched)


async def _open_form(
    context: CommandContext,
    kind: Kind,
    target: Task | Runbook,
    command: RunCommand | RunbookCommand,
    values: dict[str, Any],
) -> None:
    """The form for `target`, prefilled with what was typed; its submission starts it
    (bot/listeners/views), checked against what is kept here under the form's ID."""
    services = context.services
    metadata = ModalMetadata(
        kind=kind,
        slug=target.slug,
        channel_id=context.channel_id,
        env=command.env,
    )
    view = run_modal(metadata, target.parameters, title=target.name, values=values)
    if isinstance(target, Runbook):
        await services.store.forms.keep_runbook(metadata.form_id, target)
    else:
        await services.store.forms.keep_task(metadata.form_id, target)
    trigger_id = str(context.body["trigger_id"])
    try:
        await slack_call(services.slack.views_open(trigger_id=trigger_id, view=view))
    except SlackRefused as slack_said:
        if slack_said.code not in ("expired_trigger_id", "invalid_trigger_id"):
            raise
        verb = "runbook" if kind is Kind.SESSION else "run"
        await context.say(text=form_not_opened(context.command_name, target.slug, verb))


async def _runbook(context: CommandContext, slug: str) -> Runbook | None:
    """The runbook and its parameters; None when this API cannot describe runbooks (no
    runbooks/get nor runbooks/list: they are not in the documented v0 contract). When the API
    lists runbooks and this is not one, the usage error, with the closest slugs there are."""
    services = context.services
    try:
        return await services.catalog.runbook(services.airplane, slug)
    except NotFoundError:
        pass  # no such runbook, or no runbooks/get at all: the listing tells which
    try:
        listed = await services.catalog.runbooks(services.airplane)
    except NotFoundError:
        return None
    for runbook in listed:
        if slug in (runbook.slug, runbook.id):
            return runbook
    guesses = close_matches(slug, [runbook.slug for runbook in listed])
    raise no_such("runbook", slug, guesses, context.command_name, "runbook")


async def run_runbook(context: CommandContext, command: RunbookCommand) -> None:
    """`runbook <slug> ...`: like `run`, the form asks for missing values. On an API that cannot
    describe runbooks, the values go as typed and Airplane checks them."""
    runbook = await _runbook(context, command.slug)
    if runbook is not None:
        await _start_or_ask(context, Kind.SESSION, runbook, command)
        return
    if command.form:
        raise no_runbook_form(context.command_name, command.slug)
    request = LaunchRequest(
        kind=Kind.SESSION,
        slug=command.slug,
        requester_id=context.user_id,
        channel_id=context.channel_id,
        request_key=command_request_key(context.body),
        values=dict(command.args),
        env=command.env,
    )
    await _launch_runbook(context, request)


async def _launch_runbook(context: CommandContext, request: LaunchRequest) -> None:
    """Start a session; Airplane's refusal (unknown runbook, bad values) as one usage line."""
    try:
        outcome = await launch(context.services, request)
    except NotFoundError as error:
        unknown_env = await _unknown_env(context, request, error, "runbook")
        raise unknown_env or no_such_runbook(request.slug) from None
    except InvalidRequestError as error:
        raise runbook_refused(request.slug, error) from None
    await _announce(context, outcome)


async def cancel(context: CommandContext, command: CancelCommand) -> None:
    """`cancel <run>`: ask Airplane to cancel, if the user may run that task."""
    answer = await cancel_run(
        context.services,
        command.run_id,
        context.user_id,
        context.channel_id,
        command_request_key(context.body),
    )
    if not answer.found:
        raise no_such_run(command.run_id, "cancel")
    await context.say(text=answer.text)

"""What each subcommand does after the ack. Each answers the user ephemerally via `respond`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from slack_bolt.async_app import AsyncRespond

from airplane_api import InvalidRequestError, NotFoundError
from airplane_api.models import Run, Session, Task
from airplane_api.params import read_texts

from ...blocks.help import help_message
from ...blocks.modal import ModalMetadata, run_modal
from ...blocks.runs import (
    RunSummary,
    logs_message,
    run_link,
    run_message,
    runs_list_message,
)
from ...blocks.tasks import tasks_message
from ...cancel import cancel_run, task_slug
from ...errors import SlackRefused, UsageError
from ...kinds import Kind
from ...launch import Launched, LaunchRequest, authorize, launch
from ...parsing import (
    CancelCommand,
    LogsCommand,
    RunbookCommand,
    RunCommand,
    RunsCommand,
    StatusCommand,
    TasksCommand,
    close_matches,
)
from ...people import person, slack_user
from ...requests import command_request_key
from ...services import Services
from ...slack_clip import clip_message
from ...slack_errors import slack_call
from ...tracking.render import elapsed_text
from ...user_errors import (
    form_not_opened,
    no_such_run,
    no_such_runbook,
    no_such_task,
    not_allowed,
    runbook_refused,
)

__all__ = [
    "CommandContext", "cancel", "logs", "run_runbook", "run_task", "runs", "status", "tasks"
]  # fmt: skip

LOG_LINES = 40


@dataclass(frozen=True)
class CommandContext:
    """One slash command being handled."""

    services: Services
    body: dict[str, Any]
    respond: AsyncRespond
    command_name: str

    @property
    def user_id(self) -> str:
        """Who typed the command."""
        return str(self.body.get("user_id") or "")

    @property
    def channel_id(self) -> str:
        """Where it was typed."""
        return str(self.body.get("channel_id") or "")

    async def say(self, **message: Any) -> None:
        """An ephemeral answer to the user."""
        clipped = clip_message(message)  # a response_url does not pass the clipping client
        await self.respond(response_type="ephemeral", replace_original=False, **clipped)

    async def usage(self, problem: str, subcommand: str | None = None) -> None:
        """What was wrong, and one line of what to do."""
        await self.say(**help_message(self.command_name, problem, subcommand))


async def _no_such_task(context: CommandContext, slug: str, subcommand: str) -> UsageError:
    """There is no task `slug`: the usage error, with the closest slugs there are."""
    try:
        known = [
            task.slug for task in await context.services.catalog.tasks(context.services.airplane)
        ]
    except Exception:  # the suggestion is a nicety; the error stands without it
        known = []
    return no_such_task(slug, close_matches(slug, known), context.command_name, subcommand)


async def _task(context: CommandContext, slug: str) -> Task:
    try:
        return await context.services.catalog.task(context.services.airplane, slug)
    except NotFoundError:
        raise await _no_such_task(context, slug, "run") from None


async def tasks(context: CommandContext, command: TasksCommand) -> None:
    """`tasks [filter]`: the tasks the user may run here, with their descriptions."""
    services = context.services
    found = await services.catalog.tasks(services.airplane)
    needle = command.filter.lower()
    allowed = []
    for task in sorted(found, key=lambda t: t.slug):
        text = f"{task.slug} {task.name} {task.description}".lower()
        if needle and needle not in text:
            continue
        refused = await authorize(
            services, Kind.RUN, task.slug, context.user_id, context.channel_id, audit=False
        )
        if refused is None:
            allowed.append(task)
    await context.say(**tasks_message(context.command_name, allowed, command.filter))


async def _announce(context: CommandContext, outcome: Launched | Any) -> None:
    """Tell the requester what they need to know that the parent message does not say."""
    if isinstance(outcome, Launched):
        # The parent message says it all; a channel the bot cannot post in is the tracker's
        # to report (by DM, once).
        return
    await context.say(text=not_allowed(outcome.reason))


async def run_task(context: CommandContext, command: RunCommand) -> None:
    """`run <task> ...`: start it, or open the modal when values are missing."""
    services = context.services
    task = await _task(context, command.slug)
    checked = read_texts(task.parameters, command.args)
    # A value typed wrong is a usage error; one not typed at all is asked for in the form.
    typed_wrong = [error for slug, error in checked.errors.items() if slug in command.args]
    if typed_wrong:
        problems = "; ".join(f"`{error.slug}`: {error.reason}" for error in typed_wrong)
        await context.usage(f"bad values for `{task.slug}`: {problems}", "run")
        return
    refused = await authorize(services, Kind.RUN, task.slug, context.user_id, context.channel_id)
    if refused is not None:
        await _announce(context, refused)
        return
    # A task with nothing required missing starts at once; the form is for what is missing,
    # or for whoever asks for it.
    if command.form or checked.errors:
        metadata = ModalMetadata(
            kind=Kind.RUN, slug=task.slug, channel_id=context.channel_id, env=command.env
        )
        view = run_modal(metadata, task.parameters, title=task.name, values=checked.values)
        await services.store.forms.keep_task(metadata.form_id, task)
        trigger_id = str(context.body["trigger_id"])
        try:
            await slack_call(services.slack.views_open(trigger_id=trigger_id, view=view))
        except SlackRefused as slack_said:
            if slack_said.code not in ("expired_trigger_id", "invalid_trigger_id"):
                raise
            await context.say(text=form_not_opened(context.command_name, task.slug))
        return
    request = LaunchRequest(
        kind=Kind.RUN,
        slug=task.slug,
        name=task.name,
        requester_id=context.user_id,
        channel_id=context.channel_id,
        request_key=command_request_key(context.body),
        values=checked.values,
        env=command.env,
    )
    await _announce(context, await launch(services, request))


async def run_runbook(context: CommandContext, command: RunbookCommand) -> None:
    """`runbook <slug> ...`: start a session with the values as typed."""
    request = LaunchRequest(
        kind=Kind.SESSION,
        slug=command.slug,
        requester_id=context.user_id,
        channel_id=context.channel_id,
        request_key=command_request_key(context.body),
        values=dict(command.args),
        env=command.env,
    )
    try:
        outcome = await launch(context.services, request)
    except NotFoundError:
        raise no_such_runbook(command.slug) from None
    except InvalidRequestError as error:
        raise runbook_refused(command.slug, error) from None
    await _announce(context, outcome)


async def status(context: CommandContext, command: StatusCommand) -> None:
    """`status <id>`: a run's or a runbook session's status."""
    services = context.services
    app_url = services.settings.airplane_app_url
    known = await services.store.runs.get(command.id)
    try:
        if command.id.startswith("ses"):
            session = await services.airplane.get_session(command.id)
            summary = RunSummary(
                run_id=session.id,
                slug=known.slug if known else session.name or session.runbook_id,
                status=session.status.value,
                params=session.param_values,
                link=run_link(app_url, session.id, Kind.SESSION),
                kind=Kind.SESSION,
                **_times(session),
                **await _who_started(
                    services, known.requester_id if known else None, session.created_by
                ),
            )
        else:
            run = await services.airplane.get_run(command.id)
            summary = RunSummary(
                run_id=run.id,
                slug=known.slug if known else await task_slug(services, run.task_id),
                status=run.status.value,
                env=known.env_slug if known else None,
                params=run.param_values,
                link=run_link(app_url, run.id),
                cancelled_by=await _person(services, run.cancelled_by),
                **_times(run),
                **await _who_started(
                    services, known.requester_id if known else None, run.created_by
                ),
            )
    except NotFoundError:
        raise no_such_run(command.id, "status", or_session=True) from None
    await context.say(**run_message(summary, cancellable=False))


def _times(run: Run | Session) -> dict[str, Any]:
    """Start and duration (or elapsed time) of a run or session, for its summary."""
    start = getattr(run, "active_at", None) or run.created_at
    if start is None:
        return {}
    ended = (
        run.ended_at
        if isinstance(run, Run)
        else (run.updated_at if run.status.is_terminal else None)
    )
    seconds = ((ended or datetime.now(UTC)) - start).total_seconds()
    key = "duration" if ended else "elapsed"
    return {"started_at": start.timestamp(), key: elapsed_text(seconds)}


async def _who_started(
    services: Services, known_requester: str | None, created_by: str
) -> dict[str, Any]:
    """Who started it: a Slack user, else the Airplane user's name (`users/get`)."""
    user = known_requester or slack_user(created_by)
    if user:
        return {"requester_id": user}
    names = await services.people.names([created_by]) if created_by else {}
    return {"started_in_airplane_by": names.get(created_by, created_by)}


async def logs(context: CommandContext, command: LogsCommand) -> None:
    """`logs <run>`: the last lines of a run's logs."""
    try:
        page = await context.services.airplane.get_run_logs(command.run_id)
    except NotFoundError:
        raise no_such_run(command.run_id, "logs") from None
    lines = [item.text for item in page.logs]
    # A page shorter than what we show is the whole log, whatever token comes with it.
    more = len(lines) > LOG_LINES or (bool(page.prev_token) and len(lines) >= LOG_LINES)
    await context.say(**logs_message(command.run_id, lines[-LOG_LINES:], more=more))


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


async def runs(context: CommandContext, command: RunsCommand) -> None:
    """`runs [task]`: the newest runs, of one task or all."""
    services = context.services
    if command.slug:
        try:
            await services.catalog.task(services.airplane, command.slug)
        except NotFoundError:
            raise await _no_such_task(context, command.slug, "runs") from None
    try:
        found = await services.airplane.list_runs(task_slug=command.slug, limit=10)
    except NotFoundError:
        raise await _no_such_task(context, command.slug or "", "runs") from None
    summaries = []
    for run in found:
        known = await services.store.runs.get(run.id)
        summaries.append(
            RunSummary(
                run_id=run.id,
                slug=known.slug if known else command.slug or run.task_slug or run.task_id,
                status=run.status.value,
                link=run_link(services.settings.airplane_app_url, run.id),
                cancelled_by=await _person(services, run.cancelled_by),
                **_times(run),
                **await _who_started(
                    services, known.requester_id if known else None, run.created_by
                ),
            )
        )
    title = f"Recent runs of {command.slug}" if command.slug else "Recent runs"
    empty = f"_`{command.slug}` has not run yet_" if command.slug else "_no runs yet_"
    await context.say(**runs_list_message(title, summaries, empty=empty))


async def _person(services: Services, label: str) -> str:
    if not label:
        return ""
    return person(label, await services.people.names([label]))

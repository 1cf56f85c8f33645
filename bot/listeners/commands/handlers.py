"""What each subcommand does after the ack. Each answers the user ephemerally via `respond`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from slack_bolt.async_app import AsyncRespond
from slack_sdk.errors import SlackApiError

from airplane_api import NotFoundError
from airplane_api.models import Task
from airplane_api.params import read_texts

from ...blocks.help import help_message
from ...blocks.modal import ModalMetadata, run_modal
from ...blocks.runs import RunSummary, logs_message, run_link, run_message, runs_list_message
from ...launch import Launched, LaunchRequest, authorize, launch, requester_email
from ...parsing import (
    CancelCommand,
    LogsCommand,
    RunbookCommand,
    RunCommand,
    RunsCommand,
    StatusCommand,
)
from ...requests import command_request_key, idempotency_key
from ...services import Services
from ...slack_clip import clip_message
from ...store import AuditAction, AuditEntry, RunKind

__all__ = ["CommandContext", "cancel", "logs", "run_runbook", "run_task", "runs", "status"]

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

    async def usage(self, problem: str) -> None:
        """What was wrong, and the usage."""
        await self.say(**help_message(self.command_name, problem))


async def _task_or_usage(context: CommandContext, slug: str) -> Task | None:
    try:
        return await context.services.catalog.task(context.services.airplane, slug)
    except NotFoundError:
        await context.usage(f"there is no task `{slug}`")
        return None


async def _announce(context: CommandContext, outcome: Launched | Any) -> None:
    """Tell the requester what they need to know that the parent message does not say."""
    if isinstance(outcome, Launched):
        # The parent message says it all; a channel the bot cannot post in is the tracker's
        # to report (by DM, once).
        return
    await context.say(text=f":no_entry: Not allowed: {outcome.reason}.")


async def run_task(context: CommandContext, command: RunCommand) -> None:
    """`run <task> ...`: start it, or open the modal when values are missing."""
    services = context.services
    task = await _task_or_usage(context, command.slug)
    if task is None:
        return
    checked = read_texts(task.parameters, command.args)
    # A value typed wrong is a usage error; one not typed at all is asked for in the form.
    typed_wrong = [error for slug, error in checked.errors.items() if slug in command.args]
    if typed_wrong:
        problems = "; ".join(str(error) for error in typed_wrong)
        await context.usage(f"bad values for `{task.slug}`: {problems}")
        return
    refused = await authorize(
        services, RunKind.TASK, task.slug, context.user_id, context.channel_id
    )
    if refused is not None:
        await _announce(context, refused)
        return
    if not command.args or checked.errors:
        metadata = ModalMetadata(
            kind="task", slug=task.slug, channel_id=context.channel_id, env=command.env
        )
        view = run_modal(metadata, task.parameters, title=task.name, values=checked.values)
        await services.store.forms.keep_task(metadata.form_id, task)
        try:
            await services.slack.views_open(trigger_id=str(context.body["trigger_id"]), view=view)
        except SlackApiError as exc:
            if exc.response.get("error") not in ("expired_trigger_id", "invalid_trigger_id"):
                raise
            await context.say(
                text=":hourglass: Airplane answered too slowly to open the form. Try again, or "
                f"give every value: `{context.command_name} run {task.slug} key=value ...`"
            )
        return
    request = LaunchRequest(
        kind=RunKind.TASK,
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
        kind=RunKind.RUNBOOK,
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
        await context.usage(f"there is no runbook `{command.slug}`")
        return
    await _announce(context, outcome)


async def _task_slug(services: Services, task_id: str) -> str:
    if not task_id:
        return "?"
    try:
        return (await services.airplane.get_task(task_id=task_id)).slug
    except NotFoundError:
        return task_id


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
                requester_id=known.requester_id if known else None,
                params=session.param_values,
                link=run_link(app_url, session.id, session=True),
                is_runbook=True,
            )
        else:
            run = await services.airplane.get_run(command.id)
            summary = RunSummary(
                run_id=run.id,
                slug=known.slug if known else await _task_slug(services, run.task_id),
                status=run.status.value,
                requester_id=known.requester_id if known else None,
                env=known.env_slug if known else None,
                params=run.param_values,
                link=run_link(app_url, run.id),
            )
    except NotFoundError:
        await context.usage(f"there is no run or session `{command.id}`")
        return
    await context.say(**run_message(summary, cancellable=False))


async def logs(context: CommandContext, command: LogsCommand) -> None:
    """`logs <run>`: the last lines of a run's logs."""
    try:
        page = await context.services.airplane.get_run_logs(command.run_id)
    except NotFoundError:
        await context.usage(f"there is no run `{command.run_id}`")
        return
    lines = [item.text for item in page.logs]
    more = len(lines) > LOG_LINES or bool(page.prev_token)
    await context.say(**logs_message(command.run_id, lines[-LOG_LINES:], more=more))


async def cancel(context: CommandContext, command: CancelCommand) -> None:
    """`cancel <run>`: ask Airplane to cancel, if the user may run that task."""
    services = context.services
    try:
        run = await services.airplane.get_run(command.run_id)
    except NotFoundError:
        await context.usage(f"there is no run `{command.run_id}`")
        return
    known = await services.store.runs.get(run.id)
    slug = known.slug if known else await _task_slug(services, run.task_id)
    refused = await authorize(services, RunKind.TASK, slug, context.user_id, context.channel_id)
    if refused is not None:
        await _announce(context, refused)
        return
    if run.status.is_terminal:
        await context.say(text=f"Run `{run.id}` already ended: {run.status.value}.")
        return
    await services.airplane.cancel_run(
        run.id,
        idempotency_key=idempotency_key(command_request_key(context.body)),
        acting_for=f"slack:{context.user_id}",
        acting_for_email=await requester_email(services, context.user_id),
    )
    await services.store.audit.record(
        AuditEntry(
            AuditAction.CANCEL, context.user_id, slug, channel_id=context.channel_id, run_id=run.id
        )
    )
    await context.say(text=f":no_entry_sign: Asked Airplane to cancel run `{run.id}` of `{slug}`.")


async def runs(context: CommandContext, command: RunsCommand) -> None:
    """`runs [task]`: the newest runs, of one task or all."""
    services = context.services
    try:
        found = await services.airplane.list_runs(task_slug=command.slug, limit=10)
    except NotFoundError:
        await context.usage(f"there is no task `{command.slug}`")
        return
    summaries = []
    for run in found:
        known = await services.store.runs.get(run.id)
        summaries.append(
            RunSummary(
                run_id=run.id,
                slug=known.slug if known else command.slug or run.task_id,
                status=run.status.value,
                requester_id=known.requester_id if known else None,
                link=run_link(services.settings.airplane_app_url, run.id),
            )
        )
    title = f"Recent runs of {command.slug}" if command.slug else "Recent runs"
    await context.say(**runs_list_message(title, summaries))

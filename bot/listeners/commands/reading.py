"""What the reading subcommands do after the ack: `status`, `logs` and `runs`, each answered
ephemerally via `respond` (the starting ones are in `handlers.py`)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from airplane_api import AirplaneError, NotFoundError
from airplane_api.models import PromptState, Run, RunStatus, Session

from ...blocks.runs import (
    RunSummary,
    logs_message,
    run_link,
    run_message,
    runs_list_message,
)
from ...blocks.user_errors import (
    no_such_run,
)
from ...core.kinds import Kind
from ...people.labels import person, slack_user
from ...runs.cancel import task_slug
from ...slack.mrkdwn import escape
from ...store import AuditAction
from ...tracking.observe import prompt_fact
from ...tracking.render import decisions, duration_text
from ...wiring.services import Services
from .handlers import CommandContext, no_such_task
from .parsing import (
    LogsCommand,
    RunsCommand,
    StatusCommand,
)

__all__ = ["logs", "runs", "status"]

# The log lines `logs` shows: the last ones.
LOG_LINES = 40

log = logging.getLogger("bot.commands")


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
                rejected_by=(await _rejected_by(services, [session])).get(session.id, ""),
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
                **await _decided(services, run),
                **_times(run),
                **await _who_started(
                    services, known.requester_id if known else None, run.created_by
                ),
            )
    except NotFoundError:
        raise no_such_run(command.id, "status", or_session=True) from None
    await context.say(**run_message(summary, cancellable=False))


def _times(run: Run | Session) -> dict[str, Any]:
    """Start and, once ended, duration of a run or session, for its summary (a running one
    shows how long ago it started as a Slack date, which stays true without edits)."""
    start = getattr(run, "active_at", None) or run.created_at
    if start is None:
        return {}
    ended = (
        run.ended_at
        if isinstance(run, Run)
        else (run.updated_at if run.status.is_terminal else None)
    )
    if ended is None:
        return {"started_at": start.timestamp()}
    took = duration_text((ended - start).total_seconds())
    return {"started_at": start.timestamp(), "duration": took}


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


async def runs(context: CommandContext, command: RunsCommand) -> None:
    """`runs [task]`: the newest runs, of one task or all."""
    services = context.services
    if command.slug:
        try:
            await services.catalog.task(services.airplane, command.slug)
        except NotFoundError:
            raise await no_such_task(context, command.slug, "runs") from None
    try:
        found = await services.airplane.list_runs(task_slug=command.slug, limit=10)
    except NotFoundError:
        raise await no_such_task(context, command.slug or "", "runs") from None
    rejected = await _rejected_by(services, found)
    summaries: list[RunSummary] = []
    steps: dict[str, list[RunSummary]] = {}  # session ID -> its step runs, newest first
    for run in found:
        known = await services.store.runs.get(run.id)
        summary = RunSummary(
            run_id=run.id,
            slug=known.slug if known else command.slug or run.task_slug or run.task_id,
            status=run.status.value,
            link=run_link(services.settings.airplane_app_url, run.id),
            cancelled_by=await _person(services, run.cancelled_by),
            rejected_by=rejected.get(run.id, ""),
            **_times(run),
            **await _who_started(services, known.requester_id if known else None, run.created_by),
        )
        if run.session_id:
            if run.session_id not in steps:
                steps[run.session_id] = []
                # The session's line stands where its newest step would have.
                summaries.append(RunSummary(run_id=run.session_id, slug="", status=""))
            steps[run.session_id].append(summary)
        else:
            summaries.append(summary)
    summaries = [
        await _session_summary(services, s.run_id, steps[s.run_id]) if s.run_id in steps else s
        for s in summaries
    ]
    slug = escape(command.slug or "")
    title = f"Recent runs of {slug}" if slug else "Recent runs"
    empty = f"_`{slug}` has not run yet_" if slug else "_no runs yet_"
    await context.say(**runs_list_message(title, summaries, empty=empty))


async def _session_summary(
    services: Services, session_id: str, steps: Sequence[RunSummary]
) -> RunSummary:
    """A runbook session as `runs` lists it: its own line (who started the runbook, its status),
    its step runs under it, oldest first. A step is never listed as a run of its own."""
    ordered = tuple(reversed(steps))
    known = await services.store.runs.get(session_id)
    try:
        session = await services.airplane.get_session(session_id)
    except AirplaneError as error:  # the steps still show, under the session's ID
        log.debug("sessions/get for %s failed: %s", session_id, error)
        first = ordered[0]
        return RunSummary(
            run_id=session_id,
            slug=known.slug if known else "runbook",
            status=steps[0].status,
            kind=Kind.SESSION,
            requester_id=first.requester_id,
            started_in_airplane_by=first.started_in_airplane_by,
            steps=ordered,
        )
    return RunSummary(
        run_id=session.id,
        slug=known.slug if known else session.name or session.runbook_id,
        status=session.status.value,
        link=run_link(services.settings.airplane_app_url, session.id, Kind.SESSION),
        kind=Kind.SESSION,
        rejected_by=(await _rejected_by(services, [session])).get(session.id, ""),
        steps=ordered,
        **_times(session),
        **await _who_started(services, known.requester_id if known else None, session.created_by),
    )


async def _rejected_by(services: Services, runs: Sequence[Run | Session]) -> dict[str, str]:
    """Who rejected a prompt of each run (or session), as a mention.

    A rejection decided through this bot is in its audit log (one store query for the whole
    list). A run that failed with no such entry may have been rejected in Airplane itself: its
    prompts (`prompts/list`, documented) say so, one call per such run; sessions fail for a
    rejected step's run, which is listed on its own."""
    actors = await services.store.audit.last_actors(AuditAction.REJECT, [r.id for r in runs])
    labels = dict(actors)
    for run in runs:
        if run.id in labels or not isinstance(run, Run) or run.status is not RunStatus.FAILED:
            continue
        try:
            prompts = await services.airplane.list_prompts(run.id)
        except AirplaneError as error:  # a nicety: the run reads Failed without it
            log.debug("prompts/list for %s failed: %s", run.id, error)
            continue
        rejected = [p for p in prompts if p.state is PromptState.CANCELLED and p.cancelled_by]
        if rejected:
            labels[run.id] = rejected[-1].cancelled_by
    names = await services.people.names([label for label in labels.values() if label])
    return {run_id: person(label, names) for run_id, label in labels.items()}


async def _decided(services: Services, run: Run) -> dict[str, Any]:
    """Who approved (with what) or rejected the run's prompts, read as the parent reads them
    (`tracking.render.decisions`); without its prompts, who rejected it through this bot."""
    try:
        prompts = await services.airplane.list_prompts(run.id)
    except AirplaneError as error:  # a nicety: the run still reads by its status
        log.debug("prompts/list for %s failed: %s", run.id, error)
        return {"rejected_by": (await _rejected_by(services, [run])).get(run.id, "")}
    facts = [prompt_fact(p) for p in prompts]
    labels = {label for f in facts for label in (f.decided_by,) if label}
    names = await services.people.names(sorted(labels)) if labels else {}
    decided = decisions(facts, names, status=run.status.value, cancelled_by=run.cancelled_by)
    return {
        "approved_by": decided.approved_by,
        "approved_values": decided.approved_values,
        "rejected_by": decided.rejected_by,
        "rejected_as": decided.rejected_as,
    }


async def _person(services: Services, label: str) -> str:
    if not label:
        return ""
    return person(label, await services.people.names([label]))

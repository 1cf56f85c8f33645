"""Cancelling a run for a Slack user: one path for the parent's Cancel button and `cancel <run>`.

get the run (gone? say so) -> its task's slug -> policy: may this user run that task here?
-> ended already? say so -> `runs/cancel` acting for the user, once per request -> audit

Who may run a task may cancel its runs. A session cannot be cancelled through the v0 API, so
only runs come here. Airplane's errors other than a missing run reach the caller as raised.
"""

from __future__ import annotations

from dataclasses import dataclass

from airplane_api import NotFoundError

from ..blocks.user_errors import already_ended, may_not, no_such_run
from ..core.kinds import Kind
from ..people.labels import slack_email, slack_label
from ..slack.mrkdwn import escape
from ..slack.requests import idempotency_key
from ..store import AuditAction, AuditEntry
from ..wiring.services import Services
from .launch import authorize

__all__ = ["CancelAnswer", "cancel_run", "task_slug"]


@dataclass(frozen=True)
class CancelAnswer:
    """What to tell the person who asked; `found` is False when there is no such run, and
    `asked` True when Airplane was asked to cancel it (the parent and its thread show that)."""

    text: str
    found: bool = True
    asked: bool = False


async def cancel_run(
    services: Services, run_id: str, user_id: str, channel_id: str, request_key: str
) -> CancelAnswer:
    """Cancel `run_id` for `user_id` if the policy lets them run its task in `channel_id`.

    `request_key` is the request's identity: Slack's redeliveries of one click or command
    reuse it, so Airplane sees one cancel however often it is asked."""
    try:
        run = await services.airplane.get_run(run_id)
    except NotFoundError:
        return CancelAnswer(escape(str(no_such_run(run_id, "cancel"))), found=False)
    known = await services.store.runs.get(run.id)
    slug = known.slug if known else run.task_slug or await task_slug(services, run.task_id)
    refused = await authorize(services, Kind.RUN, slug, user_id, channel_id)
    if refused is not None:
        return CancelAnswer(may_not("cancel runs of", slug, refused.reason, refused.who_may))
    if run.status.is_terminal:
        return CancelAnswer(already_ended(run.id, run.status.value))
    await services.airplane.cancel_run(
        run.id,
        idempotency_key=idempotency_key(request_key),
        acting_for=slack_label(user_id),
        acting_for_email=await slack_email(services.slack, user_id),
    )
    await services.store.audit.record(
        AuditEntry(AuditAction.CANCEL, user_id, slug, channel_id=channel_id, run_id=run.id)
    )
    asked = f"run `{escape(run.id)}` of `{escape(slug)}`"
    return CancelAnswer(f":no_entry_sign: Asked Airplane to cancel {asked}.", asked=True)


async def task_slug(services: Services, task_id: str) -> str:
    """A run's task slug when the run names only the task's ID (its ID if the task is gone)."""
    if not task_id:
        return "?"
    try:
        return (await services.airplane.get_task(task_id=task_id)).slug
    except NotFoundError:
        return task_id

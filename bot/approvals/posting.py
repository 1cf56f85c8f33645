"""`Posting`: a pending prompt shown once in its run's thread and by DM to each reviewer, and
every copy rewritten when it is decided, closed or needs its errors shown.

Copies are reserved in the store before they are posted (`approval_copies`), so a prompt the
tracker reports again every cycle costs no Slack call once all its copies are out, and a copy
whose post a crash cut short is posted on the next sighting. Posting and rewriting one prompt
hold its lock (`locks.py`), so a late copy never shows buttons after the decision went out.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Mapping, Sequence

from cachetools import LRUCache

from airplane_api.models import Prompt, PromptState

from ..core import metrics
from ..store.approvals import ApprovalRecord
from .groups import ReviewerGroups
from .locks import PromptLocks
from .ports import ApprovalRecords, ApprovalSlack, Clock, ReviewerDirectory, TrackedRun
from .render import ApprovalMessage, PromptContext, pending_message
from .reviewers import reviewer_emails, reviewer_slack_users
from .validate import CheckedValues

__all__ = ["Posting"]

log = logging.getLogger(__name__)

# Prompt contexts kept in memory at most (see `Posting._about`).
MAX_CONTEXTS = 1000


class Posting:
    """Shows prompts in Slack and keeps every copy of each in step."""

    def __init__(
        self,
        *,
        records: ApprovalRecords,
        slack: ApprovalSlack,
        directory: ReviewerDirectory,
        groups: ReviewerGroups,
        clock: Clock,
    ) -> None:
        self._records = records
        self._slack = slack
        self._directory = directory
        self._groups = groups
        self._clock = clock
        self.locks = PromptLocks()
        # issue 16: what each waiting prompt is about (who asked, task, parameters, thread
        # link), learnt from the tracker, for its re-renders. Dropped when the prompt is
        # decided or closed here; the least recently used go past `MAX_CONTEXTS` (a prompt
        # another replica decided is never closed here). A render without one still names the
        # requester.
        self._about: LRUCache[str, PromptContext] = LRUCache(maxsize=MAX_CONTEXTS)

    def waiting(self) -> int:
        """Prompts whose context is held in memory (for tests: it must not grow for ever)."""
        return len(self._about)

    async def on_prompts(
        self, tracked: TrackedRun, thread_ts: str, prompts: Sequence[Prompt]
    ) -> None:
        """Show each pending prompt once in the run's thread and by DM to its reviewers
        (tracking's `PromptSink`)."""
        for prompt in prompts:
            if prompt.state is not PromptState.PENDING:
                continue
            if prompt.id not in self._about:
                self._about[prompt.id] = PromptContext(
                    requester=tracked.requested_by,
                    task=tracked.label,
                    task_name=tracked.name,
                    params=tracked.params,
                    thread_url=await self._slack.permalink(tracked.channel, thread_ts),
                )
            await self.show(
                prompt,
                run_id=prompt.run_id or tracked.id,
                channel=tracked.channel,
                thread_ts=thread_ts,
                requester=tracked.requested_by or None,
                run_url=tracked.link,
            )

    async def show(
        self,
        prompt: Prompt,
        *,
        channel: str,
        thread_ts: str,
        run_id: str = "",
        requester: str | None = None,
        run_url: str = "",
    ) -> None:
        """Post a pending prompt where it belongs, unless it was posted already.

        `run_id` is the tracked run or session (a runbook session's prompt may name no run:
        the session's ID stands in).
        """
        async with self.locks.hold(prompt.id):
            record = ApprovalRecord(
                prompt_id=prompt.id,
                run_id=run_id or prompt.run_id,
                channel_id=channel,
                thread_ts=thread_ts,
                requester_id=requester,
                run_url=run_url,
                description=prompt.description,
                created_at=self._clock(),
            )
            fresh = await self._records.remember(record)
            copies = await self._records.copies(prompt.id)
            if not fresh and copies and all(copy.ts is not None for copy in copies):
                return  # seen before and fully posted: a repeat costs no Slack call
            record = await self._records.get(prompt.id) or record
            message = pending_message(prompt, await self.context_of(record, prompt))
            await self._records.reserve_copy(prompt.id, channel, None)
            for user_id in sorted(await self._reviewer_users(prompt)):
                dm = await self._slack.open_dm(user_id)
                if dm is not None:
                    await self._records.reserve_copy(prompt.id, dm, user_id)
            for copy in await self._records.copies(prompt.id):
                if copy.ts is not None:
                    continue  # posted; the others are new, or a crash cut their post short
                thread = record.thread_ts if copy.dm_user_id is None else None
                ts = await self._slack.post(copy.channel_id, message, thread)
                if ts is None:
                    continue
                await self._records.set_copy_ts(prompt.id, copy.channel_id, ts)
                if thread is not None and prompt.created_at is not None:
                    # The tracker's promise: a prompt reaches its thread within seconds.
                    lag = self._clock() - prompt.created_at
                    metrics.prompt_shown(max(0.0, lag.total_seconds()))

    async def context_of(self, record: ApprovalRecord, prompt: Prompt) -> PromptContext:
        """The rendering context of a prompt: what it is about, its reviewers' Slack users."""
        about = self._about.get(prompt.id) or PromptContext(requester=record.requester_id or "")
        return dataclasses.replace(
            about,
            run_url=record.run_url,
            reviewer_users=await self._directory.users_by_email(reviewer_emails(prompt.reviewers)),
            group_members=await self._groups.members_of(prompt.reviewers.groups),
        )

    async def group_members(self, prompt: Prompt) -> Mapping[str, frozenset[str]]:
        """The Slack users of each of the prompt's reviewer groups that has any."""
        return await self._groups.members_of(prompt.reviewers.groups)

    async def _reviewer_users(self, prompt: Prompt) -> frozenset[str]:
        found = await self._directory.users_by_email(reviewer_emails(prompt.reviewers))
        return reviewer_slack_users(
            prompt.reviewers, users_by_email=found, group_members=await self.group_members(prompt)
        )

    async def rewrite(self, prompt_id: str, message: ApprovalMessage, *, final: bool) -> None:
        """Rewrite every posted copy; `final` (decided or closed) also forgets the prompt."""
        async with self.locks.hold(prompt_id):
            for copy in await self._records.copies(prompt_id):
                if copy.ts is not None:
                    await self._slack.update(copy.channel_id, copy.ts, message)
        if final:
            self._about.pop(prompt_id, None)

    async def show_errors(
        self, record: ApprovalRecord, prompt: Prompt, channel: str, ts: str, checked: CheckedValues
    ) -> None:
        """Rewrite the clicked copy with the values entered and an error under each bad input."""
        base = await self.context_of(record, prompt)
        context = dataclasses.replace(base, shown=checked.shown, errors=checked.errors)
        await self._slack.update(channel, ts, pending_message(prompt, context))

    async def remind(self, record: ApprovalRecord, message: ApprovalMessage) -> None:
        """Post a reminder beside every copy: in the run's thread and in each reviewer's DM."""
        for copy in await self._records.copies(record.prompt_id):
            thread = record.thread_ts if copy.dm_user_id is None else None
            await self._slack.post(copy.channel_id, message, thread)

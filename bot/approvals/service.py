"""`Approvals`: posts pending prompts once, and turns clicks into exactly one Airplane decision.

The order of a decision, each step safe to repeat:
1. read the prompt from Airplane; if it finished elsewhere, show that everywhere and stop;
2. check the clicker against the reviewers (refusals are audited; nothing changes);
3. check the values (errors go back to the inputs);
4. claim the decision in the store (one conditional UPDATE: exactly one click wins);
5. call `prompts/submit` or `prompts/cancel` acting for the clicker, with the claim's key as
   Idempotency-Key (a restart replays the claim with the same key: `resume`);
6. mark it decided, audit it, rewrite every copy of the message.
Airplane's 409 (or 400 "already completed") means someone decided elsewhere first.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any, Protocol

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from airplane_api import (
    AirplaneClient,
    APIError,
    ConflictError,
    DeadlineExceeded,
    InvalidRequestError,
    NotFoundError,
    TransportError,
)
from airplane_api.models import Prompt, PromptState

from .. import metrics
from ..ids import PromptModalMetadata
from ..store import AuditAction, AuditEntry, Store
from ..store.approvals import ApprovalRecord, ApprovalState, Claim
from ..tracking.outbox import Outbox, Priority
from ..tracking.ports import PendingApproval
from .directory import SlackDirectory
from .render import (
    ApprovalMessage,
    PromptContext,
    closed_message,
    decided_message,
    pending_message,
    prompt_modal,
    reminder_message,
)
from .reviewers import Clicker, Intent, may_decide, requester_of, reviewer_slack_users
from .validate import CheckedValues, check_values

__all__ = ["Approvals", "Outcome", "OutcomeKind", "TrackedRun"]

log = logging.getLogger(__name__)

ENDED = frozenset({"Succeeded", "Failed", "Cancelled"})
RETRYING = "Airplane did not answer; your answer is kept and will be sent again shortly."


class TrackedRun(Protocol):
    """What approvals needs of a tracked run or session (tracking's `Tracked` fits)."""

    @property
    def id(self) -> str: ...

    @property
    def channel(self) -> str: ...

    @property
    def requested_by(self) -> str: ...

    @property
    def link(self) -> str: ...

    # issue 16: what the prompt's messages say it is about.
    @property
    def label(self) -> str: ...

    @property
    def name(self) -> str: ...

    @property
    def params(self) -> Mapping[str, Any]: ...


class OutcomeKind(StrEnum):
    """What a click came to."""

    DECIDED = "decided"
    REFUSED = "refused"
    INVALID = "invalid"
    ELSEWHERE = "elsewhere"  # finished outside this click (Airplane, another copy, the run)
    BUSY = "busy"  # another click holds the decision right now
    UNKNOWN = "unknown"
    FAILED = "failed"


@dataclass(frozen=True)
class Outcome:
    """A click's result; `message` is what the clicker is told (ephemeral), if anything."""

    kind: OutcomeKind
    message: str = ""
    checked: CheckedValues | None = None


class Approvals:
    """Posts and decides prompts; implements tracking's `PromptSink`."""

    def __init__(
        self,
        *,
        store: Store,
        airplane: AirplaneClient,
        slack: AsyncWebClient,
        reviewer_groups: Mapping[str, frozenset[str]],
        directory: SlackDirectory | None = None,
        outbox: Outbox | None = None,
        reminder_after: float = 30 * 60.0,
        reminders: int = 3,
    ) -> None:
        self._store = store
        self._airplane = airplane
        self._slack = slack
        self._groups = reviewer_groups
        self._directory = directory or SlackDirectory(slack)
        self._outbox = outbox
        self._locks: dict[str, asyncio.Lock] = {}
        # issue 16: what each prompt is about (who asked, task, params, thread link), for its
        # re-renders; and reminders sent so far. Both in memory: a restart re-learns the first
        # from the tracker and may send one reminder again.
        self._about: dict[str, PromptContext] = {}
        self._reminded: dict[str, int] = {}
        self._permalinks: dict[tuple[str, str], str] = {}
        self._reminder_after = reminder_after
        self._reminders = reminders

    async def _send(
        self, channel: str, call: Callable[[], Awaitable[Any]], fold_key: str | None = None
    ) -> Any:
        """A Slack write, through the per-channel outbox when there is one (~1/s/channel).

        Prompt messages and decisions go first there: a person is waiting to act on them.
        """
        if self._outbox is None:
            return await call()
        return await self._outbox.send(channel, call, fold_key=fold_key, priority=Priority.PROMPT)

    def _lock(self, prompt_id: str) -> asyncio.Lock:
        return self._locks.setdefault(prompt_id, asyncio.Lock())

    # -- posting ---------------------------------------------------------------------------

    async def on_prompts(
        self, tracked: TrackedRun, thread_ts: str, prompts: Sequence[Prompt]
    ) -> None:
        """Show each pending prompt once in the run's thread and by DM to its reviewers."""
        for prompt in prompts:
            if prompt.state is PromptState.PENDING:
                # issue 16: the messages say who asked, which task, its parameters, the thread.
                self._about[prompt.id] = PromptContext(
                    requester=tracked.requested_by,
                    task=tracked.label,
                    task_name=tracked.name,
                    params=tracked.params,
                    thread_url=await self._permalink(tracked.channel, thread_ts),
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

        `run_id` is the tracked run or session (defaults to the prompt's own `runID`).
        """
        async with self._lock(prompt.id):
            # A runbook session's prompt may name no run: the session's ID stands in.
            record = ApprovalRecord(
                prompt_id=prompt.id,
                run_id=run_id or prompt.run_id,
                channel_id=channel,
                thread_ts=thread_ts,
                requester_id=requester,
                run_url=run_url,
                description=prompt.description,
            )
            fresh = await self._store.approvals.remember(record)
            copies = await self._store.approvals.copies(prompt.id)
            if not fresh and copies and all(copy.ts is not None for copy in copies):
                # Seen before and fully posted: the tracker repeats pending prompts every cycle,
                # and this keeps those repeats free of Slack calls.
                return
            record = await self._store.approvals.get(prompt.id) or record
            message = pending_message(prompt, await self._context_of(record, prompt))
            await self._store.approvals.reserve_copy(prompt.id, channel, None)
            for user_id in sorted(await self._reviewer_users(prompt)):
                dm = await self._dm_channel(user_id)
                if dm is not None:
                    await self._store.approvals.reserve_copy(prompt.id, dm, user_id)
            # Post every copy not posted yet: new ones, and any a crash interrupted.
            for copy in await self._store.approvals.copies(prompt.id):
                if copy.ts is not None:
                    continue
                thread = record.thread_ts if copy.dm_user_id is None else None
                ts = await self._post(copy.channel_id, message, thread)
                if ts is not None:
                    await self._store.approvals.set_copy_ts(prompt.id, copy.channel_id, ts)
                    if thread is not None and prompt.created_at is not None:
                        # The tracker's promise: a prompt reaches its thread within seconds.
                        lag = datetime.now(UTC) - prompt.created_at
                        metrics.prompt_shown(max(0.0, lag.total_seconds()))

    async def _permalink(self, channel: str, ts: str) -> str:
        """A link to the run's thread (issue 16), cached; empty when Slack gives none."""
        if (channel, ts) not in self._permalinks:
            try:
                answer = await self._slack.chat_getPermalink(channel=channel, message_ts=ts)
                self._permalinks[(channel, ts)] = str(answer.get("permalink") or "")
            except SlackApiError as exc:
                log.info("no permalink for %s/%s: %s", channel, ts, exc.response.get("error"))
                return ""
        return self._permalinks[(channel, ts)]

    async def _context_of(self, record: ApprovalRecord, prompt: Prompt) -> PromptContext:
        """issue 16: the rendering context of a prompt: about it, its reviewers' Slack users."""
        emails = frozenset(e.strip().lower() for e in prompt.reviewers.users if e.strip())
        about = self._about.get(prompt.id) or PromptContext(requester=record.requester_id or "")
        return dataclasses.replace(
            about,
            run_url=record.run_url,
            reviewer_users=await self._directory.users_by_email(emails),
        )

    async def _reviewer_users(self, prompt: Prompt) -> frozenset[str]:
        emails = frozenset(e.strip().lower() for e in prompt.reviewers.users if e.strip())
        found = await self._directory.users_by_email(emails)
        return reviewer_slack_users(
            prompt.reviewers, users_by_email=found, group_members=self._groups
        )

    async def _dm_channel(self, user_id: str) -> str | None:
        try:
            answer = await self._slack.conversations_open(users=user_id)
        except SlackApiError as exc:
            log.warning("cannot open a DM with %s: %s", user_id, exc.response.get("error"))
            return None
        return str(answer["channel"]["id"])

    async def _post(self, channel: str, message: ApprovalMessage, thread: str | None) -> str | None:
        try:
            answer = await self._send(
                channel,
                lambda: self._slack.chat_postMessage(
                    channel=channel,
                    thread_ts=thread,
                    text=message.text,
                    blocks=message.block_dicts(),
                ),
            )
        except SlackApiError as exc:
            log.warning("cannot post a prompt in %s: %s", channel, exc.response.get("error"))
            return None
        return str(answer["ts"])

    async def _rewrite(self, prompt_id: str, message: ApprovalMessage) -> None:
        for copy in await self._store.approvals.copies(prompt_id):
            if copy.ts is None:
                continue
            try:
                await self._update(copy.channel_id, copy.ts, message)
            except SlackApiError as exc:
                log.warning("cannot update %s/%s: %s", copy.channel_id, copy.ts, exc)

    async def show_errors(
        self, prompt_id: str, channel: str, ts: str, checked: CheckedValues
    ) -> None:
        """Rewrite the clicked copy with the values entered and an error under each bad input."""
        record = await self._store.approvals.get(prompt_id)
        prompt = await self._airplane.get_prompt(prompt_id)
        base = await self._context_of(record, prompt) if record else PromptContext()
        context = dataclasses.replace(base, shown=checked.shown, errors=checked.errors)
        await self._update(channel, ts, pending_message(prompt, context))

    async def _update(self, channel: str, ts: str, message: ApprovalMessage) -> None:
        """Edit one copy; queued edits of the same message fold into the newest."""
        await self._send(
            channel,
            lambda: self._slack.chat_update(
                channel=channel, ts=ts, text=message.text, blocks=message.block_dicts()
            ),
            fold_key=f"approval:{channel}:{ts}",
        )

    # -- deciding --------------------------------------------------------------------------

    async def decide(
        self,
        prompt_id: str,
        clicker: Clicker,
        intent: Intent,
        state_values: Mapping[str, Any] | None,
        *,
        channel: str | None = None,
    ) -> Outcome:
        """Apply one click (see the module docstring); safe under any number of repeats."""
        outcome = await self._decide(prompt_id, clicker, intent, state_values, channel)
        metrics.approval_decided(intent.value, outcome.kind.value)
        log.info(
            "prompt %s: %s by %s came to %s", prompt_id, intent.value, clicker.user_id, outcome.kind
        )
        return outcome

    async def _decide(
        self,
        prompt_id: str,
        clicker: Clicker,
        intent: Intent,
        state_values: Mapping[str, Any] | None,
        channel: str | None,
    ) -> Outcome:
        checked_in = await self._preflight(prompt_id, clicker, intent, channel)
        if isinstance(checked_in, Outcome):
            return checked_in
        record, prompt, clicker = checked_in
        values: dict[str, Any] = {}
        if intent is Intent.APPROVE:
            checked = check_values(prompt.schema_, state_values or {})
            if not checked.ok:
                return Outcome(OutcomeKind.INVALID, "Fix the highlighted values.", checked)
            values = checked.values
        claim = Claim(
            intent=intent.value,
            actor_id=clicker.user_id,
            actor_email=clicker.email,
            values=values,
            key=str(uuid.uuid4()),
        )
        if not await self._store.approvals.claim(prompt_id, claim):
            return Outcome(
                OutcomeKind.BUSY, "This prompt was answered a moment ago; nothing more to do."
            )
        return await self._apply(record, claim, channel)

    async def _preflight(
        self, prompt_id: str, clicker: Clicker, intent: Intent, channel: str | None
    ) -> Outcome | tuple[ApprovalRecord, Prompt, Clicker]:
        """Steps 1-2 of a decision: still pending here and in Airplane, and the clicker may."""
        record = await self._store.approvals.get(prompt_id)
        if record is None:
            return Outcome(OutcomeKind.UNKNOWN, "I don't know this prompt any more.")
        prompt = await self._airplane.get_prompt(prompt_id)
        if prompt.state is not PromptState.PENDING:
            await self._settle(record, prompt)
            return Outcome(OutcomeKind.ELSEWHERE, _elsewhere_note(prompt))
        if record.state is ApprovalState.CLAIMED:
            return Outcome(
                OutcomeKind.BUSY, "An answer to this prompt is being recorded right now."
            )
        if record.state is not ApprovalState.PENDING:
            return Outcome(OutcomeKind.ELSEWHERE, "This prompt is no longer waiting.")
        if clicker.email is None:
            clicker = Clicker(clicker.user_id, await self._directory.email_of(clicker.user_id))
        requester = await self._requester(record)
        verdict = may_decide(
            prompt.reviewers, clicker, intent, requester=requester, group_members=self._groups
        )
        if not verdict.allowed:
            await self._audit(AuditAction.REFUSED, clicker, record, channel, verdict.reason, intent)
            return Outcome(OutcomeKind.REFUSED, f"You can't answer this prompt: {verdict.reason}.")
        return record, prompt, clicker

    async def may_respond(self, prompt_id: str, user_id: str) -> Outcome | None:
        """Before opening the modal: None when `user_id` may approve, else why not."""
        checked_in = await self._preflight(prompt_id, Clicker(user_id), Intent.APPROVE, None)
        return checked_in if isinstance(checked_in, Outcome) else None

    async def _apply(self, record: ApprovalRecord, claim: Claim, channel: str | None) -> Outcome:
        """Send a claimed decision to Airplane, then record and show it."""
        actor = f"slack:{claim.actor_id}"
        try:
            if claim.intent == Intent.APPROVE:
                await self._airplane.submit_prompt(
                    record.prompt_id,
                    claim.values,
                    idempotency_key=claim.key,
                    acting_for=actor,
                    acting_for_email=claim.actor_email,
                )
            else:
                await self._airplane.cancel_prompt(
                    record.prompt_id,
                    idempotency_key=claim.key,
                    acting_for=actor,
                    acting_for_email=claim.actor_email,
                )
        except (ConflictError, InvalidRequestError) as exc:
            prompt = await self._airplane.get_prompt(record.prompt_id)
            if prompt.state is not PromptState.PENDING and not _decided_by(prompt, claim):
                await self._settle(record, prompt)
                return Outcome(OutcomeKind.ELSEWHERE, _elsewhere_note(prompt))
            if prompt.state is PromptState.PENDING:
                await self._store.approvals.release(record.prompt_id, claim.key)
                return Outcome(OutcomeKind.FAILED, f"Airplane refused the answer: {exc.error}")
        except APIError as exc:
            if exc.status < 500:
                await self._store.approvals.release(record.prompt_id, claim.key)
                return Outcome(OutcomeKind.FAILED, f"Airplane refused the answer: {exc.error}")
            # 5xx: the call may have landed; the claim stays for `resume` (same key).
            return Outcome(OutcomeKind.FAILED, RETRYING)
        except (TransportError, DeadlineExceeded):
            return Outcome(OutcomeKind.FAILED, RETRYING)
        prompt = await self._airplane.get_prompt(record.prompt_id)
        if not await self._store.approvals.settle_claim(record.prompt_id, claim.key):
            return Outcome(OutcomeKind.DECIDED)  # another attempt of this claim recorded it
        action = AuditAction.APPROVE if claim.intent == Intent.APPROVE else AuditAction.REJECT
        await self._store.audit.record(
            AuditEntry(
                action=action,
                actor=claim.actor_id,
                target=record.prompt_id,
                channel_id=channel or record.channel_id,
                run_id=record.run_id,
                detail={"values": claim.values},
            )
        )
        context = await self._context_of(record, prompt)
        await self._rewrite(record.prompt_id, decided_message(prompt, context))
        return Outcome(OutcomeKind.DECIDED)

    async def _requester(self, record: ApprovalRecord) -> str | None:
        if record.requester_id:
            return record.requester_id
        slack_run = await self._store.runs.get(record.run_id)
        if slack_run is not None:
            return slack_run.requester_id
        try:
            run = await self._airplane.get_run(record.run_id)
        except APIError:
            return None
        return requester_of(started_by_slack_user=None, created_by=run.created_by)

    async def _settle(self, record: ApprovalRecord, prompt: Prompt) -> None:
        """A prompt decided outside any claim: record it and show it on every copy."""
        await self._store.approvals.finish(record.prompt_id, ApprovalState.DECIDED)
        context = await self._context_of(record, prompt)
        await self._rewrite(record.prompt_id, decided_message(prompt, context))

    async def _audit(
        self,
        action: AuditAction,
        clicker: Clicker,
        record: ApprovalRecord,
        channel: str | None,
        reason: str,
        intent: Intent,
    ) -> None:
        await self._store.audit.record(
            AuditEntry(
                action=action,
                actor=clicker.user_id,
                target=record.prompt_id,
                channel_id=channel or record.channel_id,
                run_id=record.run_id,
                detail={"reason": reason, "intent": intent.value},
            )
        )

    # -- the modal -------------------------------------------------------------------------

    async def open_modal(
        self, prompt_id: str, trigger_id: str, *, channel: str = "", message_ts: str = ""
    ) -> None:
        """Open the modal with the prompt's inputs (the "Respond" button)."""
        prompt = await self._airplane.get_prompt(prompt_id)
        metadata = PromptModalMetadata(
            prompt_id=prompt_id, run_id=prompt.run_id, channel=channel, message_ts=message_ts
        )
        view = prompt_modal(prompt, metadata)
        await self._store.forms.keep_prompt_schema(prompt_id, prompt.schema_)
        await self._slack.views_open(trigger_id=trigger_id, view=view.to_dict())

    async def check_modal(self, prompt_id: str, state_values: Mapping[str, Any]) -> CheckedValues:
        """Check a modal's values before acknowledging it (errors go back inline), against the
        schema kept when it opened: no Airplane call before the ack. FormGone if none was."""
        return check_values(await self._store.forms.prompt_schema(prompt_id), state_values)

    # -- upkeep ----------------------------------------------------------------------------

    async def resume(self, *, older_than: float = 0.0) -> None:
        """Finish claimed decisions (a restart, or Airplane not answering): replay each with
        its key. `older_than` seconds skips claims a click may still be working on."""
        cutoff = datetime.now(UTC) - timedelta(seconds=older_than)
        for record in await self._store.approvals.in_state(ApprovalState.CLAIMED):
            claimed_at = record.claim.claimed_at if record.claim else None
            if older_than and claimed_at is not None and claimed_at > cutoff:
                continue
            if record.claim is not None:
                outcome = await self._apply(record, record.claim, None)
                log.info("resumed the decision of %s: %s", record.prompt_id, outcome.kind)

    async def run_upkeep(
        self,
        *,
        interval: float = 30.0,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        turn: Callable[[float], Awaitable[bool]] | None = None,
    ) -> None:
        """Resume claims left by a restart, then every `interval` s sweep pending prompts and
        retry claims Airplane did not answer. With replicas, `turn(interval)` says whether this
        one has the fleet's turn this period, so the work runs once across them."""
        await self._guarded(self.resume)
        while True:
            await sleep(interval)
            if turn is not None and not await turn(interval):
                continue
            await self._guarded(self.sweep)
            await self._guarded(lambda: self.resume(older_than=interval))

    async def _guarded(self, step: Callable[[], Awaitable[None]]) -> None:
        """One upkeep step; a failure is logged and the next round tries again."""
        try:
            await step()
        except Exception:
            log.warning("approvals upkeep failed", exc_info=True)

    async def sweep(self) -> None:
        """Rewrite pending prompts that finished elsewhere or whose run ended."""
        for record in await self._store.approvals.in_state(ApprovalState.PENDING):
            try:
                prompt = await self._airplane.get_prompt(record.prompt_id)
                if prompt.state is not PromptState.PENDING:
                    await self._settle(record, prompt)
                    continue
                status = await self._status_of(record.run_id)
            except APIError as exc:
                log.info("sweep of %s failed: %s", record.prompt_id, exc)
                continue
            if status in ENDED:
                await self._store.approvals.finish(record.prompt_id, ApprovalState.CLOSED)
                reason = f"the run ended ({status})"
                await self._rewrite(
                    record.prompt_id, closed_message(prompt, reason, _context(record))
                )
            else:
                await self._remind(record, prompt)

    async def _remind(self, record: ApprovalRecord, prompt: Prompt) -> None:
        """issue 16: remind the reviewers of a prompt pending too long (a few times at most),
        by DM and in the thread, saying how long it has waited."""
        sent = self._reminded.get(record.prompt_id, 0)
        waited = (datetime.now(UTC) - (prompt.created_at or record.created_at)).total_seconds()
        if sent >= self._reminders or waited < self._reminder_after * (sent + 1):
            return
        self._reminded[record.prompt_id] = sent + 1
        message = reminder_message(
            prompt, _waited_text(waited), await self._context_of(record, prompt)
        )
        for copy in await self._store.approvals.copies(record.prompt_id):
            thread = record.thread_ts if copy.dm_user_id is None else None
            await self._post(copy.channel_id, message, thread)

    async def _status_of(self, run_id: str) -> str:
        """The status of the run, or of the runbook session when the ID names one."""
        try:
            return (await self._airplane.get_run(run_id)).status.value
        except NotFoundError:
            return (await self._airplane.get_session(run_id)).status.value

    async def pending_for(self, user_id: str) -> list[PendingApproval]:
        """Prompts waiting for `user_id` as a reviewer, for App Home (tracking's
        `PendingApprovals`): what each asks and where its copy is, to link it; newest first."""
        waiting = await self._store.approvals.waiting_for(user_id)  # oldest first
        return [
            PendingApproval(
                prompt_id=record.prompt_id,
                description=record.description,
                channel=copy.channel_id,
                thread_ts=copy.ts or "",
                run_id=record.run_id,
            )
            for record, copy in reversed(waiting)
        ]


def _waited_text(seconds: float) -> str:
    minutes = int(seconds // 60)
    if minutes < 60:
        return f"{minutes} min"
    return f"{minutes // 60} h {minutes % 60:02d} min"


def _context(record: ApprovalRecord) -> PromptContext:
    return PromptContext(run_url=record.run_url)


def _decided_by(prompt: Prompt, claim: Claim) -> bool:
    """Whether Airplane's record of the decision is this claim's (a replay after a restart)."""
    actor = f"slack:{claim.actor_id}"
    if claim.intent == Intent.APPROVE:
        return prompt.state is PromptState.SUBMITTED and prompt.submitted_by == actor
    return prompt.state is PromptState.CANCELLED and prompt.cancelled_by == actor


def _elsewhere_note(prompt: Prompt) -> str:
    if prompt.state is PromptState.CANCELLED:
        return "This prompt was already rejected, so your answer was not sent."
    return "This prompt was already answered, so your answer was not sent."

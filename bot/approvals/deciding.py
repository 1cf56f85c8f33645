"""`Deciding`: one click (or modal submission) turned into at most one Airplane decision.

The order, each step safe to repeat (the rules are `decision.py`'s; this module reads, writes
and calls):
1. read the record and the prompt from Airplane; finished elsewhere -> show it everywhere, stop;
2. check the clicker against the reviewers (refusals are audited; nothing changes);
3. check the values (errors go back to the inputs);
4. claim the decision in the store (one conditional UPDATE: exactly one click wins);
5. `prompts/submit` or `prompts/cancel` acting for the clicker, the claim's key as
   Idempotency-Key (upkeep replays a kept claim with the same key);
6. settle, show elsewhere, release or keep the claim, as `decision.after_call` says; a
   settled claim is audited and every copy rewritten.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Mapping
from typing import Any

from airplane_api.models import Prompt

from ..blocks.ids import PromptModalMetadata
from ..blocks.user_errors import (
    AIRPLANE_NO_ANSWER,
    ANSWERED_A_MOMENT_AGO,
    FIX_VALUES,
    PROMPT_FORM_NOT_OPENED,
    PROMPT_UNKNOWN,
    may_not_answer,
)
from ..core import metrics
from ..people.labels import slack_label
from ..store import AuditAction, AuditEntry
from ..store.approvals import ApprovalRecord, ApprovalState, Claim
from . import decision
from .airplane import attempt
from .decision import CallFailure, ClaimFate, Outcome, OutcomeKind, Verdict
from .groups import ReviewerGroups
from .ports import (
    ApprovalRecords,
    ApprovalSlack,
    AuditTrail,
    Clock,
    KnownRuns,
    PromptForms,
    PromptSource,
    ReviewerDirectory,
)
from .posting import Posting
from .render import decided_message, prompt_modal
from .reviewers import Clicker, Intent, may_decide, requester_of
from .validate import CheckedValues, check_values

__all__ = ["Deciding"]

log = logging.getLogger(__name__)


class Deciding:
    """Decides prompts on clicks; opens and checks the modal of prompts with many values."""

    def __init__(
        self,
        *,
        records: ApprovalRecords,
        audit: AuditTrail,
        runs: KnownRuns,
        forms: PromptForms,
        airplane: PromptSource,
        posting: Posting,
        slack: ApprovalSlack,
        directory: ReviewerDirectory,
        groups: ReviewerGroups,
        clock: Clock,
        new_key: Callable[[], str] = lambda: str(uuid.uuid4()),
    ) -> None:
        self._records = records
        self._audit = audit
        self._runs = runs
        self._forms = forms
        self._airplane = airplane
        self._posting = posting
        self._slack = slack
        self._directory = directory
        self._groups = groups
        self._clock = clock
        self._new_key = new_key

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
                return Outcome(OutcomeKind.INVALID, FIX_VALUES, checked)
            values = checked.values
        claim = decision.claim_for(clicker, intent, values, key=self._new_key(), now=self._clock())
        if not await self._records.claim(prompt_id, claim):
            return Outcome(OutcomeKind.BUSY, ANSWERED_A_MOMENT_AGO)
        return await self.apply(record, claim, channel)

    async def _preflight(
        self, prompt_id: str, clicker: Clicker, intent: Intent, channel: str | None
    ) -> Outcome | tuple[ApprovalRecord, Prompt, Clicker]:
        """Steps 1-2: still pending here and in Airplane, and the clicker may decide."""
        record = await self._records.get(prompt_id)
        if record is None:
            return Outcome(OutcomeKind.UNKNOWN, PROMPT_UNKNOWN)
        prompt = await attempt("read a prompt", self._airplane.get_prompt(prompt_id))
        if isinstance(prompt, CallFailure):
            return Outcome(OutcomeKind.FAILED, AIRPLANE_NO_ANSWER)
        verdict, outcome = decision.before_claim(record, prompt)
        if verdict is Verdict.SETTLE:
            await self.settle_elsewhere(record, prompt)
        if outcome is not None:
            return outcome
        if clicker.email is None:
            clicker = Clicker(clicker.user_id, await self._directory.email_of(clicker.user_id))
        review = may_decide(
            prompt.reviewers,
            clicker,
            intent,
            requester=await self._requester(record),
            group_members=await self._groups.members_of(prompt.reviewers.groups),
        )
        if not review.allowed:
            await self._audit.record(
                AuditEntry(
                    action=AuditAction.REFUSED,
                    actor=clicker.user_id,
                    target=record.prompt_id,
                    channel_id=channel or record.channel_id,
                    run_id=record.run_id,
                    detail={"reason": review.reason, "intent": intent.value},
                )
            )
            return Outcome(OutcomeKind.REFUSED, may_not_answer(review.reason))
        return record, prompt, clicker

    async def may_respond(self, prompt_id: str, user_id: str) -> Outcome | None:
        """Before opening the modal: None when `user_id` may approve, else why not."""
        checked_in = await self._preflight(prompt_id, Clicker(user_id), Intent.APPROVE, None)
        return checked_in if isinstance(checked_in, Outcome) else None

    async def apply(self, record: ApprovalRecord, claim: Claim, channel: str | None) -> Outcome:
        """Send a claimed decision to Airplane, then do what its answer calls for."""
        actor = slack_label(claim.actor_id)
        if claim.intent == Intent.APPROVE:
            call = self._airplane.submit_prompt(
                record.prompt_id,
                claim.values,
                idempotency_key=claim.key,
                acting_for=actor,
                acting_for_email=claim.actor_email,
            )
        else:
            call = self._airplane.cancel_prompt(
                record.prompt_id,
                idempotency_key=claim.key,
                acting_for=actor,
                acting_for_email=claim.actor_email,
            )
        sent = await attempt("send a decision", call)
        failure = sent if isinstance(sent, CallFailure) else None
        answer = decision.answer_of(failure)
        prompt: Prompt | None = None
        if decision.needs_prompt(answer):
            read = await attempt("read a prompt", self._airplane.get_prompt(record.prompt_id))
            prompt = None if isinstance(read, CallFailure) else read
        after = decision.after_call(answer, claim, prompt, error=failure.error if failure else "")
        if after.fate is ClaimFate.RELEASE:
            await self._records.release(record.prompt_id, claim.key)
        elif after.fate is ClaimFate.ELSEWHERE and prompt is not None:
            await self.settle_elsewhere(record, prompt)
        elif after.fate is ClaimFate.SETTLE and prompt is not None:
            await self._settle(record, claim, prompt, channel)
        return after.outcome

    async def _settle(
        self, record: ApprovalRecord, claim: Claim, prompt: Prompt, channel: str | None
    ) -> None:
        """Record this claim's decision, audit it and show it on every copy, once: of two
        attempts of one claim (a click and a replay), only the first to settle does this."""
        if not await self._records.settle_claim(record.prompt_id, claim.key):
            return
        action = AuditAction.APPROVE if claim.intent == Intent.APPROVE else AuditAction.REJECT
        await self._audit.record(
            AuditEntry(
                action=action,
                actor=claim.actor_id,
                target=record.prompt_id,
                channel_id=channel or record.channel_id,
                run_id=record.run_id,
                detail={"values": claim.values},
            )
        )
        context = await self._posting.context_of(record, prompt)
        await self._posting.rewrite(record.prompt_id, decided_message(prompt, context), final=True)

    async def settle_elsewhere(self, record: ApprovalRecord, prompt: Prompt) -> None:
        """A prompt decided outside any claim: record it and show it on every copy."""
        await self._records.finish(record.prompt_id, ApprovalState.DECIDED)
        context = await self._posting.context_of(record, prompt)
        await self._posting.rewrite(record.prompt_id, decided_message(prompt, context), final=True)

    async def _requester(self, record: ApprovalRecord) -> str | None:
        """Who started the prompt's run: the record, the store's Slack runs, else `createdBy`."""
        if record.requester_id:
            return record.requester_id
        started = await self._runs.get(record.run_id)
        if started is not None:
            return started.requester_id
        run = await attempt("read a run", self._airplane.get_run(record.run_id))
        if isinstance(run, CallFailure):
            return None
        return requester_of(started_by_slack_user=None, created_by=run.created_by)

    async def show_errors(
        self, prompt_id: str, channel: str, ts: str, checked: CheckedValues
    ) -> None:
        """Rewrite the clicked copy with the values entered and an error under each bad input."""
        record = await self._records.get(prompt_id)
        prompt = await attempt("read a prompt", self._airplane.get_prompt(prompt_id))
        if record is None or isinstance(prompt, CallFailure):
            return  # the ephemeral still says what to fix
        await self._posting.show_errors(record, prompt, channel, ts, checked)

    async def open_modal(
        self,
        prompt_id: str,
        trigger_id: str,
        *,
        channel: str = "",
        message_ts: str = "",
        thread_ts: str = "",
    ) -> Outcome | None:
        """Open the modal with the prompt's inputs (the "Respond" button), its schema kept for
        the submission's check; None when it opened, else what to tell the clicker."""
        prompt = await attempt("read a prompt", self._airplane.get_prompt(prompt_id))
        if isinstance(prompt, CallFailure):
            return Outcome(OutcomeKind.FAILED, AIRPLANE_NO_ANSWER)
        metadata = PromptModalMetadata(
            prompt_id=prompt_id,
            run_id=prompt.run_id,
            channel=channel,
            message_ts=message_ts,
            thread_ts=thread_ts,
        )
        await self._forms.keep_prompt_schema(prompt_id, prompt.schema_)
        if not await self._slack.open_view(trigger_id, prompt_modal(prompt, metadata).to_dict()):
            return Outcome(OutcomeKind.FAILED, PROMPT_FORM_NOT_OPENED)
        return None

    async def check_modal(self, prompt_id: str, state_values: Mapping[str, Any]) -> CheckedValues:
        """Check a modal's values before acknowledging it (errors go back inline), against the
        schema kept when it opened: no Airplane call before the ack. FormGone if none was."""
        return check_values(await self._forms.prompt_schema(prompt_id), state_values)

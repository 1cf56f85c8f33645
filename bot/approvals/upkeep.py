"""`Upkeep`: the background rounds of approvals, once per period across the fleet.

Each round (`run`): `sweep` rewrites pending prompts that were decided outside Slack or whose
run (or runbook session) ended, and reminds the reviewers of prompts waiting too long;
`resume` sends again the claims Airplane did not answer (same Idempotency-Key), and at start
every claim a restart left. No error ends the loop: a failing step is logged once per reason
(again only after it had cleared), and rounds back off while Airplane or the store fail.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from airplane_api.models import Prompt, PromptState, is_terminal_status

from ..core.loops import Troubles
from ..store.approvals import ApprovalRecord, ApprovalState
from . import decision
from .airplane import attempt
from .deciding import Deciding
from .decision import CallFailure, OutcomeKind
from .ports import ApprovalRecords, Clock, PromptSource
from .posting import Posting
from .render import closed_message, reminder_message

__all__ = ["Upkeep"]

log = logging.getLogger(__name__)

# reason -> the exception behind it (None: a reason without one); see `Troubles.failed_for`.
Problems = dict[str, BaseException | None]


class Upkeep:
    """Sweeps, reminds and resumes; `run` is the loop `serve` starts."""

    def __init__(
        self,
        *,
        records: ApprovalRecords,
        airplane: PromptSource,
        posting: Posting,
        deciding: Deciding,
        clock: Clock,
        reminder_after: float,
        reminders: int,
        max_delay: float = 300.0,
    ) -> None:
        self._records = records
        self._airplane = airplane
        self._posting = posting
        self._deciding = deciding
        self._clock = clock
        self._reminder_after = reminder_after
        self._reminders = reminders
        self._max_delay = max_delay

    async def run(
        self,
        *,
        interval: float = 30.0,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        turn: Callable[[float], Awaitable[bool]] | None = None,
    ) -> None:
        """Resume claims left by a restart, then every `interval` s (longer while rounds fail)
        sweep and resume. With replicas, `turn(interval)` says whether this one has the
        fleet's turn this period, so the work runs once across them."""
        troubles = Troubles(log, "approvals upkeep", base=interval, cap=self._max_delay)
        _round_ended(troubles, await self._round(resume_all=True))
        while True:
            await sleep(troubles.pause(interval))
            try:
                ours = turn is None or await turn(interval)
            except Exception as exc:  # the store holding the turn is down: try later
                troubles.failed_for({f"taking the turn failed: {type(exc).__name__}": exc})
                continue
            # Another replica's turn, and the store answered: nothing failed here.
            _round_ended(troubles, await self._round(interval=interval) if ours else {})

    async def _round(self, *, resume_all: bool = False, interval: float = 0.0) -> Problems:
        """One round; what in it failed for want of Airplane or the store (nothing: it worked)."""
        problems: Problems = {}
        steps: list[tuple[str, Callable[[], Awaitable[Problems]]]] = [
            ("resume", lambda: self.resume(older_than=0.0 if resume_all else interval))
        ]
        if not resume_all:
            steps.insert(0, ("sweep", self.sweep))
        for name, step in steps:
            try:
                problems.update(await step())
            except Exception as exc:
                problems[f"{name} failed: {type(exc).__name__}"] = exc
        return problems

    async def resume(self, *, older_than: float = 0.0) -> Problems:
        """Finish claimed decisions (a restart, or Airplane not answering): replay each with
        its key. `older_than` seconds spares claims a click may still be working on."""
        problems: Problems = {}
        claimed = await self._records.in_state(ApprovalState.CLAIMED)
        for record in decision.claims_to_replay(claimed, now=self._clock(), older_than=older_than):
            assert record.claim is not None  # claims_to_replay keeps only those
            outcome = await self._deciding.apply(record, record.claim, None)
            log.info("resumed the decision of %s: %s", record.prompt_id, outcome.kind)
            if outcome.kind is OutcomeKind.FAILED:
                problems[f"resume: a decision still unsent ({outcome.message})"] = None
        return problems

    async def sweep(self) -> Problems:
        """Rewrite pending prompts that finished elsewhere or whose run ended; remind the rest
        when they are due."""
        problems: Problems = {}
        for record in await self._records.in_state(ApprovalState.PENDING):
            prompt = await attempt("read a prompt", self._airplane.get_prompt(record.prompt_id))
            if isinstance(prompt, CallFailure):
                problems[f"sweep: prompts/get answered {prompt.status or 'nothing'}"] = None
                continue
            if prompt.state is not PromptState.PENDING:
                await self._deciding.settle_elsewhere(record, prompt)
                continue
            status = await self._status_of(record.run_id)
            if isinstance(status, CallFailure):
                problems[f"sweep: runs/get answered {status.status or 'nothing'}"] = None
            elif is_terminal_status(status):
                await self._close(record, prompt, f"the run ended ({status})")
            else:
                await self._remind(record, prompt)
        return problems

    async def _close(self, record: ApprovalRecord, prompt: Prompt, reason: str) -> None:
        await self._records.finish(record.prompt_id, ApprovalState.CLOSED)
        context = await self._posting.context_of(record, prompt)
        await self._posting.rewrite(
            record.prompt_id, closed_message(prompt, reason, context), final=True
        )

    async def _remind(self, record: ApprovalRecord, prompt: Prompt) -> None:
        """issue 16: remind the reviewers of a prompt pending too long (a few times at most),
        by DM and in the thread, saying how long it has waited. The count is the store's, and
        is taken before sending, so no restart or replica sends one twice."""
        now = self._clock()
        waited = (now - (prompt.created_at or record.created_at)).total_seconds()
        due = decision.reminder_due(
            record, waited=waited, every=self._reminder_after, limit=self._reminders, now=now
        )
        if not due or not await self._records.take_reminder(
            record.prompt_id, record.reminders_sent, now
        ):
            return
        context = await self._posting.context_of(record, prompt)
        message = reminder_message(prompt, decision.waited_text(waited), context)
        await self._posting.remind(record, message)

    async def _status_of(self, run_id: str) -> str | CallFailure:
        """The status of the run, or of the runbook session when the ID names one."""
        run = await attempt("read a run", self._airplane.get_run(run_id))
        if not isinstance(run, CallFailure):
            return run.status.value
        if run.status != 404:
            return run
        session = await attempt("read a session", self._airplane.get_session(run_id))
        return session if isinstance(session, CallFailure) else session.status.value


def _round_ended(troubles: Troubles, problems: Problems) -> None:
    """Log a round's new reasons for failing (and back off), or that upkeep works again."""
    if problems:
        troubles.failed_for(problems)
    else:
        troubles.recovered()

"""What a click, Airplane's answer to a claim and an upkeep round come to. Pure.

Each function takes what the I/O modules read (the store's record, Airplane's prompt, how
Airplane answered, the clock's now) and returns what to do and what the clicker is told;
`deciding.py` and `upkeep.py` carry it out. Nothing here calls Slack, Airplane or the store,
so every rule of approvals is tested without them (`tests/bot/approvals/test_decision.py`).

A click goes: `before_claim` (still waiting here and in Airplane?) -> `may_decide`
(`reviewers.py`) -> the values (`validate.py`) -> `claim_for` (the store's conditional UPDATE
picks one winner) -> Airplane's answer, read by `answer_of` -> `after_call`: settle, decided
elsewhere, release or keep the claim.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from airplane_api.models import Prompt, PromptState

from ..blocks.user_errors import (
    ANSWER_BEING_RECORDED,
    ANSWER_KEPT,
    PROMPT_NOT_WAITING,
    decided_elsewhere,
)
from ..people.labels import slack_label
from ..slack.mrkdwn import escape
from ..store.approvals import ApprovalRecord, ApprovalState, Claim
from .reviewers import Clicker, Intent
from .validate import CheckedValues

__all__ = [
    "AfterCall",
    "Answer",
    "CallFailure",
    "ClaimFate",
    "Outcome",
    "OutcomeKind",
    "Verdict",
    "after_call",
    "answer_of",
    "before_claim",
    "claim_for",
    "claims_to_replay",
    "decided_by",
    "elsewhere_note",
    "reminder_due",
    "waited_text",
]


class OutcomeKind(StrEnum):
    """What a click came to (the `outcome` label of `airplane_bot_approvals_total`)."""

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


# -- before the claim -----------------------------------------------------------------------


class Verdict(StrEnum):
    """What to do with a click once the record and Airplane's prompt are read."""

    PROCEED = "proceed"  # check the clicker and the values, then claim
    SETTLE = "settle"  # Airplane shows it decided: record that, rewrite every copy, stop
    STOP = "stop"  # nothing to do; tell the clicker


def before_claim(record: ApprovalRecord, prompt: Prompt) -> tuple[Verdict, Outcome | None]:
    """Is the prompt still waiting, both in Airplane and in the store?"""
    if prompt.state is not PromptState.PENDING:
        return Verdict.SETTLE, Outcome(OutcomeKind.ELSEWHERE, elsewhere_note(prompt))
    if record.state is ApprovalState.CLAIMED:
        return Verdict.STOP, Outcome(OutcomeKind.BUSY, ANSWER_BEING_RECORDED)
    if record.state is not ApprovalState.PENDING:
        return Verdict.STOP, Outcome(OutcomeKind.ELSEWHERE, PROMPT_NOT_WAITING)
    return Verdict.PROCEED, None


def claim_for(
    clicker: Clicker, intent: Intent, values: Mapping[str, Any], *, key: str, now: datetime
) -> Claim:
    """The claim a permitted click makes; `key` is also its Airplane Idempotency-Key."""
    return Claim(
        intent=intent.value,
        actor_id=clicker.user_id,
        actor_email=clicker.email,
        values=dict(values) if intent is Intent.APPROVE else {},
        key=key,
        claimed_at=now,
    )


# -- Airplane's answer to a claim -----------------------------------------------------------


@dataclass(frozen=True)
class CallFailure:
    """An Airplane call that did not succeed: its HTTP status (None: no answer at all, or the
    deadline ran out) and Airplane's error text."""

    status: int | None
    error: str


class Answer(StrEnum):
    """How Airplane answered `prompts/submit` or `prompts/cancel`."""

    ACCEPTED = "accepted"
    # 409, or 400 once the prompt is closed: someone may have decided first (or this claim,
    # replayed after a restart).
    CONFLICT = "conflict"
    REFUSED = "refused"  # any other 4xx: sending it again cannot help
    UNANSWERED = "unanswered"  # 5xx, no answer: the call may have landed


def answer_of(failure: CallFailure | None) -> Answer:
    """Classify a decision call's result (None: it succeeded)."""
    if failure is None:
        return Answer.ACCEPTED
    if failure.status is None or failure.status >= 500:
        return Answer.UNANSWERED
    if failure.status in (400, 409, 422):
        return Answer.CONFLICT
    return Answer.REFUSED


class ClaimFate(StrEnum):
    """What becomes of a claim after its Airplane call."""

    SETTLE = "settle"  # Airplane holds this claim's decision: record, audit, show it
    ELSEWHERE = "elsewhere"  # someone else's decision came first: show theirs
    RELEASE = "release"  # refused: give the claim back, so a corrected click can win
    KEEP = "keep"  # unknown whether it landed: upkeep replays it with the same key


@dataclass(frozen=True)
class AfterCall:
    """A claim's fate and what the clicker is told."""

    fate: ClaimFate
    outcome: Outcome


def needs_prompt(answer: Answer) -> bool:
    """Whether `after_call` needs the prompt read again from Airplane: to show the decision,
    or to tell whose decision a conflict was."""
    return answer in (Answer.ACCEPTED, Answer.CONFLICT)


def after_call(
    answer: Answer, claim: Claim, prompt: Prompt | None, *, error: str = ""
) -> AfterCall:
    """What a claim comes to, given Airplane's answer and (see `needs_prompt`) the prompt read
    after it; None when that read failed, so the claim is kept for upkeep to finish."""
    if answer is Answer.UNANSWERED or (needs_prompt(answer) and prompt is None):
        return AfterCall(ClaimFate.KEEP, Outcome(OutcomeKind.FAILED, ANSWER_KEPT))
    refused = AfterCall(
        ClaimFate.RELEASE,
        Outcome(OutcomeKind.FAILED, f"Airplane refused the answer: {escape(error)}"),
    )
    if answer is Answer.REFUSED or prompt is None:
        return refused
    if answer is Answer.CONFLICT:
        if prompt.state is PromptState.PENDING:
            return refused
        if not decided_by(prompt, claim):
            return AfterCall(
                ClaimFate.ELSEWHERE, Outcome(OutcomeKind.ELSEWHERE, elsewhere_note(prompt))
            )
    return AfterCall(ClaimFate.SETTLE, Outcome(OutcomeKind.DECIDED))


def decided_by(prompt: Prompt, claim: Claim) -> bool:
    """Whether Airplane's record of the decision is this claim's (a replay after a restart)."""
    actor = slack_label(claim.actor_id)
    if claim.intent == Intent.APPROVE:
        return prompt.state is PromptState.SUBMITTED and prompt.submitted_by == actor
    return prompt.state is PromptState.CANCELLED and prompt.cancelled_by == actor


def elsewhere_note(prompt: Prompt) -> str:
    """What a clicker is told when the prompt was decided before their click."""
    return decided_elsewhere(rejected=prompt.state is PromptState.CANCELLED)


# -- upkeep ---------------------------------------------------------------------------------


def claims_to_replay(
    records: Iterable[ApprovalRecord], *, now: datetime, older_than: float
) -> list[ApprovalRecord]:
    """Claimed records whose decision upkeep should send again. `older_than` seconds spares
    claims a click may still be working on (0: every claim, as at startup)."""
    cutoff = now - timedelta(seconds=older_than)
    return [
        record
        for record in records
        if record.claim is not None
        and not (older_than and record.claim.claimed_at and record.claim.claimed_at > cutoff)
    ]


def reminder_due(
    record: ApprovalRecord, *, waited: float, every: float, limit: int, now: datetime
) -> bool:
    """Whether a pending prompt that has waited `waited` seconds gets its next reminder: the
    n-th after n x `every`, at most `limit` in all, and never two within `every` (a replica
    that was down does not catch up with a burst)."""
    sent = record.reminders_sent
    if sent >= limit or waited < every * (sent + 1):
        return False
    if record.reminded_at is None:
        return True
    return (now - record.reminded_at).total_seconds() >= every


def waited_text(seconds: float) -> str:
    """How long a prompt has waited, as a reminder says it."""
    minutes = int(seconds // 60)
    if minutes < 60:
        return f"{minutes} min"
    return f"{minutes // 60} h {minutes % 60:02d} min"

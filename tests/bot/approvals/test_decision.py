"""Approvals' rules (`bot/approvals/decision.py`) without any I/O: no Slack, Airplane or store."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from bot.approvals.decision import (
    ANSWER_KEPT,
    Answer,
    CallFailure,
    ClaimFate,
    OutcomeKind,
    Verdict,
    after_call,
    answer_of,
    before_claim,
    claim_for,
    claims_to_replay,
    reminder_due,
    waited_text,
)
from bot.approvals.reviewers import Clicker, Intent
from bot.store.approvals import ApprovalRecord, ApprovalState, Claim

from .prompts import prompt

NOW = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
PENDING = prompt([])
SUBMITTED_BY_BOB = prompt([], submittedAt="2026-01-01T11:59:00Z", submittedBy="slack:UBOB")
CANCELLED_BY_API = prompt([], cancelledAt="2026-01-01T11:59:00Z", cancelledBy="api-script")
RECORD = ApprovalRecord("pmt1", "run1", "C1", "1.0", created_at=NOW)
BOB_APPROVES = Claim(intent="approve", actor_id="UBOB", key="k1", claimed_at=NOW)


def test_a_pending_prompt_proceeds_to_the_claim() -> None:
    assert before_claim(RECORD, PENDING) == (Verdict.PROCEED, None)


def test_a_prompt_decided_in_airplane_is_settled_and_the_clicker_told_so() -> None:
    verdict, outcome = before_claim(RECORD, CANCELLED_BY_API)
    assert verdict is Verdict.SETTLE
    assert outcome is not None
    assert outcome.kind is OutcomeKind.ELSEWHERE
    assert "already rejected" in outcome.message
    _, answered = before_claim(RECORD, SUBMITTED_BY_BOB)
    assert answered is not None
    assert "already answered" in answered.message


@pytest.mark.parametrize(
    ("state", "kind"),
    [(ApprovalState.CLAIMED, OutcomeKind.BUSY), (ApprovalState.CLOSED, OutcomeKind.ELSEWHERE)],
)
def test_a_prompt_claimed_or_closed_here_stops_the_click(
    state: ApprovalState, kind: OutcomeKind
) -> None:
    verdict, outcome = before_claim(replace(RECORD, state=state), PENDING)
    assert verdict is Verdict.STOP
    assert outcome is not None
    assert outcome.kind is kind


def test_a_rejection_claims_no_values() -> None:
    values = {"code": "ABC"}
    approve = claim_for(Clicker("U1", "a@x"), Intent.APPROVE, values, key="k", now=NOW)
    reject = claim_for(Clicker("U1"), Intent.REJECT, values, key="k", now=NOW)
    assert (approve.values, approve.actor_email, approve.claimed_at) == (values, "a@x", NOW)
    assert reject.values == {}


@pytest.mark.parametrize(
    ("failure", "answer"),
    [
        (None, Answer.ACCEPTED),
        (CallFailure(409, "conflict"), Answer.CONFLICT),
        (CallFailure(400, "prompt already completed"), Answer.CONFLICT),
        (CallFailure(403, "forbidden"), Answer.REFUSED),
        (CallFailure(404, "not found"), Answer.REFUSED),
        (CallFailure(500, "boom"), Answer.UNANSWERED),
        (CallFailure(503, "down"), Answer.UNANSWERED),
        (CallFailure(None, "no answer"), Answer.UNANSWERED),
    ],
)
def test_airplane_answers_are_classified(failure: CallFailure | None, answer: Answer) -> None:
    assert answer_of(failure) is answer


def test_an_accepted_decision_is_settled() -> None:
    after = after_call(Answer.ACCEPTED, BOB_APPROVES, SUBMITTED_BY_BOB)
    assert (after.fate, after.outcome.kind) == (ClaimFate.SETTLE, OutcomeKind.DECIDED)


def test_no_answer_keeps_the_claim_for_a_replay_with_the_same_key() -> None:
    after = after_call(Answer.UNANSWERED, BOB_APPROVES, None)
    assert (after.fate, after.outcome.message) == (ClaimFate.KEEP, ANSWER_KEPT)
    # Accepted, but the prompt could not be read back to show it: keep, upkeep finishes it.
    assert after_call(Answer.ACCEPTED, BOB_APPROVES, None).fate is ClaimFate.KEEP


def test_a_refusal_releases_the_claim_and_says_why() -> None:
    after = after_call(Answer.REFUSED, BOB_APPROVES, None, error="forbidden")
    assert after.fate is ClaimFate.RELEASE
    assert after.outcome.message == "Airplane refused the answer: forbidden"
    # A conflict while the prompt still waits is a refusal too (a value Airplane rejects).
    pending = after_call(Answer.CONFLICT, BOB_APPROVES, PENDING, error="bad value")
    assert pending.fate is ClaimFate.RELEASE


def test_a_conflict_with_someone_elses_decision_is_decided_elsewhere() -> None:
    after = after_call(Answer.CONFLICT, BOB_APPROVES, CANCELLED_BY_API)
    assert (after.fate, after.outcome.kind) == (ClaimFate.ELSEWHERE, OutcomeKind.ELSEWHERE)
    carol = replace(BOB_APPROVES, actor_id="UCAROL")
    assert after_call(Answer.CONFLICT, carol, SUBMITTED_BY_BOB).fate is ClaimFate.ELSEWHERE


def test_a_conflict_with_this_claims_own_decision_is_a_replay_and_settles() -> None:
    after = after_call(Answer.CONFLICT, BOB_APPROVES, SUBMITTED_BY_BOB)
    assert after.fate is ClaimFate.SETTLE
    # The same person, but rejecting, is not this claim's decision.
    rejects = replace(BOB_APPROVES, intent="reject")
    assert after_call(Answer.CONFLICT, rejects, SUBMITTED_BY_BOB).fate is ClaimFate.ELSEWHERE


def test_only_claims_older_than_a_round_are_replayed() -> None:
    fresh = replace(RECORD, prompt_id="fresh", claim=replace(BOB_APPROVES, claimed_at=NOW))
    old = replace(
        RECORD, prompt_id="old", claim=replace(BOB_APPROVES, claimed_at=NOW - timedelta(hours=1))
    )
    unclaimed = replace(RECORD, prompt_id="none")
    records = [fresh, old, unclaimed]
    later = NOW + timedelta(seconds=10)
    assert [r.prompt_id for r in claims_to_replay(records, now=later, older_than=30)] == ["old"]
    assert [r.prompt_id for r in claims_to_replay(records, now=later, older_than=0)] == [
        "fresh",
        "old",
    ]


EVERY = 30 * 60.0


@pytest.mark.parametrize(
    ("sent", "waited_min", "since_last_min", "due"),
    [
        (0, 29, None, False),  # not yet
        (0, 30, None, True),  # the first
        (1, 59, 29, False),  # the second comes after 2 x 30 min
        (1, 60, 30, True),
        (1, 120, 5, False),  # late (a replica was down): still not two within 30 min
        (2, 200, 100, True),
        (3, 500, 100, False),  # the limit
    ],
)
def test_reminders_are_due_after_each_period_up_to_the_limit(
    sent: int, waited_min: float, since_last_min: float | None, due: bool
) -> None:
    reminded_at = None if since_last_min is None else NOW - timedelta(minutes=since_last_min)
    record = replace(RECORD, reminders_sent=sent, reminded_at=reminded_at)
    assert reminder_due(record, waited=waited_min * 60, every=EVERY, limit=3, now=NOW) is due


def test_waited_reads_in_minutes_then_hours() -> None:
    assert [waited_text(s) for s in (59, 30 * 60, 3600 + 5 * 60)] == [
        "0 min",
        "30 min",
        "1 h 05 min",
    ]

"""Who may decide a prompt: pure decisions over the prompt's reviewers and what Slack knows.

Airplane names reviewers as user emails and group slugs, plus `allowSelfApprovals`. The bot
knows a clicker's Slack ID and, through `users.info`, their profile email; the policy file maps
reviewer groups to Slack user IDs; the store (or the run's `createdBy: slack:<USERID>`) says who
started the run. With no reviewer named, anyone who can see the message may decide.

Rejecting is held to the same reviewers, but self-approval only forbids approving: whoever
started a run may always stop it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from airplane_api.models import Reviewers

from ..people.labels import slack_user

__all__ = [
    "Clicker",
    "Intent",
    "ReviewDecision",
    "may_decide",
    "requester_of",
    "reviewer_emails",
    "reviewer_slack_users",
]


class Intent(StrEnum):
    """What the clicker wants to do with the prompt."""

    APPROVE = "approve"
    REJECT = "reject"


@dataclass(frozen=True)
class Clicker:
    """The Slack user who clicked, with the profile email Slack gave (may be unknown)."""

    user_id: str
    email: str | None = None


@dataclass(frozen=True)
class ReviewDecision:
    """Allowed or not, and why: shown to a refused user, written to the audit log."""

    allowed: bool
    reason: str


def requester_of(*, started_by_slack_user: str | None, created_by: str) -> str | None:
    """The Slack user who started the run: the store's record first, else `createdBy`."""
    return started_by_slack_user or slack_user(created_by)


def _normal_email(email: str) -> str:
    return email.strip().lower()


def reviewer_emails(reviewers: Reviewers) -> frozenset[str]:
    """The reviewer emails, normalised for comparison with Slack profile emails."""
    return frozenset(_normal_email(email) for email in reviewers.users if email.strip())


def reviewer_slack_users(
    reviewers: Reviewers,
    *,
    users_by_email: Mapping[str, str],
    group_members: Mapping[str, Iterable[str]],
) -> frozenset[str]:
    """Every Slack user the reviewers name: emails found in Slack, members of mapped groups."""
    found = {
        users_by_email[email] for email in reviewer_emails(reviewers) if email in users_by_email
    }
    for group in reviewers.groups:
        found.update(group_members.get(group, ()))
    return frozenset(found)


def may_decide(
    reviewers: Reviewers,
    clicker: Clicker,
    intent: Intent,
    *,
    requester: str | None,
    group_members: Mapping[str, Iterable[str]],
) -> ReviewDecision:
    """May `clicker` approve or reject a prompt with these `reviewers`?"""
    if (
        intent is Intent.APPROVE
        and not reviewers.allow_self_approvals
        and requester is not None
        and requester == clicker.user_id
    ):
        return ReviewDecision(
            False, "you started this run and the prompt does not allow self-approval"
        )
    if reviewers.anyone:
        return ReviewDecision(True, "the prompt names no reviewers")
    email = _normal_email(clicker.email) if clicker.email else None
    if email is not None and email in reviewer_emails(reviewers):
        return ReviewDecision(True, f"{email} is a reviewer")
    for group in reviewers.groups:
        if clicker.user_id in set(group_members.get(group, ())):
            return ReviewDecision(True, f"member of reviewer group {group}")
    named = ", ".join([*reviewers.users, *(f"group {g}" for g in reviewers.groups)])
    if email is None and reviewers.users:
        return ReviewDecision(
            False, f"only the prompt's reviewers may decide ({named}); Slack shows no email for you"
        )
    return ReviewDecision(False, f"only the prompt's reviewers may decide ({named})")

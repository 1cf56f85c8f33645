"""Who may decide a prompt: reviewers by email and group, and the self-approval rule."""

from __future__ import annotations

from airplane_api.models import Reviewers
from bot.approvals import (
    Clicker,
    Intent,
    may_decide,
    requester_of,
    reviewer_slack_users,
)

GROUPS = {"ops": frozenset({"U0OPS"})}


def _reviewers(**fields: object) -> Reviewers:
    return Reviewers.model_validate(fields)


def test_anyone_may_decide_when_no_reviewer_is_named() -> None:
    """No users and no groups: anyone may approve."""
    decision = may_decide(
        _reviewers(), Clicker("U1"), Intent.APPROVE, requester=None, group_members=GROUPS
    )
    assert decision.allowed


def test_listed_email_matches_case_insensitively() -> None:
    """A reviewer email matches the Slack profile email whatever its case."""
    reviewers = _reviewers(users=["Alice@Example.com"])
    clicker = Clicker("U1", email="alice@example.COM ")
    assert may_decide(reviewers, clicker, Intent.APPROVE, requester=None, group_members={}).allowed


def test_group_member_may_decide_through_the_policy_mapping() -> None:
    """Members of a reviewer group, as the policy maps it, may decide."""
    reviewers = _reviewers(groups=["ops"])
    decision = may_decide(
        reviewers, Clicker("U0OPS"), Intent.REJECT, requester=None, group_members=GROUPS
    )
    assert decision.allowed
    assert "ops" in decision.reason


def test_others_are_refused_with_the_reviewers_named() -> None:
    """Someone neither listed nor in a group is refused, approve or reject."""
    reviewers = _reviewers(users=["a@x.io"], groups=["ops"])
    for intent in Intent:
        decision = may_decide(
            reviewers, Clicker("U9", email="z@x.io"), intent, requester=None, group_members=GROUPS
        )
        assert not decision.allowed
        assert "a@x.io" in decision.reason
        assert "group ops" in decision.reason


def test_unknown_email_is_explained() -> None:
    """When Slack gives no email for the clicker, the refusal says so."""
    decision = may_decide(
        _reviewers(users=["a@x.io"]),
        Clicker("U9"),
        Intent.APPROVE,
        requester=None,
        group_members={},
    )
    assert not decision.allowed
    assert "no email" in decision.reason


def test_requester_may_not_approve_without_self_approval() -> None:
    """allowSelfApprovals=false: whoever started the run may not approve, even as a reviewer."""
    reviewers = _reviewers(users=["a@x.io"], allowSelfApprovals=False)
    clicker = Clicker("U1", email="a@x.io")
    decision = may_decide(reviewers, clicker, Intent.APPROVE, requester="U1", group_members={})
    assert not decision.allowed
    assert "self-approval" in decision.reason


def test_requester_may_still_reject_without_self_approval() -> None:
    """Self-approval only forbids approving; the requester may stop their own run."""
    reviewers = _reviewers(users=["a@x.io"], allowSelfApprovals=False)
    clicker = Clicker("U1", email="a@x.io")
    assert may_decide(reviewers, clicker, Intent.REJECT, requester="U1", group_members={}).allowed


def test_self_approval_applies_with_no_reviewers_named() -> None:
    """Even when anyone may answer, the requester may not approve when self-approval is off."""
    reviewers = _reviewers(allowSelfApprovals=False)
    assert not may_decide(
        reviewers, Clicker("U1"), Intent.APPROVE, requester="U1", group_members={}
    ).allowed
    assert may_decide(
        reviewers, Clicker("U2"), Intent.APPROVE, requester="U1", group_members={}
    ).allowed


def test_requester_comes_from_the_store_then_created_by() -> None:
    """The store's record wins; else a `slack:<USERID>` createdBy; else unknown."""
    assert requester_of(started_by_slack_user="U1", created_by="slack:U2") == "U1"
    assert requester_of(started_by_slack_user=None, created_by="slack:U2") == "U2"
    assert requester_of(started_by_slack_user=None, created_by="usr123") is None


def test_reviewer_slack_users_come_from_emails_and_groups() -> None:
    """DM targets: reviewer emails found in Slack plus the mapped group members."""
    reviewers = _reviewers(users=["A@x.io", "gone@x.io"], groups=["ops", "unmapped"])
    users = reviewer_slack_users(reviewers, users_by_email={"a@x.io": "U0A"}, group_members=GROUPS)
    assert users == frozenset({"U0A", "U0OPS"})

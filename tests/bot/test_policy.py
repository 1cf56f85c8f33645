"""Policy decisions and the policy file format."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.blocks.user_errors import not_allowed
from bot.core.kinds import Kind
from bot.people.policy import Policy, PolicyError, Requester, WhoMay, load_policy, parse_policy

POLICY = yaml.safe_load(
    """
groups:
  oncall: [U_ON]
rules:
  - tasks: ["hello", "inventory*"]
  - tasks: ["deploy*"]
    runbooks: ["release"]
    groups: [oncall, S_SLACKGROUP]
    channels: [C_OPS]
    users: [U_BOSS]
reviewer_groups:
  ops: [U_ON, U_BOSS]
"""
)


def test_no_file_allows_everything() -> None:
    """Without a policy every request is allowed, and the policy says it is unconfigured."""
    policy = load_policy(None)
    assert not policy.configured
    assert policy.decide(Requester("U1"), Kind.RUN, "anything").allowed


@pytest.mark.parametrize(
    ("requester", "kind", "slug", "allowed"),
    [
        (Requester("U_ANY"), Kind.RUN, "hello", True),
        (Requester("U_ANY"), Kind.RUN, "inventory_list", True),
        (Requester("U_ANY", "C_GEN"), Kind.RUN, "deploy", False),
        (Requester("U_ANY", "C_OPS"), Kind.RUN, "deploy_web", True),
        (Requester("U_ON", "C_GEN"), Kind.SESSION, "release", True),
        (Requester("U_BOSS"), Kind.SESSION, "release", True),
        (
            Requester("U_X", slack_groups=frozenset({"S_SLACKGROUP"})),
            Kind.RUN,
            "deploy",
            True,
        ),
        (Requester("U_BOSS"), Kind.SESSION, "hello", False),
        (Requester("U_BOSS"), Kind.RUN, "unknown", False),
    ],
)
def test_rules_match_targets_and_subjects(
    requester: Requester, kind: Kind, slug: str, allowed: bool
) -> None:
    """A rule grants when a target glob and a subject (user, group, channel) match."""
    decision = parse_policy(POLICY).decide(requester, kind, slug)
    assert decision.allowed is allowed
    if not allowed:
        assert slug in decision.reason


def test_groups_and_reviewers() -> None:
    """Undefined group names are Slack user group IDs; reviewer groups map to users."""
    policy = parse_policy(POLICY)
    assert policy.slack_group_ids() == frozenset({"S_SLACKGROUP"})
    assert policy.reviewer_groups == {"ops": frozenset({"U_ON", "U_BOSS"})}


def test_explicit_default_allow() -> None:
    """`default: allow` lets through what no rule matches."""
    policy = parse_policy({"default": "allow", "rules": [{"tasks": ["x"], "users": ["U1"]}]})
    assert policy.decide(Requester("U2"), Kind.RUN, "x").allowed


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([1], "must be a mapping"),
        ({"rule": []}, "unknown keys: rule"),
        ({"default": "maybe"}, "allow or deny"),
        ({"rules": [{"tasks": "x", "user": ["U"]}]}, r"rules\[1\]: unknown keys: user"),
        ({"rules": [{"tasks": [1]}]}, r"rules\[1\].tasks"),
        ({"reviewer_groups": ["ops"]}, "reviewer_groups"),
    ],
)
def test_bad_files_say_where(data: object, message: str) -> None:
    """Invalid policies raise PolicyError naming the offending key."""
    with pytest.raises(PolicyError, match=message):
        parse_policy(data)


def test_unreadable_file(tmp_path: Path) -> None:
    """A missing file and broken YAML are PolicyErrors, not tracebacks."""
    with pytest.raises(PolicyError, match="cannot read"):
        load_policy(tmp_path / "none.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("rules: [")
    with pytest.raises(PolicyError, match="not valid YAML"):
        load_policy(bad)
    assert Policy().decide(Requester("U"), Kind.SESSION, "r").allowed


def test_a_refusal_says_who_may_and_where() -> None:
    """A refused user learns where it may run and whom to ask (policy groups as their
    members, Slack groups as themselves); a target no rule names says who can change that."""
    policy = parse_policy(POLICY)
    decision = policy.decide(Requester("U_ALICE", "C_GENERAL"), Kind.RUN, "deploy-api")
    assert not decision.allowed
    assert decision.who_may == WhoMay(("U_BOSS", "U_ON"), ("C_OPS",), ("S_SLACKGROUP",))
    text = not_allowed(decision.reason, decision.who_may)
    assert text == (
        ":no_entry: Not allowed: the policy does not let you run task `deploy-api` here. "
        "Run it in <#C_OPS> or ask <@U_BOSS>, <@U_ON>, <!subteam^S_SLACKGROUP>, who may run it."
    )
    nobody = policy.decide(Requester("U_ALICE"), Kind.RUN, "drop-db")
    assert nobody.who_may == WhoMay()
    assert "ask whoever runs the bot" in not_allowed(nobody.reason, nobody.who_may)

"""Who may run which tasks and runbooks, from a YAML file (`BOT_POLICY`). Pure decisions.

    default: deny            # what happens when no rule matches (allow when there is no file)
    groups:                  # named groups of Slack users, usable in rules
      oncall: [U0123ABC, U0456DEF]
    rules:
      - tasks: ["hello", "inventory*"]   # globs over task slugs
        runbooks: []                     # globs over runbook slugs
        users: ["*"]                     # Slack user IDs (or "*")
      - tasks: ["deploy*"]
        runbooks: ["release"]
        groups: [oncall]                 # policy groups or Slack user group IDs (S...)
        channels: [C0OPS]                # ... or anyone in these channels
    reviewer_groups:                     # Airplane prompt reviewer groups -> Slack users or
      ops: [U0123ABC, S0456GHI]          #   Slack user groups (S...), read when a prompt shows

A rule grants a request when one of its target globs matches and the requester matches one of
its subjects (user, group or channel); a rule with no subjects matches everyone.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

import yaml

from ..core.errors import PolicyError
from ..core.kinds import Kind

__all__ = [
    "Decision",
    "Policy",
    "PolicyError",
    "PolicyRule",
    "Requester",
    "WhoMay",
    "load_policy",
    "parse_policy",
]


@dataclass(frozen=True)
class Requester:
    """Who asks, where: a Slack user, the Slack user groups they belong to, a channel."""

    user_id: str
    channel_id: str | None = None
    slack_groups: frozenset[str] = frozenset()


@dataclass(frozen=True)
class PolicyRule:
    """Targets (globs) and subjects; see the module docstring."""

    tasks: tuple[str, ...] = ()
    runbooks: tuple[str, ...] = ()
    users: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()
    channels: tuple[str, ...] = ()

    def targets(self, kind: Kind) -> tuple[str, ...]:
        """The globs for `kind`."""
        return self.tasks if kind is Kind.RUN else self.runbooks

    @property
    def has_subjects(self) -> bool:
        """False when the rule applies to everyone."""
        return bool(self.users or self.groups or self.channels)


@dataclass(frozen=True)
class WhoMay:
    """Who the rules for a target let start it: the refused user's next step (ask one of them,
    or go to one of the channels). Slack IDs; `groups` are policy groups' members flattened,
    `slack_groups` Slack user group IDs. All empty: no rule names the target."""

    users: tuple[str, ...] = ()
    channels: tuple[str, ...] = ()
    slack_groups: tuple[str, ...] = ()


@dataclass(frozen=True)
class Decision:
    """Allowed or not, and why (shown to a refused user and written to the audit log); a
    refusal says who may instead."""

    allowed: bool
    reason: str
    who_may: WhoMay = field(default_factory=WhoMay)


@dataclass(frozen=True)
class Policy:
    """The parsed policy; `Policy()` allows everything (no file configured)."""

    rules: tuple[PolicyRule, ...] = ()
    default_allow: bool = True
    groups: Mapping[str, frozenset[str]] = field(default_factory=dict)
    reviewer_groups: Mapping[str, frozenset[str]] = field(default_factory=dict)
    configured: bool = False

    def decide(self, requester: Requester, kind: Kind, slug: str) -> Decision:
        """May `requester` start the task or runbook `slug`?"""
        for index, rule in enumerate(self.rules, start=1):
            if not any(fnmatchcase(slug, pattern) for pattern in rule.targets(kind)):
                continue
            if self._subject_matches(rule, requester):
                return Decision(True, f"allowed by rule {index}")
        if self.default_allow:
            reason = "no policy file" if not self.configured else "allowed by default"
            return Decision(True, reason)
        reason = f"the policy does not let you run {kind.target} `{slug}` here"
        return Decision(False, reason, self.who_may(kind, slug))

    def who_may(self, kind: Kind, slug: str) -> WhoMay:
        """Everyone and every channel the rules for `slug` name, in the file's order."""
        users: dict[str, None] = {}
        channels: dict[str, None] = {}
        slack_groups: dict[str, None] = {}
        for rule in self.rules:
            if not any(fnmatchcase(slug, pattern) for pattern in rule.targets(kind)):
                continue
            users.update((user, None) for user in rule.users if user != "*")
            channels.update((channel, None) for channel in rule.channels)
            for group in rule.groups:
                if group in self.groups:
                    users.update((user, None) for user in sorted(self.groups[group]))
                else:
                    slack_groups[group] = None
        return WhoMay(tuple(users), tuple(channels), tuple(slack_groups))

    def _subject_matches(self, rule: PolicyRule, requester: Requester) -> bool:
        if not rule.has_subjects:
            return True
        if "*" in rule.users or requester.user_id in rule.users:
            return True
        if requester.channel_id and requester.channel_id in rule.channels:
            return True
        for group in rule.groups:
            if group in requester.slack_groups:
                return True
            if requester.user_id in self.groups.get(group, frozenset()):
                return True
        return False

    def slack_group_ids(self) -> frozenset[str]:
        """Group names used in rules that are not defined in the file: Slack user group IDs."""
        used = {group for rule in self.rules for group in rule.groups}
        return frozenset(used - set(self.groups))


def _strings(value: Any, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if isinstance(value, Sequence) and all(isinstance(item, str) for item in value):
        return tuple(value)
    raise PolicyError(f"{where}: expected a list of strings")


def _group_map(value: Any, where: str) -> dict[str, frozenset[str]]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise PolicyError(f"{where}: expected a mapping of name -> list of Slack user IDs")
    return {
        str(name): frozenset(_strings(users, f"{where}.{name}")) for name, users in value.items()
    }


_RULE_KEYS = frozenset({"tasks", "runbooks", "users", "groups", "channels"})
_TOP_KEYS = frozenset({"default", "rules", "groups", "reviewer_groups"})


def parse_policy(data: Any) -> Policy:
    """A policy from the parsed YAML document; raises `PolicyError` naming what is wrong."""
    if data is None:
        data = {}
    if not isinstance(data, Mapping):
        raise PolicyError("the policy must be a mapping")
    unknown = set(data) - _TOP_KEYS
    if unknown:
        raise PolicyError(f"unknown keys: {', '.join(sorted(map(str, unknown)))}")
    default = data.get("default", "deny" if data.get("rules") else "allow")
    if default not in ("allow", "deny"):
        raise PolicyError("default: expected allow or deny")
    raw_rules = data.get("rules") or []
    if not isinstance(raw_rules, list):
        raise PolicyError("rules: expected a list")
    rules = []
    for index, raw in enumerate(raw_rules, start=1):
        where = f"rules[{index}]"
        if not isinstance(raw, Mapping):
            raise PolicyError(f"{where}: expected a mapping")
        extra = set(raw) - _RULE_KEYS
        if extra:
            raise PolicyError(f"{where}: unknown keys: {', '.join(sorted(map(str, extra)))}")
        rules.append(
            PolicyRule(**{key: _strings(raw.get(key), f"{where}.{key}") for key in _RULE_KEYS})
        )
    return Policy(
        rules=tuple(rules),
        default_allow=default == "allow",
        groups=_group_map(data.get("groups"), "groups"),
        reviewer_groups=_group_map(data.get("reviewer_groups"), "reviewer_groups"),
        configured=True,
    )


def load_policy(path: str | Path | None) -> Policy:
    """The policy in `path`; allow-all when no path is configured."""
    if not path:
        return Policy()
    try:
        text = Path(path).read_text(encoding="utf-8")
        return parse_policy(yaml.safe_load(text))
    except OSError as exc:
        raise PolicyError(f"cannot read policy file {path}: {exc.strerror}") from exc
    except yaml.YAMLError as exc:
        raise PolicyError(f"policy file {path} is not valid YAML: {exc}") from exc

"""Who someone is: the label the bot acts for, and how a Slack message shows a label.

`slack_label(user_id)` is the one way the bot names a Slack user to Airplane (`slack:U…`, sent
as `X-Airplane-Acting-For`), and `slack_user(label)` the one way it reads such a label back.
Runs, prompts and decisions name people by label: `slack:U…` (the bot acted for them), an
Airplane user ID (`usr…`, someone in the Airplane app or the API) or, for reviewers, an email.
`users/get` and Slack's `users.lookupByEmail` turn the last two into a mention or a name. What
a label reads as is kept 10 minutes (`PEOPLE_TTL`, a miss too; `foundation.cache`), so a run's
every edit costs no lookup after the first, and the Slack reads themselves are cached and
shared process-wide (`bot/slack/reads.py`).
A reviewer group (`group:<slug>`) reads as its members' mentions when approvals can name them
(`bot/approvals/groups.py`, which keeps its own short-lived cache), else as the group's name.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable, Mapping
from functools import partial

from slack_sdk.web.async_client import AsyncWebClient

from airplane_api.models import User
from foundation.cache import CoalescingCache

from ..core.errors import SlackRefused
from ..slack.mrkdwn import escape
from ..slack.reads import PEOPLE_MAXSIZE, PEOPLE_TTL, reads_of

log = logging.getLogger(__name__)

SLACK_PREFIX = "slack:"

GetUser = Callable[[str], Awaitable[User]]
SlackUserOf = Callable[[str], Awaitable[str | None]]
GroupMembers = Callable[[str], Awaitable[frozenset[str] | None]]
GROUP_PREFIX = "group:"


def slack_label(user_id: str) -> str:
    """The acting-for label of a Slack user: what Airplane records as `createdBy`,
    `submittedBy` or `cancelledBy` when the bot acts for them."""
    return f"{SLACK_PREFIX}{user_id}"


def slack_user(label: str) -> str | None:
    """The Slack user ID a label stands for (`slack:U…` or a bare `U…`/`W…` ID), else None."""
    user = label.removeprefix(SLACK_PREFIX)
    if user[:1] in ("U", "W") and user.isalnum() and user.isupper():
        return user
    return None


def person(label: str, names: Mapping[str, str]) -> str:
    """How `label` reads in mrkdwn: a resolved name or mention, else the label itself (escaped:
    a label comes from Airplane)."""
    if label in names:
        return names[label]
    if label.startswith("group:"):
        return f"group `{escape(label.removeprefix('group:'))}`"
    user = slack_user(label)
    if user is not None:
        return f"<@{user}>"
    return escape(label) or "someone"


async def slack_email(slack: AsyncWebClient, user_id: str) -> str | None:
    """A Slack user's profile email (`users.info`, cached: `bot/slack/reads.py`), when the bot
    may read it: sent with the acting-for label, and how a clicker is matched to a prompt's
    reviewers. A refusal (not cached) means no email; Slack unreachable is raised."""
    try:
        return await reads_of(slack).email_of(user_id)
    except SlackRefused as refused:
        log.info("no email for %s: %s", user_id, refused.code)
        return None


class People:
    """Labels to mentions or names, through Airplane's `users/get` and Slack's email lookup."""

    def __init__(
        self,
        get_user: GetUser | None,
        slack_user_of: SlackUserOf | None,
        group_members: GroupMembers | None = None,
    ) -> None:
        self._get_user = get_user
        self._slack_user_of = slack_user_of
        self._group_members = group_members
        # label -> how it reads; `_resolve` never raises, so every answer is kept.
        self._known: CoalescingCache[str, str] = CoalescingCache(
            maxsize=PEOPLE_MAXSIZE, ttl=PEOPLE_TTL
        )

    async def names(self, labels: Iterable[str]) -> dict[str, str]:
        """The text to show for each label that needs a lookup (the rest show as they are)."""
        found: dict[str, str] = {}
        for label in labels:
            if label.startswith(GROUP_PREFIX):
                members = await self._members(label.removeprefix(GROUP_PREFIX))
                if members:
                    found[label] = members
                continue
            if not label or slack_user(label) is not None:
                continue
            found[label] = await self._known.get(label, partial(self._resolve, label))
        return found

    async def _members(self, group: str) -> str:
        """A reviewer group's members as mentions, or "" when they cannot be named."""
        if self._group_members is None:
            return ""
        try:
            members = await self._group_members(group)
        except Exception as error:  # a mention is a nicety: the group's name still says who
            log.info("members of reviewer group %s unknown: %s", group, type(error).__name__)
            return ""
        return ", ".join(f"<@{user}>" for user in sorted(members or ()))

    async def _resolve(self, label: str) -> str:
        """A mention, or the name Airplane gives (mrkdwn: escaped, as it is someone's text)."""
        if "@" in label:
            return await self._by_email(label) or escape(label)
        if self._get_user is None:
            return escape(label)
        try:
            user = await self._get_user(label)
        except Exception as error:  # a name is a nicety: the ID still says who
            log.info("users/get %s failed: %s", label, type(error).__name__)
            return escape(label)
        if user.email:
            mention = await self._by_email(user.email)
            if mention:
                return mention
        return escape(user.name or user.email or label)

    async def _by_email(self, email: str) -> str | None:
        if self._slack_user_of is None:
            return None
        try:
            user = await self._slack_user_of(email)
        except Exception as error:
            log.info("slack lookup of a reviewer failed: %s", type(error).__name__)
            return None
        return f"<@{user}>" if user else None


def actor_mention(actor: str) -> str:
    """How a submitter/canceller reads in mrkdwn: a mention for Slack users, else the label."""
    user = slack_user(actor)
    if user is not None:
        return f"<@{user}>"
    return f"`{escape(actor)}`" if actor else "someone outside Slack"

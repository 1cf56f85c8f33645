"""`SlackReads`: the Slack Web API reads the bot repeats, each cached and coalesced.

Slack limits each method per workspace: `users.info` to 100 calls a minute (Tier 4),
`users.lookupByEmail` and `conversations.open` to 50 (Tier 3), `usergroups.users.list` to 20
(Tier 2). Every command asks who its sender is (`users.info`, for the acting-for email) and
which policy user groups they are in; every prompt DMs its reviewers. Without a cache a burst
of commands would spend the workspace's whole minute on the same answers. Each read here is a
`foundation.cache.CoalescingCache`: kept for its TTL, and asked of Slack once however many
callers want it at the same moment.

A refusal (a 429, a missing scope) raises the bot's `SlackError` and is not cached; "no such
user" is an answer (None) and is. There is one `SlackReads` per Web API client (`reads_of`):
a client carries one bot token, so its caches are one workspace's (the bot serves one; were
it to serve several through one client, the keys would need the team ID).
"""

from __future__ import annotations

import time
import weakref
from collections.abc import Callable

from slack_sdk.web.async_client import AsyncWebClient

from foundation.cache import CoalescingCache

from ..core.errors import SlackRefused
from .errors import slack_call

__all__ = [
    "DM_MAXSIZE",
    "DM_TTL",
    "GROUP_MAXSIZE",
    "GROUP_TTL",
    "PEOPLE_MAXSIZE",
    "PEOPLE_TTL",
    "SlackReads",
    "reads_of",
]

# Who someone is (profile email, the Slack user of an email) changes rarely, and a wrong answer
# only shows a name instead of a mention or sends Airplane an old email: 10 minutes.
PEOPLE_TTL = 10 * 60.0
# Entries are a few hundred bytes; this covers every active user of a large workspace.
PEOPLE_MAXSIZE = 5_000
# Who is in a user group decides who may run what: someone removed from a group keeps its rights
# at most this long. 10 minutes, and a policy names only a handful of groups.
GROUP_TTL = 10 * 60.0
GROUP_MAXSIZE = 256
# A user's DM channel with the bot never changes; the hour only bounds how long a leaver's stays.
DM_TTL = 60 * 60.0
DM_MAXSIZE = 5_000

# Slack's codes for "there is no such user": an answer, cached like any other.
_NO_USER = frozenset({"user_not_found", "users_not_found"})


class SlackReads:
    """Cached, coalesced reads through one Web API client."""

    def __init__(
        self, client: AsyncWebClient, *, timer: Callable[[], float] = time.monotonic
    ) -> None:
        self._client = client
        self._emails: CoalescingCache[str, str | None] = CoalescingCache(
            maxsize=PEOPLE_MAXSIZE, ttl=PEOPLE_TTL, timer=timer
        )
        self._users: CoalescingCache[str, str | None] = CoalescingCache(
            maxsize=PEOPLE_MAXSIZE, ttl=PEOPLE_TTL, timer=timer
        )
        self._groups: CoalescingCache[str, frozenset[str]] = CoalescingCache(
            maxsize=GROUP_MAXSIZE, ttl=GROUP_TTL, timer=timer
        )
        self._dms: CoalescingCache[str, str] = CoalescingCache(
            maxsize=DM_MAXSIZE, ttl=DM_TTL, timer=timer
        )

    async def email_of(self, user_id: str) -> str | None:
        """A user's profile email (`users.info`), None when Slack shows none or has no such
        user (the bot may lack `users:read.email`)."""

        async def load() -> str | None:
            try:
                answer = await slack_call(self._client.users_info(user=user_id))
            except SlackRefused as refused:
                if refused.code in _NO_USER:
                    return None
                raise
            user = answer.get("user")
            profile = user.get("profile") if isinstance(user, dict) else None
            email = profile.get("email") if isinstance(profile, dict) else None
            return email.strip() or None if isinstance(email, str) else None

        return await self._emails.get(user_id, load)

    async def user_of(self, email: str) -> str | None:
        """The Slack user whose profile email is `email` (`users.lookupByEmail`), or None."""
        key = email.strip().lower()

        async def load() -> str | None:
            try:
                answer = await slack_call(self._client.users_lookupByEmail(email=key))
            except SlackRefused as refused:
                if refused.code in _NO_USER:
                    return None
                raise
            return str((answer.get("user") or {}).get("id") or "") or None

        return await self._users.get(key, load)

    async def usergroup_members(self, group_id: str) -> frozenset[str]:
        """The members of a Slack user group (`S…`, `usergroups.users.list`)."""

        async def load() -> frozenset[str]:
            answer = await slack_call(self._client.usergroups_users_list(usergroup=group_id))
            return frozenset(str(user) for user in answer.get("users") or [])

        return await self._groups.get(group_id, load)

    async def dm_channel(self, user_id: str) -> str:
        """The ID of the bot's DM channel with a user (`conversations.open`)."""

        async def load() -> str:
            answer = await slack_call(self._client.conversations_open(users=user_id))
            return str(answer["channel"]["id"])

        return await self._dms.get(user_id, load)


_READS: weakref.WeakKeyDictionary[AsyncWebClient, SlackReads] = weakref.WeakKeyDictionary()


def reads_of(client: AsyncWebClient) -> SlackReads:
    """The one `SlackReads` of `client`: every caller with the same client shares its caches
    (launch, cancel, approvals, the tracker's DMs), without passing it through each."""
    reads = _READS.get(client)
    if reads is None:
        reads = _READS[client] = SlackReads(client)
    return reads

"""Who is in an Airplane reviewer group, as Slack users: the policy's `reviewer_groups`.

The policy maps a group slug to Slack user IDs and Slack user groups (`S…` IDs); a user group is
read through `usergroups.users.list`, so its members follow Slack without editing the policy.
Answers are kept for `ttl` seconds (membership changes, but not between two edits of a
message; 10 minutes, `bot/slack/reads.py`'s `GROUP_TTL`), an unreadable user group's too, and
concurrent renders share one read (`foundation.cache.CoalescingCache`). A group the policy
does not map, or whose Slack user groups cannot be read and name nobody else, has no known
members (None): messages then show the group's name, and only listed emails may decide.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping

from foundation.cache import CoalescingCache

from ..slack.reads import GROUP_MAXSIZE, GROUP_TTL
from .ports import Clock, utc_now

__all__ = ["ReviewerGroups", "is_user_group"]

UsergroupMembers = Callable[[str], Awaitable[frozenset[str] | None]]


def is_user_group(entry: str) -> bool:
    """Whether a policy entry names a Slack user group (`S…`) rather than a user."""
    return entry[:1] == "S" and entry.isalnum() and entry.isupper()


class ReviewerGroups:
    """Reviewer group slug -> Slack user IDs, Slack user groups expanded, cached for `ttl`."""

    def __init__(
        self,
        mapping: Mapping[str, Iterable[str]],
        usergroup_members: UsergroupMembers | None = None,
        *,
        clock: Clock = utc_now,
        ttl: float = GROUP_TTL,
    ) -> None:
        self._mapping = {group: frozenset(entries) for group, entries in mapping.items()}
        self._usergroup_members = usergroup_members
        self._expanded: CoalescingCache[str, frozenset[str] | None] = CoalescingCache(
            maxsize=GROUP_MAXSIZE, ttl=ttl, timer=lambda: clock().timestamp()
        )

    async def members(self, group: str) -> frozenset[str] | None:
        """The Slack users of reviewer group `group`, or None when none can be named."""
        entries = self._mapping.get(group)
        if not entries:
            return None
        users = {entry for entry in entries if not is_user_group(entry)}
        for entry in sorted(entries - users):
            users.update(await self._usergroup(entry) or ())
        return frozenset(users) or None

    async def members_of(self, groups: Iterable[str]) -> dict[str, frozenset[str]]:
        """`members` of each group that has any."""
        found: dict[str, frozenset[str]] = {}
        for group in groups:
            members = await self.members(group)
            if members:
                found[group] = members
        return found

    async def _usergroup(self, group_id: str) -> frozenset[str] | None:
        read = self._usergroup_members
        if read is None:
            return None
        return await self._expanded.get(group_id, lambda: read(group_id))

"""Slack profile emails: who a clicker is (users.info), who a reviewer is (lookupByEmail).

Airplane names reviewers by email; Slack knows users by ID. Both reads are the process-wide
cached ones of `bot/slack/reads.py` (kept 10 minutes, a miss too, and shared with launch and
the parent's names), so a reviewer with no Slack account costs one call, not one per prompt.
A refusal (a 429, say) reads as "no such user" here but is not cached.
"""

from __future__ import annotations

from slack_sdk.web.async_client import AsyncWebClient

from ..people.labels import slack_email
from ..slack.reads import reads_of
from .slack import refused_as

__all__ = ["SlackDirectory"]


class SlackDirectory:
    """Email <-> Slack user ID, through the Web API, cached."""

    def __init__(self, slack: AsyncWebClient) -> None:
        self._slack = slack

    async def email_of(self, user_id: str) -> str | None:
        """The user's profile email (lower case), or None when Slack shows none."""
        found = await slack_email(self._slack, user_id)  # the bot's one users.info lookup
        return found.lower() if found else None

    async def user_of(self, email: str) -> str | None:
        """The Slack user with this profile email, or None."""

        async def call() -> str | None:
            return await reads_of(self._slack).user_of(email)

        # A reviewer without a Slack account is an answer (None, cached), not a refusal.
        return await refused_as("look up a reviewer by email", call, None)

    async def users_by_email(self, emails: frozenset[str]) -> dict[str, str]:
        """The Slack users of those emails that have one."""
        found: dict[str, str] = {}
        for email in sorted(emails):
            user_id = await self.user_of(email)
            if user_id:
                found[email] = user_id
        return found

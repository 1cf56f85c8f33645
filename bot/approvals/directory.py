"""Slack profile emails, cached: who a clicker is (users.info), who a reviewer is (lookupByEmail).

Airplane names reviewers by email; Slack knows users by ID. Both lookups are cached for the
process (emails change rarely; a restart refreshes them) and a miss is cached too, so a reviewer
with no Slack account costs one call, not one per prompt.
"""

from __future__ import annotations

import logging

from slack_sdk.web.async_client import AsyncWebClient

from ..people import slack_email
from .slack import refused_as

__all__ = ["SlackDirectory"]


class SlackDirectory:
    """Email <-> Slack user ID, through the Web API, cached."""

    def __init__(self, slack: AsyncWebClient) -> None:
        self._slack = slack
        self._email_of: dict[str, str | None] = {}
        self._user_of: dict[str, str | None] = {}

    async def email_of(self, user_id: str) -> str | None:
        """The user's profile email, or None when Slack shows none."""
        if user_id in self._email_of:
            return self._email_of[user_id]
        found = await slack_email(self._slack, user_id)  # the bot's one users.info lookup
        email = found.lower() if found else None
        self._email_of[user_id] = email
        if email:
            self._user_of.setdefault(email, user_id)
        return email

    async def user_of(self, email: str) -> str | None:
        """The Slack user with this profile email, or None."""
        key = email.strip().lower()
        if key in self._user_of:
            return self._user_of[key]

        async def call() -> str | None:
            answer = await self._slack.users_lookupByEmail(email=key)
            return str((answer.get("user") or {}).get("id") or "") or None

        # A reviewer without a Slack account is normal: INFO, once (the miss is cached).
        user_id = await refused_as("look up a reviewer by email", call, None, level=logging.INFO)
        self._user_of[key] = user_id
        return user_id

    async def users_by_email(self, emails: frozenset[str]) -> dict[str, str]:
        """The Slack users of those emails that have one."""
        found: dict[str, str] = {}
        for email in sorted(emails):
            user_id = await self.user_of(email)
            if user_id:
                found[email] = user_id
        return found

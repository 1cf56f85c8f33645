"""`SlackApprovals`: approvals' Slack calls, with Slack's refusals caught in one place.

Every call goes through `refused_as`, the one seam where Slack's refusal (`SlackRefused`, as
`bot.slack.errors` translates it) becomes a logged line and a plain value (None, False, ""):
callers decide on values, never inside `except`. Channel writes wait in the
workspace's Slack scheduler at prompt priority: a person is waiting to act on them.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from slack_sdk.web.async_client import AsyncWebClient

from ..core.errors import SlackRefused
from ..slack.errors import slack_call
from ..slack.queueing import Priority, queued_as
from ..slack.reads import reads_of
from .render import ApprovalMessage

__all__ = ["SlackApprovals", "refused_as"]

log = logging.getLogger(__name__)
T = TypeVar("T")


async def refused_as(
    what: str, call: Callable[[], Awaitable[T]], fallback: T, *, level: int = logging.WARNING
) -> T:
    """`call()`'s result, or `fallback` (logged with Slack's reason) when Slack refuses."""
    try:
        return await slack_call(call())
    except SlackRefused as refused:  # a 429 is a refusal too (SlackRateLimited)
        log.log(level, "slack refused to %s: %s", what, refused.code)
        return fallback


class SlackApprovals:
    """The Slack side of approvals (satisfies `ports.ApprovalSlack`)."""

    def __init__(self, slack: AsyncWebClient) -> None:
        self._slack = slack

    async def _write(
        self, channel: str, call: Callable[[], Awaitable[Any]], fold_key: str | None = None
    ) -> Any:
        """A prompt's post or edit, ahead of everything but a person's own interaction."""
        with queued_as(Priority.PROMPT, fold_key=fold_key):
            return await call()

    async def post(
        self, channel: str, message: ApprovalMessage, thread_ts: str | None
    ) -> str | None:
        """Post a message; its ts, or None when Slack refused."""

        async def call() -> str | None:
            answer = await self._write(
                channel,
                lambda: self._slack.chat_postMessage(
                    channel=channel,
                    thread_ts=thread_ts,
                    text=message.text,
                    blocks=message.block_dicts(),
                ),
            )
            return str(answer["ts"])

        return await refused_as(f"post a prompt in {channel}", call, None)

    async def update(self, channel: str, ts: str, message: ApprovalMessage) -> bool:
        """Rewrite a message; queued edits of the same message fold into the newest."""

        async def call() -> bool:
            await self._write(
                channel,
                lambda: self._slack.chat_update(
                    channel=channel, ts=ts, text=message.text, blocks=message.block_dicts()
                ),
                fold_key=f"approval:{channel}:{ts}",
            )
            return True

        return await refused_as(f"update {channel}/{ts}", call, False)

    async def open_dm(self, user_id: str) -> str | None:
        """The bot's DM channel with a user, or None."""

        async def call() -> str | None:
            return await reads_of(self._slack).dm_channel(user_id)  # cached

        return await refused_as(f"open a DM with {user_id}", call, None)

    async def permalink(self, channel: str, ts: str) -> str:
        """A link to a message (the run's thread), or "" when Slack gives none."""

        async def call() -> str:
            answer = await self._slack.chat_getPermalink(channel=channel, message_ts=ts)
            return str(answer.get("permalink") or "")

        return await refused_as(f"link {channel}/{ts}", call, "")

    async def open_view(self, trigger_id: str, view: dict[str, Any]) -> bool:
        """Open a modal; False when Slack refused (an expired trigger, say)."""

        async def call() -> bool:
            await self._slack.views_open(trigger_id=trigger_id, view=view)
            return True

        return await refused_as("open a prompt modal", call, False)

    async def post_ephemeral(
        self, channel: str, user_id: str, text: str, thread_ts: str | None = None
    ) -> bool:
        """Tell one person something only they see, in `channel` (in the thread of
        `thread_ts` when given: where the message they clicked is)."""

        async def call() -> bool:
            await self._slack.chat_postEphemeral(
                channel=channel, user=user_id, text=text, thread_ts=thread_ts
            )
            return True

        return await refused_as(f"tell {user_id} in {channel}", call, False)

    async def usergroup_members(self, group_id: str) -> frozenset[str] | None:
        """The members of a Slack user group (`S…`), or None when Slack will not say."""

        async def call() -> frozenset[str] | None:
            answer = await self._slack.usergroups_users_list(usergroup=group_id)
            return frozenset(str(user) for user in answer.get("users") or [])

        return await refused_as(f"list user group {group_id}", call, None)

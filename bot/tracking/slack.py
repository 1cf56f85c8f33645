"""The tracker's Slack writes through slack_sdk's AsyncWebClient.

Every post carries its ledger key in message metadata (`event_type` below), so after a crash
between a post and the recording of its ts the post can be found again instead of repeated.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from ..core.errors import SlackRateLimited, SlackRefused
from ..slack.errors import slack_error
from ..slack.reads import reads_of
from .render import FileBody, Message

log = logging.getLogger(__name__)

EVENT_TYPE = "airplane_bot_post"
SEARCH_LIMIT = 200


class SlackWebWriter:
    """SlackWriter on a real (or emulated) Slack Web API."""

    def __init__(self, client: AsyncWebClient) -> None:
        self._client = client

    async def post(self, channel: str, thread_ts: str | None, body: Message, key: str) -> str:
        """chat.postMessage with the key in metadata; the new message's ts."""
        answer = await self._client.chat_postMessage(
            channel=channel,
            thread_ts=thread_ts,
            text=body.text,
            blocks=list(body.blocks) or None,
            metadata={"event_type": EVENT_TYPE, "event_payload": {"key": key}},
            unfurl_links=False,
        )
        return str(answer["ts"])

    async def update(self, channel: str, ts: str, body: Message) -> None:
        """chat.update of a message the bot posted."""
        await self._client.chat_update(
            channel=channel, ts=ts, text=body.text, blocks=list(body.blocks)
        )

    async def upload(self, channel: str, thread_ts: str | None, body: FileBody, key: str) -> str:
        """files_upload_v2 into the thread; the file's ID stands in for a ts."""
        answer = await self._client.files_upload_v2(
            channel=channel,
            thread_ts=thread_ts,
            filename=body.filename,
            title=body.title,
            content=body.content,
            initial_comment=body.comment or None,
        )
        file: Any = answer.get("file") or (answer.get("files") or [{}])[0]
        return str(file.get("id") or key)

    async def direct_message(self, user_id: str, body: Message) -> None:
        """conversations.open with the user (its channel cached), then chat.postMessage there."""
        channel = await reads_of(self._client).dm_channel(user_id)
        await self._client.chat_postMessage(
            channel=channel, text=body.text, blocks=list(body.blocks) or None
        )

    async def find(self, channel: str, thread_ts: str | None, key: str) -> str | None:
        """The ts of a message whose metadata carries `key`, in the thread or the channel."""
        try:
            if thread_ts is not None:
                answer = await self._client.conversations_replies(
                    channel=channel, ts=thread_ts, include_all_metadata=True, limit=SEARCH_LIMIT
                )
            else:
                answer = await self._client.conversations_history(
                    channel=channel, include_all_metadata=True, limit=SEARCH_LIMIT
                )
        except Exception as error:
            refused = slack_error(error, channel=channel)
            if not isinstance(refused, SlackRefused) or isinstance(refused, SlackRateLimited):
                raise
            # Without history access the post cannot be confirmed; posting again risks a
            # double, losing it is worse.
            log.warning("cannot search %s for %s: %s", channel, key, refused.code)
            return None
        for message in answer.get("messages") or []:
            metadata = message.get("metadata") or {}
            payload = metadata.get("event_payload") or {}
            if metadata.get("event_type") == EVENT_TYPE and payload.get("key") == key:
                return str(message["ts"])
        return None

"""`response_url`s: handed out with commands and message actions, they post back into Slack.

A POST with `{"text": ...}` shows an ephemeral message to the user (the default), or a channel
message with `response_type: in_channel`; `replace_original`/`delete_original` act on the message
whose button was clicked. Slack allows 5 uses within 30 minutes; so does the emulator.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass

from aiohttp import web

from .state import (
    BOT_USER_ID,
    JSON,
    ApiCall,
    Ephemeral,
    Message,
    MessageVersion,
    ResponseUrlPost,
    Workspace,
)
from .validation import validate_blocks

MAX_USES = 5
LIFETIME_SECONDS = 30 * 60


@dataclass
class ResponseTarget:
    """Where a response_url's posts go."""

    channel: str
    user: str
    message_ts: str | None
    thread_ts: str | None
    is_ephemeral: bool
    issued_at: float
    uses: int = 0


class ResponseUrls:
    """Issues response_urls and serves `POST /response/{id}`."""

    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace
        self.targets: dict[str, ResponseTarget] = {}
        self.base_url = ""

    def issue(
        self,
        *,
        channel: str,
        user: str,
        message_ts: str | None = None,
        thread_ts: str | None = None,
        is_ephemeral: bool = False,
    ) -> str:
        """A new response_url for an interaction in `channel` by `user`."""
        key = self.workspace.ids.make("R")
        self.targets[key] = ResponseTarget(
            channel, user, message_ts, thread_ts, is_ephemeral, time.monotonic()
        )
        return f"{self.base_url}response/{key}"

    async def handle(self, request: web.Request) -> web.Response:
        """Apply one post to a response_url and record it."""
        url = str(request.url)
        target = self.targets.get(request.match_info["key"])
        try:
            body = json.loads(await request.text())
        except ValueError:
            body = None
        status, answer = self._apply(target, body)
        self.workspace.response_url_posts.append(
            ResponseUrlPost(url, body if isinstance(body, dict) else {}, status)
        )
        await self.workspace.touch()
        if status != 200:
            return web.Response(status=status, text=answer)
        return web.json_response({"ok": True})

    def command_answer(self, channel: str, user: str, answer: str) -> None:
        """Show what the app answered a slash command with (its ack body), as Slack does:
        JSON with text/blocks (ephemeral unless `response_type: in_channel`), or plain text."""
        if not answer.strip():
            return
        try:
            body = json.loads(answer)
        except ValueError:
            body = {"text": answer}
        if not isinstance(body, dict):
            body = {"text": answer}
        target = ResponseTarget(channel, user, None, None, False, time.monotonic())
        self._apply(target, body, method="command_ack")

    def _apply(
        self, target: ResponseTarget | None, body: object, *, method: str = "response_url"
    ) -> tuple[int, str]:
        if target is None:
            return 404, "no_such_url"
        if target.uses >= MAX_USES or time.monotonic() - target.issued_at > LIFETIME_SECONDS:
            return 404, "used_url"
        if not isinstance(body, dict):
            return 400, "invalid_payload"
        blocks = body.get("blocks")
        errors = validate_blocks(blocks) if blocks is not None else []
        if errors:
            # Recorded with the API calls Slack refused, so `slack.rejected == []` covers these too.
            self.workspace.rejected.append(
                ApiCall(
                    method,
                    dict(body),
                    None,
                    400,
                    {"ok": False, "error": "invalid_blocks", "errors": errors},
                )
            )
            return 400, "invalid_blocks"
        if not body.get("delete_original") and not body.get("text") and not blocks:
            return 400, "no_text"
        target.uses += 1
        self._effect(target, body, method)
        return 200, "ok"

    def _effect(self, target: ResponseTarget, body: JSON, method: str) -> None:
        workspace = self.workspace
        original = (
            workspace.find_message(target.channel, target.message_ts) if target.message_ts else None
        )
        text = str(body.get("text") or "")
        blocks = body.get("blocks")
        if body.get("delete_original"):
            if original is not None:
                original.deleted = True
            return
        if body.get("replace_original") and original is not None and not target.is_ephemeral:
            original.versions.append(MessageVersion(text, blocks, body.get("attachments"), None))
            return
        if body.get("response_type") == "in_channel" and not body.get("replace_original"):
            thread_ts = body.get("thread_ts") or target.thread_ts
            workspace.messages.append(
                Message(
                    channel=target.channel,
                    ts=workspace.clock.next(),
                    user=BOT_USER_ID,
                    versions=[MessageVersion(text, blocks, body.get("attachments"), None)],
                    thread_ts=thread_ts,
                )
            )
            return
        source = "response_url:replace" if body.get("replace_original") else method
        workspace.ephemerals.append(
            Ephemeral(
                target.channel,
                target.user,
                workspace.clock.next(),
                text,
                blocks,
                target.thread_ts,
                source,
            )
        )

"""The emulator's client side: it sends the app what Slack sends, over HTTP or Socket Mode.

`SlackEmulator` mixes this in. Every send returns a `Reply` holding the app's answer (HTTP status
and body, or the Socket Mode ack) and the payload that was sent (for its `trigger_id`,
`response_url`...). Over HTTP the request is signed; `signature="bad"|"missing"` and
`timestamp_offset=-600` exercise the app's checks.
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Literal

import aiohttp

from . import payloads
from .response_urls import ResponseUrls
from .state import ALICE, GENERAL, JSON, Workspace
from .web_common import ApiContext, Trigger

SignatureMode = Literal["valid", "bad", "missing"]


@dataclass(frozen=True)
class Reply:
    """The app's answer to one request Slack sent it."""

    status: int
    body: str
    payload: JSON
    headers: dict[str, str] = field(default_factory=dict)

    def json(self) -> Any:
        """The body as JSON (None when empty)."""
        return json.loads(self.body) if self.body.strip() else None

    @property
    def ok(self) -> bool:
        """True for a 200 answer."""
        return self.status == 200


@dataclass(frozen=True)
class SendOptions:
    """How one request is delivered over HTTP, and whether it is a Slack retry."""

    url: str | None = None
    signature: SignatureMode = "valid"
    timestamp_offset: float = 0.0
    retry_num: int | None = None
    retry_reason: str | None = None
    timeout: float = 10.0


class ClientSide:
    """Slash commands, clicks and submissions, as Slack would send them."""

    workspace: Workspace
    context: ApiContext
    response_urls: ResponseUrls
    signing_secret: str
    events_url: str | None
    _session: aiohttp.ClientSession | None

    def issue_trigger(self, user: str) -> str:
        """A fresh `trigger_id` for `user`, accepted once by views.open/push within the TTL."""
        trigger_id = f"{int(time.time())}.{self.workspace.ids.make('')}.{uuid.uuid4().hex}"
        self.context.triggers[trigger_id] = Trigger(user, time.monotonic())
        return trigger_id

    async def slash_command(
        self,
        command: str,
        text: str = "",
        *,
        user: str = ALICE,
        channel: str = GENERAL,
        url: str | None = None,
        signature: SignatureMode = "valid",
        timestamp_offset: float = 0.0,
        retry_num: int | None = None,
        retry_reason: str | None = None,
        payload: JSON | None = None,
    ) -> Reply:
        """Send `/command text` typed by `user` in `channel`; `payload` resends a previous one."""
        if payload is None:
            payload = payloads.slash_command(
                command=command,
                text=text,
                user=self.workspace.users[user],
                channel=self.workspace.channels[channel],
                response_url=self.response_urls.issue(channel=channel, user=user),
                trigger_id=self.issue_trigger(user),
            )
        options = SendOptions(url, signature, timestamp_offset, retry_num, retry_reason)
        return await self.send_http(payloads.form_body(payload), payload, options)

    async def send_http(self, body: bytes, payload: JSON, options: SendOptions) -> Reply:
        """POST a form body to the app's events URL, signed as Slack signs it."""
        url = options.url or self.events_url
        if url is None:
            raise RuntimeError("no events URL: pass url= or set SlackEmulator(events_url=...)")
        timestamp = int(time.time() + options.timestamp_offset)
        headers = payloads.signed_headers(
            self.signing_secret,
            body,
            timestamp=timestamp,
            content_type="application/x-www-form-urlencoded",
            retry_num=options.retry_num,
            retry_reason=options.retry_reason,
        )
        if options.signature == "bad":
            headers["X-Slack-Signature"] = payloads.signature(
                "not-the-secret", str(timestamp), body
            )
        elif options.signature == "missing":
            del headers["X-Slack-Signature"]
        session = self._http()
        timeout = aiohttp.ClientTimeout(total=options.timeout)
        async with session.post(url, data=body, headers=headers, timeout=timeout) as response:
            text = await response.text()
            reply = Reply(response.status, text, payload, dict(response.headers))
        await self.workspace.touch()
        return reply

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None:
            raise RuntimeError("the emulator is not running (use `async with SlackEmulator()`)")
        return self._session

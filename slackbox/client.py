"""The emulator's client side: it sends the app what Slack sends, over HTTP or Socket Mode.

`SlackEmulator` mixes this in. Every send goes over HTTP when a URL is known (`url=` or
`SlackEmulator(events_url=...)`), else over the Socket Mode connection the app opened. It returns
a `Reply`: the app's HTTP status and body, or for Socket Mode status 200 and the ack's payload as
JSON body (504 when no ack came in time), plus the payload sent (for its `trigger_id`,
`response_url`...). HTTP requests are signed; `signature="bad"|"missing"` and
`timestamp_offset=-600` exercise the app's checks; `retry_num`/`retry_reason` mark Slack retries.
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass, field, replace
from typing import Any, Literal, TypedDict

import aiohttp
from typing_extensions import Unpack

from . import payloads
from .response_urls import ResponseUrls
from .socket_mode import SocketModeServer
from .state import JSON, Workspace
from .web_common import ApiContext, Trigger

SignatureMode = Literal["valid", "bad", "missing"]


@dataclass(frozen=True)
class Reply:
    """The app's answer to one request Slack sent it."""

    status: int
    body: str
    payload: JSON
    headers: dict[str, str] = field(default_factory=dict)
    envelope_id: str | None = None
    kind: str = "interactive"

    def json(self) -> Any:
        """The body as JSON (None when empty)."""
        return json.loads(self.body) if self.body.strip() else None

    @property
    def ok(self) -> bool:
        """True for a 200 answer (an ack over Socket Mode)."""
        return self.status == 200


class SendKwargs(TypedDict, total=False):
    """Delivery options every send method takes."""

    url: str | None
    signature: SignatureMode
    timestamp_offset: float
    retry_num: int | None
    retry_reason: str | None
    timeout: float


@dataclass(frozen=True)
class SendOptions:
    """How one request is delivered, and whether it is a Slack retry."""

    url: str | None = None
    signature: SignatureMode = "valid"
    timestamp_offset: float = 0.0
    retry_num: int | None = None
    retry_reason: str | None = None
    timeout: float = 10.0


class Transport:
    """Delivery over HTTP (signed) or Socket Mode; mixed into `SlackEmulator`."""

    workspace: Workspace
    context: ApiContext
    response_urls: ResponseUrls
    socket_mode: SocketModeServer
    signing_secret: str
    events_url: str | None
    _session: aiohttp.ClientSession | None

    def issue_trigger(self, user: str) -> str:
        """A fresh `trigger_id` for `user`, accepted once by views.open/push within the TTL."""
        trigger_id = f"{int(time.time())}.{self.workspace.ids.make('')}.{uuid.uuid4().hex}"
        self.context.triggers[trigger_id] = Trigger(user, time.monotonic())
        return trigger_id

    async def deliver(self, kind: str, payload: JSON, send: SendKwargs) -> Reply:
        """Send a payload of `kind` ("slash_commands", "interactive", "events_api")."""
        options = SendOptions(**send)
        url = options.url or self.events_url
        if url is not None:
            if kind == "slash_commands":
                body, content_type = (
                    payloads.form_body(payload),
                    "application/x-www-form-urlencoded",
                )
            elif kind == "interactive":
                body, content_type = (
                    payloads.interaction_body(payload),
                    "application/x-www-form-urlencoded",
                )
            else:
                body, content_type = json.dumps(payload).encode(), "application/json"
            reply = await self._send_http(url, body, content_type, payload, options)
        else:
            reply = await self._send_socket(kind, payload, options)
        if kind == "slash_commands" and reply.ok:
            # Slack shows a command's ack body to the user, as if posted to its response_url.
            self.response_urls.command_answer(payload["channel_id"], payload["user_id"], reply.body)
        await self.workspace.touch()
        return replace(reply, kind=kind)

    async def resend(self, reply: Reply, **send: Unpack[SendKwargs]) -> Reply:
        """Send the same payload again (a Slack retry with `retry_num=1`, or a double click)."""
        return await self.deliver(reply.kind, reply.payload, send)

    async def _send_http(
        self, url: str, body: bytes, content_type: str, payload: JSON, options: SendOptions
    ) -> Reply:
        timestamp = int(time.time() + options.timestamp_offset)
        headers = payloads.signed_headers(
            self.signing_secret,
            body,
            timestamp=timestamp,
            content_type=content_type,
            retry_num=options.retry_num,
            retry_reason=options.retry_reason,
        )
        if options.signature == "bad":
            headers["X-Slack-Signature"] = payloads.signature(
                "not-the-secret", str(timestamp), body
            )
        elif options.signature == "missing":
            del headers["X-Slack-Signature"]
        timeout = aiohttp.ClientTimeout(total=options.timeout)
        async with self._http().post(url, data=body, headers=headers, timeout=timeout) as response:
            text = await response.text()
            return Reply(response.status, text, payload, dict(response.headers))

    async def _send_socket(self, kind: str, payload: JSON, options: SendOptions) -> Reply:
        if not self.socket_mode.live() and not self.socket_mode.connections:
            raise RuntimeError(
                "nowhere to send: no events_url/url and the app never opened Socket Mode"
            )
        envelope = await self.socket_mode.send(
            kind,
            payload,
            accepts_response_payload=kind != "events_api",
            retry_attempt=options.retry_num,
            retry_reason=options.retry_reason if options.retry_num is not None else None,
        )
        try:
            ack = await self.socket_mode.wait_for_ack(envelope.envelope_id, timeout=options.timeout)
        except TimeoutError:
            return Reply(504, "", payload, envelope_id=envelope.envelope_id)
        body = json.dumps(ack.payload) if ack.payload else ""
        return Reply(200, body, payload, envelope_id=envelope.envelope_id)

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None:
            raise RuntimeError("the emulator is not running (use `async with SlackEmulator()`)")
        return self._session

"""The HTTP edge: what a request to `/slack/events` must be before Bolt parses it.

Bolt (and slack_sdk's signature check) raise on a non-integer timestamp, a body that is not
UTF-8, JSON that is not an object, or a payload nested past the recursion limit; uvicorn then
answers 500 and logs a multi-line traceback, so anyone could fill a disk without a signature.
`EdgeGuard.refusal` answers those 400 or 401 first, with one log line and no traceback:

    size (413, read no further than the limit, within BODY_SECONDS: 408 after it; a client
    gone mid-body: 400) -> timestamp header (400)
    -> signature, on the raw bytes (401) -> UTF-8 (400) -> JSON object (400)
    -> the fields the listeners read (400)

`payload_problem` and `signature_problem` are pure; the guard adds the request and the clock.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import time
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import parse_qs

from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response

__all__ = [
    "BODY_SECONDS",
    "MAX_BODY_BYTES",
    "EdgeGuard",
    "payload_problem",
    "signature_problem",
]

log = logging.getLogger("bot.edge")

# Slack documents no maximum; its largest payloads (a full modal's state) are far below this.
MAX_BODY_BYTES = 1024 * 1024
MAX_CLOCK_SKEW = 5 * 60  # Slack's own rule: older requests may be replays
# Slack sends a body at once and gives up on a request not acknowledged within 3 s: a body
# still arriving after that can only hold a connection open (slowloris), so it is cut off.
BODY_SECONDS = 3.0


def signature_problem(
    secret: str, headers: Mapping[str, str], raw: bytes, now: float
) -> tuple[int, str] | None:
    """Why a request is not signed by Slack (status, reason), or None when it is."""
    timestamp = headers.get("x-slack-request-timestamp", "")
    signature = headers.get("x-slack-signature", "")
    if not timestamp or not signature:
        return 401, "missing X-Slack-Request-Timestamp or X-Slack-Signature"
    if not (timestamp.isascii() and timestamp.isdigit() and len(timestamp) <= 12):
        return 400, "X-Slack-Request-Timestamp is not a Unix time in seconds"
    if abs(now - int(timestamp)) > MAX_CLOCK_SKEW:
        return 401, "X-Slack-Request-Timestamp is more than five minutes away"
    base = b"v0:" + timestamp.encode() + b":" + raw
    expected = "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected.encode(), signature.encode(errors="replace")):
        return 401, "X-Slack-Signature does not match"
    return None


def _text(value: Any) -> bool:
    return isinstance(value, str) and bool(value)


def payload_problem(payload: Mapping[str, Any]) -> str | None:
    """Why a signed interactive payload lacks what the listeners read, or None when it is whole.

    Slack always sends these fields; a payload without them is answered, not handed on.
    """
    kind = payload.get("type")
    if kind in ("shortcut", "message_action"):
        if not _text(payload.get("trigger_id")):
            return f"{kind} without trigger_id"  # its listener opens a modal with it
        return None
    if kind not in ("block_actions", "view_submission", "view_closed"):
        return None
    if kind != "view_closed" and not _text(payload.get("trigger_id")):
        return f"{kind} without trigger_id"
    user = payload.get("user")
    if not isinstance(user, dict) or not _text(user.get("id")):
        return f"{kind} without user.id"
    if kind == "block_actions":
        actions = payload.get("actions")
        if not isinstance(actions, list) or not actions:
            return "block_actions without actions"
        if not all(isinstance(a, dict) and _text(a.get("action_id")) for a in actions):
            return "block_actions with an action that has no action_id"
        return None
    view = payload.get("view")
    if not isinstance(view, dict) or not _text(view.get("callback_id")):
        return f"{kind} without view.callback_id"
    if not isinstance(view.get("private_metadata", ""), str):
        return f"{kind} with a private_metadata that is not text"
    return None


def _parsed(text: str, content_type: str) -> tuple[dict[str, Any] | None, str | None]:
    """The body's JSON object (the form's `payload`, or the JSON body), or why there is none.
    A form without `payload` (a slash command) has no JSON and is fine as it is."""
    if content_type.startswith("application/json"):
        source = text
    else:
        form = parse_qs(text, keep_blank_values=True)
        if "payload" not in form:
            return None, _command_problem(form)
        source = form["payload"][0]
    try:
        value = json.loads(source)
    except (ValueError, RecursionError):
        return None, "the payload is not JSON"
    if not isinstance(value, dict):
        return None, "the payload is not a JSON object"
    return value, None


async def bounded_body(request: Request, limit: int = MAX_BODY_BYTES) -> bytes | None:
    """The body, read no further than `limit` bytes whatever its framing (a chunked body has
    no Content-Length to refuse it by), or None when it is longer: the rest is never read.

    The bytes are left in Starlette's cache of the body, so Bolt reads the same ones.
    """
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    raw = b"".join(chunks)
    request._body = raw  # what `Request.body()` returns from now on
    return raw


def _command_problem(form: Mapping[str, list[str]]) -> str | None:
    """Why a signed slash command lacks what its listeners read (Slack always sends them)."""
    if "command" not in form:
        return None
    for field in ("trigger_id", "user_id", "channel_id"):
        if not form.get(field, [""])[0]:
            return f"a slash command without {field}"
    return None


class EdgeGuard:
    """Checks requests before Bolt sees them; `refusal` is the response, or None to go on."""

    def __init__(
        self,
        signing_secret: str,
        now: Callable[[], float] = time.time,
        body_seconds: float = BODY_SECONDS,
    ) -> None:
        self._secret = signing_secret
        self._now = now
        self._body_seconds = body_seconds

    async def refusal(self, request: Request) -> Response | None:
        """The 4xx answer to a request Bolt must not parse, or None."""
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
            return self._refuse(request, 413, "the body is larger than 1 MiB")
        try:
            async with asyncio.timeout(self._body_seconds):
                raw = await bounded_body(request)
        except TimeoutError:
            seconds = f"{self._body_seconds:g}"
            return self._refuse(request, 408, f"the body did not arrive within {seconds} s")
        except ClientDisconnect:
            return self._refuse(request, 400, "the client disconnected before the body ended")
        if raw is None:
            return self._refuse(request, 413, "the body is larger than 1 MiB")
        if self._secret:
            problem = signature_problem(self._secret, request.headers, raw, self._now())
            if problem is not None:
                return self._refuse(request, *problem)
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            return self._refuse(request, 400, "the body is not UTF-8")
        payload, reason = _parsed(text, request.headers.get("content-type", ""))
        if reason is None and payload is not None:
            reason = payload_problem(payload)
        if reason is not None:
            return self._refuse(request, 400, reason)
        return None

    def _refuse(self, request: Request, status: int, reason: str) -> Response:
        client = request.client.host if request.client else "?"
        log.warning("refused a request from %s: %d %s", client, status, reason)
        return JSONResponse({"ok": False, "error": reason}, status_code=status)

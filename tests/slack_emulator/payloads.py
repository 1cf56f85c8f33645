"""What Slack sends to an app: request signing and the payload shapes, as pure functions.

Shapes follow `docs/reference/slack/payloads/` (slash commands are form fields; interactions are
JSON under a `payload` form field). Nothing here does I/O.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any
from urllib.parse import urlencode

from .state import APP_ID, JSON, TEAM_DOMAIN, TEAM_ID, Channel, User

VERIFICATION_TOKEN = "emulator-verification-token"


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """Slack's v0 signature: HMAC-SHA256 of `v0:{timestamp}:{body}` with the signing secret."""
    base = b"v0:" + timestamp.encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def signed_headers(
    secret: str,
    body: bytes,
    *,
    timestamp: int,
    content_type: str,
    retry_num: int | None = None,
    retry_reason: str | None = None,
) -> dict[str, str]:
    """The headers of a signed request, with Slack's retry headers when it is a retry."""
    headers = {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": str(timestamp),
        "X-Slack-Signature": signature(secret, str(timestamp), body),
    }
    if retry_num is not None:
        headers["X-Slack-Retry-Num"] = str(retry_num)
        headers["X-Slack-Retry-Reason"] = retry_reason or "http_timeout"
    return headers


def form_body(fields: JSON) -> bytes:
    """A form-encoded body (booleans as Slack writes them)."""
    encoded = {k: (str(v).lower() if isinstance(v, bool) else str(v)) for k, v in fields.items()}
    return urlencode(encoded).encode()


def interaction_body(payload: JSON) -> bytes:
    """How Slack posts interactions: the JSON payload in a `payload` form field."""
    return urlencode({"payload": json.dumps(payload)}).encode()


def slash_command(
    *,
    command: str,
    text: str,
    user: User,
    channel: Channel,
    response_url: str,
    trigger_id: str,
) -> JSON:
    """The fields of a slash command (as the form body, or the Socket Mode payload)."""
    return {
        "token": VERIFICATION_TOKEN,
        "team_id": TEAM_ID,
        "team_domain": TEAM_DOMAIN,
        "channel_id": channel.id,
        "channel_name": "directmessage" if channel.is_im else channel.name,
        "user_id": user.id,
        "user_name": user.name,
        "command": command,
        "text": text,
        "api_app_id": APP_ID,
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": trigger_id,
    }


def user_ref(user: User) -> JSON:
    """The `user` object interaction payloads carry."""
    return {"id": user.id, "username": user.name, "name": user.name, "team_id": TEAM_ID}


def interaction_base(kind: str, user: User, trigger_id: str) -> dict[str, Any]:
    """Keys every interaction payload shares."""
    return {
        "type": kind,
        "user": user_ref(user),
        "api_app_id": APP_ID,
        "token": VERIFICATION_TOKEN,
        "trigger_id": trigger_id,
        "team": {"id": TEAM_ID, "domain": TEAM_DOMAIN},
        "enterprise": None,
        "is_enterprise_install": False,
    }

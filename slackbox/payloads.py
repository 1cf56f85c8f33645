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

from .state import APP_ID, BOT_USER_ID, JSON, TEAM_DOMAIN, TEAM_ID, Channel, User

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


def block_actions(
    *,
    user: User,
    trigger_id: str,
    action: JSON,
    container: JSON,
    state_values: dict[str, dict[str, JSON]],
    channel: Channel | None = None,
    message: JSON | None = None,
    view: JSON | None = None,
    response_url: str | None = None,
) -> JSON:
    """A `block_actions` payload for one action in a message (channel, message) or a view."""
    payload = interaction_base("block_actions", user, trigger_id)
    payload["container"] = container
    payload["actions"] = [action]
    payload["state"] = {"values": state_values}
    if channel is not None:
        payload["channel"] = {
            "id": channel.id,
            "name": "directmessage" if channel.is_im else channel.name,
        }
    if message is not None:
        payload["message"] = message
    if view is not None:
        payload["view"] = view
    if response_url is not None:
        payload["response_url"] = response_url
    return payload


def button_action(block: JSON, button: JSON, action_ts: str) -> JSON:
    """The `actions[0]` entry of a button click."""
    action: JSON = {
        "action_id": button["action_id"],
        "block_id": block["block_id"],
        "text": button["text"],
        "type": "button",
        "action_ts": action_ts,
    }
    for key in ("value", "style", "url"):
        if key in button:
            action[key] = button[key]
    return action


def view_submission(*, user: User, trigger_id: str, view: JSON) -> JSON:
    """A `view_submission` payload (the view carries its `state.values`)."""
    payload = interaction_base("view_submission", user, trigger_id)
    payload["view"] = view
    payload["response_urls"] = []
    return payload


def view_closed(*, user: User, view: JSON, is_cleared: bool = False) -> JSON:
    """A `view_closed` payload (sent only for views with `notify_on_close`)."""
    payload = interaction_base("view_closed", user, "")
    del payload["trigger_id"]
    payload["view"] = view
    payload["is_cleared"] = is_cleared
    return payload


def event_callback(event: JSON, *, event_id: str, event_time: int) -> JSON:
    """An Events API `event_callback` wrapping one event."""
    return {
        "token": VERIFICATION_TOKEN,
        "team_id": TEAM_ID,
        "api_app_id": APP_ID,
        "event": event,
        "type": "event_callback",
        "event_id": event_id,
        "event_time": event_time,
        "authorizations": [
            {
                "team_id": TEAM_ID,
                "user_id": BOT_USER_ID,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": False,
    }

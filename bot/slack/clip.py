"""Every text the bot sends to Slack, clipped to Slack's documented limits, in one place.

Slack refuses a whole message or view when one text is too long (`invalid_blocks`), and
slack_sdk refuses it before sending; the user then gets no answer at all. Clipping a long text
(marked with `…`) loses its tail, never the message. Only what people read is clipped: IDs,
values, URLs and `private_metadata` are data, and a clipped one would be wrong rather than
short.

The limits themselves are in `foundation/slack_limits.py`, which the local Slack checks against too.
`ClippingWebClient` applies `clip_payload` to every Web API call the bot makes (chat.*,
views.*); `clip_message` is for what goes through a `response_url` (`respond`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse

from foundation.slack_limits import (
    CONTEXT_TEXT,
    FIELD_TEXT,
    MAX_BLOCKS,
    MESSAGE_TEXT,
    PLACEHOLDER_TEXT,
    TEXT_LIMITS,
    VIEW_TEXT,
)

__all__ = [
    "TEXT_LIMITS",
    "ClippingWebClient",
    "clip",
    "clip_blocks",
    "clip_message",
    "clip_payload",
]

_WRITE_METHODS = frozenset(
    {"chat.postMessage", "chat.postEphemeral", "chat.update", "chat.scheduleMessage"}
)
_VIEW_METHODS = frozenset({"views.open", "views.update", "views.push", "views.publish"})


def clip(text: str, limit: int) -> str:
    """`text` cut to `limit` characters, the cut marked with `…`."""
    return text if len(text) <= limit else text[: max(limit - 1, 0)] + "…"


def _clip_text(value: Any, limit: int) -> Any:
    if isinstance(value, str):
        return clip(value, limit)
    if isinstance(value, dict) and isinstance(value.get("text"), str):
        return {**value, "text": clip(value["text"], limit)}
    return value


def _kind(node: Mapping[str, Any], parent_key: str) -> str:
    if isinstance(node.get("type"), str):
        return str(node["type"])
    if parent_key in ("options", "initial_options", "initial_option"):
        return "option"
    if parent_key == "option_groups":
        return "option_group"
    return parent_key  # `confirm` objects have no type


def _walk(node: Any, parent_key: str = "") -> Any:
    if isinstance(node, list):
        return [_walk(item, parent_key) for item in node]
    if not isinstance(node, dict):
        return node
    kind = _kind(node, parent_key)
    out: dict[str, Any] = {}
    for key, value in node.items():
        limit = TEXT_LIMITS.get((kind, key))
        if limit is not None:
            out[key] = _clip_text(value, limit)
        elif key == "placeholder":
            out[key] = _clip_text(value, PLACEHOLDER_TEXT)
        elif kind == "section" and key == "fields" and isinstance(value, list):
            out[key] = [_clip_text(field, FIELD_TEXT) for field in value]
        elif kind == "context" and key == "elements" and isinstance(value, list):
            out[key] = [_walk(_clip_text(item, CONTEXT_TEXT), key) for item in value]
        else:
            out[key] = _walk(value, key)
    return out


def clip_blocks(blocks: Any, surface: str = "message") -> Any:
    """`blocks` (dicts) with every text within its limit and at most the surface's count."""
    if not isinstance(blocks, list):
        return blocks
    return _walk(blocks[: MAX_BLOCKS.get(surface, MAX_BLOCKS["message"])])


def clip_message(message: Mapping[str, Any]) -> dict[str, Any]:
    """A message's `text` and `blocks` within Slack's limits."""
    out = dict(message)
    if isinstance(out.get("text"), str):
        out["text"] = clip(out["text"], MESSAGE_TEXT)
    if "blocks" in out:
        out["blocks"] = clip_blocks(out["blocks"])
    return out


def _clip_view(view: Any) -> Any:
    if not isinstance(view, dict):
        return view
    out = dict(view)
    for key, limit in VIEW_TEXT.items():
        if key in out:
            out[key] = _clip_text(out[key], limit)
    if "blocks" in out:
        out["blocks"] = clip_blocks(out["blocks"], str(out.get("type") or "modal"))
    return out


def clip_payload(method: str, payload: Mapping[str, Any]) -> dict[str, Any]:
    """A Web API call's arguments with its texts clipped (other methods unchanged)."""
    if method in _WRITE_METHODS:
        return clip_message(payload)
    if method in _VIEW_METHODS and "view" in payload:
        return {**payload, "view": _clip_view(payload["view"])}
    return dict(payload)


class ClippingWebClient(AsyncWebClient):
    """slack_sdk's client, with `clip_payload` applied to every call's JSON body."""

    async def api_call(
        self, api_method: str, *, json: dict[str, Any] | None = None, **kwargs: Any
    ) -> AsyncSlackResponse:
        if json is not None:
            json = clip_payload(api_method, json)
        return await super().api_call(api_method, json=json, **kwargs)

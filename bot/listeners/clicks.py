"""Where a click happened, so an answer to it goes to the same place.

A click on a message in a thread carries the thread in `container.thread_ts` (and in
`message.thread_ts`); an ephemeral answer posted without it lands in the channel, away from
the message the person clicked. Every ephemeral answer to a click is posted with both.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["ClickPlace", "click_place"]


@dataclass(frozen=True)
class ClickPlace:
    """The channel of a click and, when the clicked message is in a thread, that thread."""

    channel: str
    thread_ts: str | None = None


def _text(mapping: object, key: str) -> str:
    if not isinstance(mapping, Mapping):
        return ""
    value = mapping.get(key)
    return value if isinstance(value, str) else ""


def click_place(body: Mapping[str, Any]) -> ClickPlace:
    """The channel and thread of the message a `block_actions` payload came from."""
    container = body.get("container")
    channel = _text(body.get("channel"), "id") or _text(container, "channel_id")
    thread_ts = _text(container, "thread_ts") or _text(body.get("message"), "thread_ts")
    return ClickPlace(channel, thread_ts or None)

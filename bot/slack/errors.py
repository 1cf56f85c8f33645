"""Slack's failures as the bot's errors: the one place a `SlackApiError` is looked into. Pure.

slack_sdk raises `SlackApiError` for every `ok: false` answer (and for 429s), with Slack's error
string and the HTTP response inside, and lets aiohttp's errors through when there was no
answer. `slack_error` reads them once into `bot.core.errors` (`SlackRateLimited` with its
Retry-After, `ChannelGone`, `SlackRefused` with the code, `SlackUnreachable`); `slack_call`
awaits a call and raises that instead, so callers catch the bot's names, never slack_sdk's.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Awaitable
from typing import Any, TypeVar

import aiohttp
from slack_sdk.errors import SlackApiError

from ..core.errors import ChannelGone, SlackError, SlackRateLimited, SlackRefused, SlackUnreachable

__all__ = ["CHANNEL_GONE_CODES", "DEFAULT_RETRY_AFTER", "slack_call", "slack_error"]

T = TypeVar("T")

# Slack's answers that mean the bot can no longer write to a channel at all: it was removed,
# the channel was archived or deleted. Retrying cannot help.
CHANNEL_GONE_CODES = frozenset(
    {"channel_not_found", "not_in_channel", "is_archived", "channel_is_archived"}
)
# Seconds to wait after a 429 whose Retry-After is missing or unreadable.
DEFAULT_RETRY_AFTER = 1.0


def slack_error(error: BaseException, *, channel: str = "") -> SlackError | None:
    """The bot's name for a failed Slack call (`channel`: where it wrote); None for an error
    that is not Slack's (a bug, a cancellation). An error already translated is returned as is.
    """
    if isinstance(error, SlackError):
        return error
    if isinstance(error, SlackApiError):
        response: Any = error.response
        code = str(response.get("error") or "") or "unknown_error"
        if getattr(response, "status_code", None) == 429 or code == "ratelimited":
            return SlackRateLimited(_retry_after(getattr(response, "headers", None)))
        if code in CHANNEL_GONE_CODES:
            return ChannelGone(channel, code)
        return SlackRefused(code)
    if isinstance(error, aiohttp.ClientError | asyncio.TimeoutError | OSError):
        return SlackUnreachable(type(error).__name__, str(error))
    return None


async def slack_call(call: Awaitable[T], *, channel: str = "") -> T:
    """Await a Slack Web API call; its failure is raised as the bot's `SlackError`."""
    try:
        return await call
    except Exception as error:
        translated = slack_error(error, channel=channel)
        if translated is None or translated is error:
            raise
        raise translated from error


def _retry_after(headers: Any) -> float:
    """Retry-After in seconds (Slack sends whole seconds); the default when absent or odd."""
    value: Any = None
    for name, raw in dict(headers or {}).items():
        if str(name).lower() == "retry-after":
            value = raw[0] if isinstance(raw, list) and raw else raw
    try:
        seconds = float(value) if value is not None else DEFAULT_RETRY_AFTER
    except (TypeError, ValueError):
        return DEFAULT_RETRY_AFTER
    # "inf" or "nan" would pause a channel for ever (or not at all).
    return max(0.0, seconds) if math.isfinite(seconds) else DEFAULT_RETRY_AFTER

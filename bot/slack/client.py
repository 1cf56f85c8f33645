"""`MeteredWebClient`: the one place the bot's Slack Web API calls are measured.

Every method of slack_sdk's `AsyncWebClient` (`chat_postMessage`, `views_open`, ...) goes
through `api_call`, so overriding it counts them all, including the ones Bolt makes with the
same client (`respond` uses response URLs, not this client).
"""

from __future__ import annotations

import time
from typing import Any

from .. import metrics
from ..errors import SlackRateLimited, SlackUnreachable
from .clip import ClippingWebClient
from .errors import slack_error

__all__ = ["MeteredWebClient", "call_outcome"]


def call_outcome(error: BaseException | None) -> str:
    """How a call ended, as the `outcome` label: ok, ratelimited, error or transport_error."""
    if error is None:
        return "ok"
    translated = slack_error(error)
    if isinstance(translated, SlackRateLimited):
        return "ratelimited"
    if isinstance(translated, SlackUnreachable):
        return "transport_error"
    return "error"


class MeteredWebClient(ClippingWebClient):
    """An `AsyncWebClient` that records each call's method, outcome and duration."""

    async def api_call(self, api_method: str, *args: Any, **kwargs: Any) -> Any:
        """`AsyncWebClient.api_call`, measured."""
        started = time.monotonic()
        try:
            response = await super().api_call(api_method, *args, **kwargs)
        except Exception as error:  # a cancelled call is not counted: it had no outcome
            metrics.slack_call(api_method, call_outcome(error), time.monotonic() - started)
            raise
        metrics.slack_call(api_method, "ok", time.monotonic() - started)
        return response

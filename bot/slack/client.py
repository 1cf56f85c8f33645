"""`SlackClient`: the one Web API client of the bot. Every call waits for its method's budget
in the workspace's scheduler, is clipped to Slack's limits and measured.

Every method of slack_sdk's `AsyncWebClient` (`chat_postMessage`, `views_open`, ...) goes
through `api_call`, so overriding it schedules and counts them all, reads too, including the
ones Bolt makes with the same client (`respond` uses response URLs, not this client). A caller
says how urgent its calls are with `queueing.queued_as`; any other call is a person's.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from slack_sdk.web.async_slack_response import AsyncSlackResponse

from ..core import metrics
from ..core.errors import SlackRateLimited, SlackUnreachable
from .clip import ClippingWebClient
from .errors import slack_error
from .queueing import current
from .scheduler import SlackScheduler

__all__ = ["SlackClient", "call_outcome", "channel_of"]


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


def channel_of(*payloads: Mapping[str, Any] | None) -> str | None:
    """The channel a call writes to, from whichever of its payloads names it."""
    for payload in payloads:
        if isinstance(payload, Mapping):
            channel = payload.get("channel") or payload.get("channel_id")
            if isinstance(channel, str) and channel:
                return channel
    return None


class SlackClient(ClippingWebClient):
    """An `AsyncWebClient` whose calls go through `scheduler` (one per workspace)."""

    def __init__(self, *args: Any, scheduler: SlackScheduler | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.scheduler = scheduler if scheduler is not None else SlackScheduler()

    async def api_call(self, api_method: str, **kwargs: Any) -> Any:
        """`AsyncWebClient.api_call`, once the method's budget allows it."""
        data = kwargs.get("data")
        channel = channel_of(
            kwargs.get("json"), data if isinstance(data, Mapping) else None, kwargs.get("params")
        )

        async def measured() -> AsyncSlackResponse:
            started = time.monotonic()
            try:
                response = await ClippingWebClient.api_call(self, api_method, **kwargs)
            except Exception as error:  # a cancelled call is not counted: it had no outcome
                metrics.slack_call(api_method, call_outcome(error), time.monotonic() - started)
                raise
            metrics.slack_call(api_method, "ok", time.monotonic() - started)
            return response

        return await self.scheduler.call(api_method, measured, channel=channel, queueing=current())

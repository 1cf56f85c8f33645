"""The per-channel Slack outbox: about one write per second per channel, 429-aware, folding edits.

Every Slack write that posts or edits a message in a channel goes through `Outbox.send`: it
queues the call on the channel's queue, a worker per busy channel sends one call at a time and
waits `interval` between them, and a 429 (`SlackApiError` with `Retry-After`) puts the call back
at the head of its queue and pauses the channel for as long as Slack asks. Calls given the same
`fold_key` while still queued are folded: only the newest runs, and every caller gets its result
(used for edits of one message, where only the last text matters). Workers exit when their
queue empties, so a quiet channel costs one small record (its pacing) and no task.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from slack_sdk.errors import SlackApiError

log = logging.getLogger(__name__)

Call = Callable[[], Awaitable[Any]]
DEFAULT_RETRY_AFTER = 1.0
MAX_RATE_LIMITED = 30


def retry_after_of(error: BaseException) -> float | None:
    """Seconds Slack asks us to wait, when `error` is a 429; None for any other error."""
    if not isinstance(error, SlackApiError):
        return None
    response = error.response
    if getattr(response, "status_code", None) != 429:
        return None
    headers = getattr(response, "headers", None) or {}
    value = None
    for name, raw in dict(headers).items():
        if str(name).lower() == "retry-after":
            value = raw[0] if isinstance(raw, list) and raw else raw
    try:
        return max(0.0, float(value)) if value is not None else DEFAULT_RETRY_AFTER
    except (TypeError, ValueError):
        return DEFAULT_RETRY_AFTER


@dataclass
class _Job:
    call: Call
    fold_key: str | None
    future: asyncio.Future[Any]
    rate_limited: int = 0


@dataclass
class _Channel:
    queue: deque[_Job] = field(default_factory=deque)
    next_at: float = 0.0
    worker: asyncio.Task[None] | None = None


class Outbox:
    """Per-channel queues of Slack writes; `send` returns the call's result once it ran."""

    def __init__(
        self,
        *,
        interval: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._interval = interval
        self._clock = clock
        self._sleep = sleep
        self._channels: dict[str, _Channel] = {}
        self.sent = 0
        self.folded = 0
        self.rate_limited = 0

    async def send(self, channel: str, call: Call, *, fold_key: str | None = None) -> Any:
        """Queue `call` on `channel` and wait for its result (or its error)."""
        state = self._channels.setdefault(channel, _Channel())
        if fold_key is not None:
            for job in state.queue:
                if job.fold_key == fold_key:
                    job.call = call
                    self.folded += 1
                    return await asyncio.shield(job.future)
        job = _Job(call, fold_key, asyncio.get_running_loop().create_future())
        state.queue.append(job)
        if state.worker is None or state.worker.done():
            state.worker = asyncio.create_task(self._drain(channel, state))
        return await asyncio.shield(job.future)

    def pending(self) -> int:
        """Calls queued and not yet sent, across channels."""
        return sum(len(state.queue) for state in self._channels.values())

    async def aclose(self) -> None:
        """Stop every worker; queued calls fail with CancelledError."""
        for state in self._channels.values():
            if state.worker is not None:
                state.worker.cancel()
            for job in state.queue:
                if not job.future.done():
                    job.future.cancel()
        self._channels.clear()

    async def _drain(self, channel: str, state: _Channel) -> None:
        while state.queue:
            wait = state.next_at - self._clock()
            if wait > 0:
                await self._sleep(wait)
            job = state.queue[0]
            # The head stays queued while it runs, but no longer accepts folds: a fold now
            # could be lost, so newer edits queue behind it instead.
            job.fold_key = None
            try:
                result = await job.call()
            except Exception as error:
                pause = retry_after_of(error)
                if pause is not None and job.rate_limited < MAX_RATE_LIMITED:
                    job.rate_limited += 1
                    self.rate_limited += 1
                    log.info("slack rate limited in %s; retrying in %.1fs", channel, pause)
                    state.next_at = self._clock() + max(pause, self._interval)
                    continue
                state.queue.popleft()
                state.next_at = self._clock() + self._interval
                if not job.future.done():
                    job.future.set_exception(error)
                continue
            state.queue.popleft()
            self.sent += 1
            state.next_at = self._clock() + self._interval
            if not job.future.done():
                job.future.set_result(result)

"""The per-channel Slack outbox: Slack's posting pace, most urgent write first, edits folded.

Every Slack write that posts or edits a message in a channel goes through `Outbox.send`. Each
channel has a token bucket at Slack's documented pace (about one message per second, short
bursts allowed) and a queue ordered by `Priority`: a prompt a reviewer must answer goes before
the parent's edit that shows the end, then its other status edits, then thread lines and
outputs; equal priorities keep their
order. A 429 (`SlackRateLimited`) pauses the channel for as long as Slack asks
and retries the same call. Calls given the same `fold_key` while still queued are folded: only
the newest runs, at the most urgent of their priorities, and every caller gets its result (edits
of one message, where only the last text matters). A caller that writes one thing at a time
(the tracker's worker for one run) names itself as the `owner` of its writes: when something
more urgent of that owner waits behind one of them, `expedite` raises the queued ones to that
priority, so a run's final status edit never waits behind its own thread line or elapsed-time
refresh sitting at the back of a busy channel. A channel's worker exits when its queue empties,
so a quiet channel costs one small record and no task.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any

from foundation.token_bucket import TokenBucket

from .. import metrics
from ..errors import SlackRateLimited
from ..loops import Troubles
from .errors import slack_error

log = logging.getLogger(__name__)

Call = Callable[[], Awaitable[Any]]
MAX_RATE_LIMITED = 30


class Priority(IntEnum):
    """What a person is waiting for; lower goes first."""

    PROMPT = 0  # a prompt message, or the decision written onto it
    FINAL = 1  # the parent's edit that shows a run ended: everyone in the channel sees it
    ENDING = 2  # the thread line that tells the requester it ended (it @-mentions them)
    STATUS = 3  # the parent message's first post and its other status edits
    THREAD = 4  # steps, outputs, log tails, notes
    COSMETIC = 5  # elapsed-time refreshes of the parent


@dataclass
class _Job:
    call: Call
    fold_key: str | None
    priority: Priority
    order: int
    future: asyncio.Future[Any]
    queued_at: float
    owner: str | None = None
    rate_limited: int = 0


@dataclass
class _Channel:
    bucket: TokenBucket
    queue: list[_Job] = field(default_factory=list)
    paused_until: float = 0.0
    worker: asyncio.Task[None] | None = None

    def head(self) -> _Job:
        """The most urgent job, oldest first among equals."""
        return min(self.queue, key=lambda job: (job.priority, job.order))


class Outbox:
    """Per-channel prioritized queues of Slack writes; `send` returns the call's result."""

    def __init__(
        self,
        *,
        per_second: float = 1.0,
        burst: int = 3,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._per_second = per_second
        self._burst = burst
        self._clock = clock
        self._sleep = sleep
        self._channels: dict[str, _Channel] = {}
        self._order = itertools.count()
        self.folded = 0
        self.rate_limited = 0
        # Queued calls by priority, kept as they change: the depth gauge is read on every
        # write, and counting the queues each time would cost O(queued) on the hot path.
        self._depth = dict.fromkeys(Priority, 0)
        self._troubles = Troubles(log, "outbox worker")
        self.sent_by_priority = dict.fromkeys(Priority, 0)
        self.waited_by_priority = dict.fromkeys(Priority, 0.0)

    async def send(
        self,
        channel: str,
        call: Call,
        *,
        fold_key: str | None = None,
        priority: Priority = Priority.THREAD,
        owner: str | None = None,
    ) -> Any:
        """Queue `call` on `channel` and wait for its result (or its error)."""
        state = self._channels.get(channel)
        if state is None:
            bucket = TokenBucket(rate=self._per_second, burst=self._burst, stamp=self._clock())
            state = self._channels[channel] = _Channel(bucket)
        if fold_key is not None:
            for job in state.queue:
                if job.fold_key == fold_key:
                    job.call = call
                    self._reprioritize(job, min(job.priority, priority))
                    self.folded += 1
                    return await asyncio.shield(job.future)
        future = asyncio.get_running_loop().create_future()
        job = _Job(call, fold_key, priority, next(self._order), future, self._clock(), owner)
        state.queue.append(job)
        self._depth[priority] += 1
        self._gauge(priority)
        if state.worker is None or state.worker.done():
            state.worker = asyncio.create_task(self._drain(channel, state))
        return await asyncio.shield(job.future)

    def expedite(self, channel: str, owner: str, priority: Priority) -> int:
        """Raise `owner`'s queued writes in `channel` to at least `priority`; how many rose.

        For an owner whose next, more urgent write can only be made once these are sent.
        """
        state = self._channels.get(channel)
        raised = 0
        for job in state.queue if state is not None else []:
            if job.owner == owner and job.priority > priority:
                self._reprioritize(job, priority)
                raised += 1
        return raised

    def pending(self, priority: Priority | None = None) -> int:
        """Calls queued and not yet sent, across channels (of one priority, or all)."""
        return self._depth[priority] if priority is not None else sum(self._depth.values())

    async def aclose(self) -> None:
        """Stop every worker; queued calls fail with CancelledError."""
        for state in self._channels.values():
            if state.worker is not None:
                state.worker.cancel()
            for job in state.queue:
                if not job.future.done():
                    job.future.cancel()
        self._channels.clear()
        self._depth = dict.fromkeys(Priority, 0)

    async def _drain(self, channel: str, state: _Channel) -> None:
        while state.queue:
            job = None
            try:
                now = self._clock()
                wait = max(state.paused_until - now, state.bucket.wait_for_token(now))
                if wait > 0:
                    await self._sleep(wait)
                    continue  # something more urgent may have arrived meanwhile
                job = state.head()
                await self._send(channel, state, job)
            except Exception as error:
                # A call's own failure goes to its caller (`_send`); this is the outbox's
                # bookkeeping failing. The worker must not die with writes queued behind it.
                pause = self._troubles.failed(error)
                if job is not None:
                    self._abandon(state, job, error)
                else:
                    await asyncio.sleep(pause)  # not the injected sleep: it may be what fails
            else:
                self._troubles.recovered()

    async def _send(self, channel: str, state: _Channel, job: _Job) -> None:
        """Make one call: its result or error to its caller; a 429 leaves it queued."""
        # The job no longer accepts folds while it runs: a fold now could be lost, so
        # newer edits of the same message queue behind it instead.
        job.fold_key = None
        state.bucket.reserve(self._clock())
        try:
            result = await job.call()
        except Exception as error:
            limited = slack_error(error)
            if isinstance(limited, SlackRateLimited) and job.rate_limited < MAX_RATE_LIMITED:
                pause = limited.retry_after
                job.rate_limited += 1
                self.rate_limited += 1
                log.info("slack rate limited in %s; retrying in %.1fs", channel, pause)
                state.paused_until = self._clock() + pause
                return
            self._finish(state, job)
            if not job.future.done():
                job.future.set_exception(error)
            return
        self._finish(state, job)
        if not job.future.done():
            job.future.set_result(result)

    def _abandon(self, state: _Channel, job: _Job, error: BaseException) -> None:
        """Give up on `job` after the outbox itself failed: its caller gets the error."""
        if job in state.queue:
            state.queue.remove(job)
            self._depth[job.priority] -= 1
        if not job.future.done():
            job.future.set_exception(error)

    def _finish(self, state: _Channel, job: _Job) -> None:
        state.queue.remove(job)
        self._depth[job.priority] -= 1
        waited = self._clock() - job.queued_at
        self.sent_by_priority[job.priority] += 1
        self.waited_by_priority[job.priority] += waited
        metrics.outbox_sent(job.priority.name.lower(), waited)
        self._gauge(job.priority)

    def _reprioritize(self, job: _Job, priority: Priority) -> None:
        if priority != job.priority:
            self._depth[job.priority] -= 1
            self._gauge(job.priority)
            job.priority = priority
            self._depth[priority] += 1
            self._gauge(priority)

    def _gauge(self, priority: Priority) -> None:
        metrics.set_outbox_depth(priority.name.lower(), self._depth[priority])

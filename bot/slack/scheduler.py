"""One Slack scheduler per workspace: every Web API call waits for its method's budget.

Slack counts calls per method, per app, per workspace (`foundation/slack_limits.py`), so the
bot keeps one queue per method for the whole workspace, across all channels, and sends from
it only as fast as the method's budget allows (`lane.py` decides; this module does the I/O).
Within a method the most urgent call goes first (`queueing.Priority`: a person's interaction,
prompts, final edits, ending lines, status, thread, cosmetic), people's runs before
subscriptions. A 429 is a fault to log and count: it pauses the method for `Retry-After` and
the call goes back in its place; nothing is lost.

Under a backlog the scheduler degrades by design: queued edits of one message fold into the
newest (`fold_key`), and cosmetic calls are dropped once a method's queue takes longer than
`SHED_AFTER` seconds to drain. Final states, prompts and decisions are never dropped.

Several replicas share a workspace's budget: Slack counts the app's calls, not a process's.
Given `held` budgets (rows in the shared database, `held.py`), each call first takes its tokens
there, so a replica spends what the others leave and a dead one holds nothing; this replica's
own buckets then mirror the rows, so it asks only when a token is likely free. Without them
(one replica on SQLite) the buckets here are the budget.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import math
import time
from collections.abc import Awaitable, Callable
from typing import Any

from foundation.slack_limits import CHANNEL_PACED, Tier, tier_of

from ..core import metrics
from ..core.errors import SlackRateLimited
from ..core.loops import Troubles
from .errors import slack_error
from .held import HeldBudgets, Take
from .lane import CHANNEL_NAP, Call, Job, Lane, channel_pace_of
from .queueing import Priority, Queueing

__all__ = ["MAX_RATE_LIMITED", "SHED_AFTER", "NothingQueued", "SlackScheduler"]

log = logging.getLogger(__name__)

# 429s one call may meet before its caller gets the error (Slack keeps refusing: say so).
MAX_RATE_LIMITED = 30
# Seconds of backlog past which a method's cosmetic calls are dropped.
SHED_AFTER = 5.0


class NothingQueued(LookupError):
    """A `fold_only` call found no queued call to replace: it was already sent (or never
    queued), and the caller goes the usual way (an edit of the sent message)."""


class SlackScheduler:
    """The Web API budget of one workspace (`team`), shared by every caller in this process."""

    def __init__(
        self,
        team: str = "",
        *,
        tiers: Callable[[str], Tier] = tier_of,
        held: HeldBudgets | None = None,
        shed_after: float = SHED_AFTER,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.team = team
        self._tiers = tiers
        self.held = held
        self._shed_after = shed_after
        self._clock = clock
        self._sleep = sleep
        self._lanes: dict[str, Lane] = {}
        self._drivers: dict[str, asyncio.Task[None]] = {}
        self._calls: set[asyncio.Task[None]] = set()
        self._troubles: dict[str, Troubles] = {}
        self._bookkeeping = Troubles(log, "slack scheduler bookkeeping")
        self._holding = Troubles(log, "taking Slack's budget from the database")
        self._order = itertools.count()
        # Figures for benches and tests (metrics carry the same for operators).
        self.folded = 0
        self.dropped = 0
        self.rate_limited = 0
        self.held_refusals = 0
        self.sent_by_priority = dict.fromkeys(Priority, 0)
        self.waited_by_priority = dict.fromkeys(Priority, 0.0)
        self.depth = 0
        self.max_depth = 0

    # -- callers -------------------------------------------------------------------------------

    async def call(
        self, method: str, call: Call, *, channel: str | None, queueing: Queueing
    ) -> Any:
        """Queue `call` (one Web API call of `method`) and wait for its result or error."""
        lane = self._lane(method)
        if queueing.fold_key is not None:
            older = lane.folds_into(queueing.fold_key)
            if older is not None:
                older.call = call
                older.guard = queueing.guard
                self._raise(older, queueing.priority)
                older.origin = min(older.origin, queueing.origin)
                self.folded += 1
                metrics.slack_call_shed(method, "folded")
                return await asyncio.shield(older.future)
        if queueing.fold_only:
            raise NothingQueued(f"no {method} queued as {queueing.fold_key}")
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        job = Job.of(method, channel, queueing, next(self._order), self._clock(), call, future)
        lane.add(job)
        self._counted(job.method, job.priority, +1)
        self._drive(lane)
        return await asyncio.shield(future)

    def expedite(self, owner: str, priority: Priority) -> int:
        """Raise `owner`'s queued calls, in every method, to at least `priority`; how many rose.

        For an owner whose next, more urgent call can only be made once these are sent.
        """
        raised = 0
        for lane in self._lanes.values():
            for job in list(lane.owned_by(owner)):
                if job.priority > priority:
                    self._raise(job, priority)
                    raised += 1
        return raised

    def lower(self, owner: str, method: str, priority: Priority, to: Priority) -> int:
        """Move `owner`'s queued `method` calls at `priority` down to `to`, keeping their
        order; how many moved. For a call that became less urgent while it waited (a run's
        final edit once its ending line showed the end)."""
        lane = self._lanes.get(method)
        if lane is None:
            return 0
        moved = 0
        for job in list(lane.owned_by(owner)):
            if job.priority == priority:
                self._counted(job.method, job.priority, -1)
                job.priority = to
                self._counted(job.method, job.priority, +1)
                moved += 1
        return moved

    def pending(self, priority: Priority | None = None) -> int:
        """Calls queued and not yet sent, in every method (of one priority, or all)."""
        return sum(
            1
            for lane in self._lanes.values()
            for job in lane.queue
            if priority is None or job.priority == priority
        )

    def backlog_seconds(self, method: str) -> float:
        """How long `method`'s queue takes to drain at its budget."""
        lane = self._lanes.get(method)
        return lane.backlog_seconds() if lane is not None else 0.0

    async def aclose(self) -> None:
        """Stop sending; queued calls fail with CancelledError."""
        for task in [*self._drivers.values(), *self._calls]:
            task.cancel()
        for lane in self._lanes.values():
            for job in lane.queue:
                if not job.future.done():
                    job.future.cancel()
            lane.queue.clear()
        self._drivers.clear()

    # -- sending -------------------------------------------------------------------------------

    def _lane(self, method: str) -> Lane:
        lane = self._lanes.get(method)
        if lane is None:
            pace = channel_pace_of(method, CHANNEL_PACED)
            lane = Lane(method, self._tiers(method), self._clock(), pace, team=self.team)
            self._lanes[method] = lane
            self._troubles[method] = Troubles(log, f"slack {method}")
            metrics.set_slack_budget(method, lane.bucket.rate * 60)
        return lane

    def _drive(self, lane: Lane) -> None:
        driver = self._drivers.get(lane.method)
        if driver is None or driver.done():
            self._drivers[lane.method] = asyncio.create_task(self._drain(lane))

    async def _drain(self, lane: Lane) -> None:
        """Send `lane`'s calls as its budget allows until its queue is empty."""
        troubles = Troubles(log, f"slack scheduler for {lane.method}")
        while lane.queue:
            try:
                wait = await self._send_next(lane)
                # Yield even when the next call may go at once: the started calls run meanwhile.
                await (self._sleep(wait) if wait > 0 else asyncio.sleep(0))
            except Exception as error:
                # A call's own failure goes to its caller (`_send`); this is the scheduler's
                # bookkeeping failing, and the calls queued behind must not be stranded.
                await asyncio.sleep(troubles.failed(error))  # not the injected sleep: it may fail
            else:
                troubles.recovered()

    async def _send_next(self, lane: Lane) -> float:
        """Start the next call `lane` may make now; else the seconds until one may go."""
        for shed in lane.shed(self._shed_after):
            self._dropped(shed)
        job, wait = lane.ready(self._clock(), backlog_after=self._shed_after)
        if job is None:
            return 0.0 if math.isinf(wait) else wait  # inf: the queue emptied (all shed)
        if self.held is not None:
            try:
                take = await self._take_held(lane, job)
            except asyncio.CancelledError:  # closing: the job is out of the queue aclose empties
                lane.sent(job)
                job.future.cancel()
                raise
            except Exception:  # bookkeeping: the job must not be stranded out of its queue
                lane.sent(job)
                if job not in lane.queue:
                    lane.add(job)
                raise
            if take is not None and not take.granted:
                # Another replica spent it: look again with the rows' view, soon enough for
                # another channel's call that may go now.
                return min(take.wait, CHANNEL_NAP)
        self._counted(job.method, job.priority, -1)
        task = asyncio.create_task(self._send(lane, job))
        self._calls.add(task)
        task.add_done_callback(self._calls.discard)
        return 0.0

    async def _take_held(self, lane: Lane, job: Job) -> Take | None:
        """Take `job`'s tokens from the held budgets; None when the database fails (then this
        replica paces alone on its own buckets, and a 429 tells it when that was too much)."""
        assert self.held is not None
        backlogged = lane.backlog_seconds() > self._shed_after
        try:
            take = await self.held.take(lane.asks(job, backlogged))
        except Exception as error:
            self._holding.failed(error)
            return None
        self._holding.recovered()
        lane.took(job, take, self._clock())
        if not take.granted:
            self.held_refusals += 1
            metrics.slack_budget_refused(lane.method)
            newer = lane.folds_into(job.fold_key) if job.fold_key is not None else None
            if newer is not None and newer is not job:
                self._fold_late(lane, job, newer)
        return take

    def _fold_late(self, lane: Lane, job: Job, newer: Job) -> None:
        """`job` went back in line while a newer edit of its message was queued: the newer
        carries the latest content, so `job`'s callers get its result, at `job`'s urgency."""
        lane.queue.remove(job)
        self._counted(job.method, job.priority, -1)
        self._raise(newer, job.priority)
        newer.origin = min(newer.origin, job.origin)
        self.folded += 1
        metrics.slack_call_shed(job.method, "folded")

        def follow(done: asyncio.Future[Any]) -> None:
            if job.future.done():
                return
            if done.cancelled():
                job.future.cancel()
            elif (error := done.exception()) is not None:
                job.future.set_exception(error)
            else:
                job.future.set_result(done.result())

        newer.future.add_done_callback(follow)

    async def _pause_held(self, lane: Lane, retry_after: float) -> None:
        """Tell every replica that Slack refused `lane`'s method for `retry_after` s."""
        if self.held is None:
            return
        try:
            await self.held.pause(lane.method_ask(), retry_after)
        except Exception as error:
            self._holding.failed(error)

    async def _send(self, lane: Lane, job: Job) -> None:
        """Make one call: its result or error to its callers; a 429 puts it back in line."""
        waited = self._clock() - job.queued_at
        try:
            if job.guard is not None:
                await job.guard()
            result = await job.call()
        except Exception as error:
            limited = slack_error(error)
            if isinstance(limited, SlackRateLimited) and job.rate_limited < MAX_RATE_LIMITED:
                self._refused(lane, job, limited)
                await self._pause_held(lane, limited.retry_after)
                return
            self._resolve(lane, job, waited, error=error)
            return
        self._resolve(lane, job, waited, result=result)

    def _resolve(
        self,
        lane: Lane,
        job: Job,
        waited: float,
        *,
        result: Any = None,
        error: BaseException | None = None,
    ) -> None:
        """Hand the call's outcome to its callers, whatever happens to the bookkeeping: a
        call that reached Slack reports what Slack said (reporting a failure instead would
        make its caller post again)."""
        try:
            lane.sent(job)
            self._finished(job, waited)
            if error is None:
                self._troubles[lane.method].recovered()
        except Exception as bug:
            self._bookkeeping.failed(bug)
        finally:
            if not job.future.done():
                if error is None:
                    job.future.set_result(result)
                else:
                    job.future.set_exception(error)

    def _refused(self, lane: Lane, job: Job, limited: SlackRateLimited) -> None:
        """A 429: pause the method for everyone, keep the call, log once per reason."""
        lane.rate_limited(job, limited.retry_after, self._clock())
        self._drive(lane)
        self.rate_limited += 1
        try:
            self._counted(job.method, job.priority, +1)
            metrics.slack_rate_limited(lane.method)
            # One line per reason while it lasts; the return to normal is said once too.
            self._troubles[lane.method].failed_for(
                {f"429 from Slack: {lane.method} paused for the workspace": limited}
            )
        except Exception as bug:
            self._bookkeeping.failed(bug)

    def _finished(self, job: Job, waited: float) -> None:
        self.sent_by_priority[job.priority] += 1
        self.waited_by_priority[job.priority] += waited
        metrics.slack_queue_waited(job.priority.name.lower(), waited)

    def _dropped(self, job: Job) -> None:
        """A cosmetic call shed under a backlog: its callers get None, as if it were sent."""
        self._counted(job.method, job.priority, -1)
        self.dropped += 1
        metrics.slack_call_shed(job.method, "dropped_backlog")
        if not job.future.done():
            job.future.set_result(None)

    def _raise(self, job: Job, priority: Priority) -> None:
        """Move a queued call up to `priority`, at the back of that level: among final edits,
        first come is the run that ended first, not the one whose Active edit queued first."""
        if priority < job.priority:
            self._counted(job.method, job.priority, -1)
            job.priority = priority
            job.order = next(self._order)
            job.queued_at = self._clock()
            self._counted(job.method, job.priority, +1)

    def _counted(self, method: str, priority: Priority, change: int) -> None:
        """Keep the queue depth (and its gauge) as calls come and go."""
        metrics.change_slack_queue_depth(method, priority.name.lower(), change)
        self.depth += change
        self.max_depth = max(self.max_depth, self.depth)

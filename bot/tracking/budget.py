"""The tracker's Airplane request budget: one token bucket, served to lanes in priority order.

`TokenBucket` (`foundation/token_bucket.py`) is pure arithmetic on an injected clock.
`RequestBudget` hands its tokens out by lane: whenever a token is free, the waiting request of
the most urgent lane gets it (first come, first served within a lane unless a request says how
urgent it is among its lane), so the change feed that
reports status changes never waits behind output fetches or safety polls, and the global rate
still holds. `try_acquire` takes a token only when nobody waits and one is free now: work that
should use only the budget left over.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from enum import IntEnum

from foundation.token_bucket import TokenBucket

from ..core import metrics
from ..core.loops import Troubles

log = logging.getLogger(__name__)


class Lane(IntEnum):
    """What a request is for; lower is served first."""

    FEED = 0  # runs/list, sessions/list: every status change is learned here
    PROMPTS = 1  # prompts/list, prompts/get: someone may be waiting to approve
    REASONS = 2  # a failed run's error and prompts: its requester waits to read why
    STARTED = 3  # a run seen live for the first time: a prompt may have opened unseen
    DETAILS = 4  # first fetch of an item, final outputs, log tails, child runs
    SAFETY = 5  # slow safety polls, anything cosmetic: only what is left over


@dataclass
class LaneQueues:
    """Waiters per lane; `pop` gives the most urgent lane's first waiter. Pure bookkeeping.

    Within a lane, waiters go by `order` (lower first), then first come, first served.
    """

    queues: dict[Lane, list[tuple[float, int, asyncio.Future[None]]]] = field(
        default_factory=lambda: {lane: [] for lane in Lane}
    )
    _arrivals: itertools.count[int] = field(default_factory=itertools.count)

    def push(self, lane: Lane, waiter: asyncio.Future[None], order: float = 0.0) -> None:
        """Queue a waiter in its lane, behind those of a lower or equal `order`."""
        heapq.heappush(self.queues[lane], (order, next(self._arrivals), waiter))

    def pop(self) -> tuple[Lane, asyncio.Future[None]] | None:
        """The next waiter to serve, skipping ones that gave up; None when nobody waits."""
        for lane in Lane:
            queue = self.queues[lane]
            while queue:
                waiter = heapq.heappop(queue)[2]
                if not waiter.done():
                    return lane, waiter
        return None

    def waiting(self, lane: Lane | None = None) -> int:
        """How many wait (in one lane, or in all)."""
        lanes = [lane] if lane is not None else list(Lane)
        return sum(1 for one in lanes for _, _, w in self.queues[one] if not w.done())


class RequestBudget:
    """Every Airplane request the tracker makes waits here first, in its lane."""

    def __init__(
        self,
        rate: float,
        burst: float | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._bucket = TokenBucket(rate=rate, burst=burst if burst is not None else max(1.0, rate))
        self._clock = clock
        self._sleep = sleep
        self._lanes = LaneQueues()
        self._dispatcher: asyncio.Task[None] | None = None
        self._troubles = Troubles(log, "request budget", base=0.1, cap=5.0)
        self.spent = 0
        self.spent_by_lane = dict.fromkeys(Lane, 0)
        self.waited_by_lane = dict.fromkeys(Lane, 0.0)

    @property
    def rate(self) -> float:
        """Requests per second allowed."""
        return self._bucket.rate

    def waiting(self, lane: Lane | None = None) -> int:
        """Requests waiting for a token (in one lane, or in all)."""
        return self._lanes.waiting(lane)

    async def acquire(self, lane: Lane = Lane.DETAILS, order: float = 0.0) -> None:
        """Wait until the budget serves this request (more urgent lanes go first; within a
        lane, a lower `order`)."""
        if self._lanes.waiting() == 0 and self._bucket.wait_for_token(self._clock()) == 0:
            self._take(lane)
            return
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._lanes.push(lane, waiter, order)
        queued_at = self._clock()
        if self._dispatcher is None or self._dispatcher.done():
            self._dispatcher = asyncio.create_task(self._dispatch(), name="request-budget")
        await waiter
        waited = self._clock() - queued_at
        self.waited_by_lane[lane] += waited
        metrics.request_budget_waited(lane.name.lower(), waited)

    def try_acquire(self, lane: Lane = Lane.SAFETY) -> bool:
        """Take a token only if one is free now and nobody waits for it."""
        if self._lanes.waiting() or self._bucket.wait_for_token(self._clock()) > 0:
            return False
        self._take(lane)
        return True

    def _take(self, lane: Lane) -> None:
        self._bucket.reserve(self._clock())
        self.spent += 1
        self.spent_by_lane[lane] += 1

    async def _dispatch(self) -> None:
        while self._lanes.waiting():
            try:
                if not await self._serve_one():
                    return
                self._troubles.recovered()
            except Exception as error:
                # Requests wait on this task: it must not die with them queued behind it.
                await asyncio.sleep(self._troubles.failed(error))  # not the injected sleep

    async def _serve_one(self) -> bool:
        """Hand the next token to the most urgent waiter; False when nobody waits."""
        wait = self._bucket.wait_for_token(self._clock())
        if wait > 0:
            await self._sleep(wait)
        # The lane is chosen only once the token is free, so a feed request that arrived
        # during the wait still goes before older, less urgent ones.
        chosen = self._lanes.pop()
        if chosen is None:
            return False
        lane, waiter = chosen
        self._take(lane)
        waiter.set_result(None)
        # Let the served request run before the next token is handed out.
        await asyncio.sleep(0)
        return True

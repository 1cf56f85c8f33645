"""A replica's share of the workspace's Slack budget: 1/live replicas, kept current.

Slack counts the app's calls in a workspace, not a process's, so replicas split each method's
budget. Each replica renews a presence lease and counts the live ones (`count`, from the
tracker's leases); a replica that dies stops renewing, and within one lease's life the others
take its share back. Replicas usually start together: `settle` counts, waits a beat for the
others to say they are alive, and counts again before the first Slack write, and the first
lease's life is counted every second, so none spends the whole budget while it thinks it is
alone.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable

from ..core.loops import Troubles
from .scheduler import SlackScheduler

__all__ = ["BudgetShare"]

log = logging.getLogger(__name__)

# How often the live replicas are counted right after start, and for how long.
SETTLE_EVERY = 1.0


class BudgetShare:
    """Counts live replicas (`count`) and sets `scheduler`'s share to 1/count."""

    def __init__(
        self,
        count: Callable[[], Awaitable[int]],
        scheduler: SlackScheduler,
        *,
        every: float,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._count = count
        self._scheduler = scheduler
        self._every = every
        self._clock = clock
        self._sleep = sleep
        self._troubles = Troubles(log, "counting replicas for the Slack budget")

    async def update(self) -> None:
        """Count the live replicas once and take 1/count of the budget."""
        self._scheduler.set_share(1.0 / max(1, await self._count()))

    async def settle(self) -> None:
        """Before the first write: count, let replicas starting alongside register, count."""
        await self.update()
        await self._sleep(SETTLE_EVERY)
        await self.update()

    async def run(self, *, fast_for: float) -> None:
        """Keep the share current: every second for `fast_for` s, then every `every` s."""
        started = self._clock()
        while True:
            fast = self._clock() - started < fast_for
            await self._sleep(SETTLE_EVERY if fast else self._every)
            try:
                await self.update()
            except Exception as error:  # the store away: keep the last share, say so once
                self._troubles.failed(error)
            else:
                self._troubles.recovered()

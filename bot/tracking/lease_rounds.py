"""Lease rounds: keep this replica's share of the items (see `leasing.py` for the port).

On their own clock, beside the look loop: a cycle slowed by load (a busy CPU, a slow Airplane)
must not let this replica's leases lapse, nor delay taking over a dead one's. Each round renews
the leases held, learns items other replicas recorded, drops those that ended elsewhere and
claims the free ones.
"""

from __future__ import annotations

import asyncio

from ..core.loops import Troubles
from .leasing import Leasing
from .model import identity
from .shared import Shared, log


class LeaseRounds:
    """The lease rounds of one replica, over `leasing`."""

    def __init__(self, shared: Shared, leasing: Leasing) -> None:
        self._s = shared
        self._leasing = leasing
        # When the next round is due (the look loop runs one too, when due).
        self.next_round = 0.0
        self._lock = asyncio.Lock()

    async def forever(self) -> None:
        """Rounds until cancelled; a failing round backs off and is logged once per reason."""
        leasing = self._leasing
        # Backing off past the lease's life is no loss: failing rounds renew nothing anyway.
        troubles = Troubles(log, "lease round", cap=leasing.ttl)
        while True:
            await self._s.sleep(troubles.pause(leasing.ttl / 6))
            try:
                await self.if_due(self._s.clock())
                troubles.recovered()
            except Exception as error:
                troubles.failed(error)

    async def if_due(self, now: float) -> None:
        """A round, if one is due at `now` (one at a time)."""
        async with self._lock:
            if now >= self.next_round:
                await self._round()
                self.next_round = now + self._leasing.ttl / 3

    async def _round(self) -> None:
        """Renew our leases, learn items other replicas recorded, take over lapsed ones."""
        s, leasing = self._s, self._leasing
        held = await leasing.renew()
        stored = {
            identity(tracked): (tracked, progress) for tracked, progress in await s.store.active()
        }
        for key, (tracked, progress) in stored.items():
            if key not in s.items:
                s.add(tracked, progress)
        for key, item in list(s.items.items()):
            if key not in stored and not item.held:
                s.drop(item)  # ended under another replica
        free = [i.tracked for k, i in s.items.items() if k not in held and k in stored]
        if free:
            held = await leasing.claim(free)
        for key, item in s.items.items():
            was_held, item.held = item.held, key in held
            if item.held and not was_held and key in stored:
                # Another replica may have moved it on: start from what the store says.
                item.progress = stored[key][1]
                item.fingerprint = ""
                item.fresh = True
